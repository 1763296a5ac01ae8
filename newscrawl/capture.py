"""Raw capture in a crawl: each archived article's HTTP exchange goes into the run's WARC file.

Three thin pieces around ``newscrawl.archive.warc`` (switched off with ``NEWSCRAWL_WARC=0``):

- :class:`CaptureExchangeMiddleware`, a downloader middleware closer to the download handler than
  Scrapy's HttpCompressionMiddleware (590), keeps the response of every article request as it came in
  (status, headers, the still-encoded body) and the request's headers as sent. With ``NEWSCRAWL_MIRROR``
  the handler already gives the response the real URL, so the capture names the site, never the mirror.
- :class:`CaptureSpiderMiddleware` attaches that exchange to each article item the spider yields for the
  response, as the working key ``_capture`` (never archived itself).
- :class:`CaptureResponsePipeline` (after the dedupe pipeline, before the archive write) writes the
  ``response`` and ``request`` records, sets the record's ``capture`` pointer and drops ``_capture``. An
  unchanged re-check (``UnchangedArticle``, seen through Scrapy's ``item_dropped`` signal) gets a
  ``revisit`` record when its body is byte for byte the archived capture's, else the new response whole.

Only article pages are captured: they are what the records were extracted from and what re-extraction
needs. Feeds, listings, homepages and sitemaps are not: they change on every run, so each run would store
them whole again, more than its articles, for pages no record is made from. Rendered pages
(``meta["playwright"]``) are not captured either: the browser gives a DOM, not the bytes the server sent.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import Any, Self
from weakref import WeakKeyDictionary

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from newscrawl import config
from newscrawl.archive.crawl import archive_enabled, archive_for
from newscrawl.archive.store import PART, ArchiveError, iter_lines
from newscrawl.archive.warc import CaptureError, Exchange, payload_digest, read_capture, warc_date
from newscrawl.drops import UnchangedArticle
from newscrawl.not_article import is_article_request
from newscrawl.pipelines.stats import CountingPipeline
from newscrawl.record import loads

logger = logging.getLogger(__name__)

CAPTURE = "_capture"  # the item's working key: a carried-along ``Exchange``

# The exchange of each article request whose response came back, for the spider middleware. Keyed weakly
# by the request (the response Scrapy hands the spider is a decompressed copy, the request is the same
# object); not in ``meta``, which a retry or redirect copies and distributed mode queues in Redis.
_EXCHANGES: WeakKeyDictionary[Request, Exchange] = WeakKeyDictionary()


def capture_enabled(crawler: Crawler) -> bool:
    """``NEWSCRAWL_WARC`` (default on), and only where there is an archive to put the WARC file in."""
    return config.get_bool(crawler.settings, "NEWSCRAWL_WARC") and archive_enabled(crawler)


def _pairs(headers: Any) -> list[tuple[str, str]]:
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in headers.items()
        for value in values
    ]


# Scrapy names HTTP/2 "h2"; an HTTP message in a WARC record names its version as in HTTP/1.x.
_PROTOCOLS = {"h2": "HTTP/2", "HTTP/2.0": "HTTP/2"}


class CaptureExchangeMiddleware:
    """Keeps the raw exchange of every article response (see the module docstring)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not capture_enabled(crawler):
            raise NotConfigured
        return cls()

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Response:
        if is_article_request(request) and not request.meta.get("playwright"):
            _EXCHANGES[request] = Exchange(
                url=response.url,
                status=response.status,
                headers=_pairs(response.headers),
                raw_body=response.body,
                method=request.method,
                request_headers=_pairs(request.headers),
                protocol=_PROTOCOLS.get(response.protocol or "", response.protocol or "HTTP/1.1"),
            )
        return response


class CaptureSpiderMiddleware:
    """Gives each article item the exchange of the response it was parsed from."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        if not capture_enabled(crawler):
            raise NotConfigured
        return cls()

    def process_spider_output(self, response: Response, result: Iterable[Any], spider: Any = None) -> Iterator[Any]:
        exchange = _EXCHANGES.get(response.request) if response.request is not None else None
        for output in result:
            yield self._attach(output, exchange)

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any], spider: Any = None
    ) -> AsyncIterator[Any]:
        exchange = _EXCHANGES.get(response.request) if response.request is not None else None
        async for output in result:
            yield self._attach(output, exchange)

    @staticmethod
    def _attach(output: Any, exchange: Exchange | None) -> Any:
        if exchange is not None and isinstance(output, dict) and "key" in output:
            output[CAPTURE] = exchange
        return output


def _exchange(value: Any) -> Exchange | None:
    """The carried exchange; ``ItemAdapter.asdict`` turns the dataclass into a dict on the way."""
    if isinstance(value, Exchange) or value is None:
        return value
    if isinstance(value, dict):
        return Exchange(**value)
    return None


def warcinfo(crawler: Crawler) -> dict[str, str]:
    """The ``warcinfo`` fields of a run's WARC file: the software and what extraction depends on."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        software = f"newscrawl/{version('newscrawl')}"
    except PackageNotFoundError:  # pragma: no cover - run from a source folder that was never installed
        software = "newscrawl"
    spider = crawler.spider
    info = {
        "software": software,
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "site": str(getattr(spider, "site_key", None) or getattr(spider, "name", "")),
        "spider": str(getattr(spider, "name", "")),
    }
    tz = getattr(spider, "tz", None)
    if tz:
        info["tz"] = str(tz)  # the news spider's -a tz=: the zone naive page times were read in
    return info


class CaptureResponsePipeline(CountingPipeline):
    """Writes the records' captures and the re-checks' revisits (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.enabled = capture_enabled(crawler)
        self._info: dict[str, str] | None = None
        self._on_dropped = self.item_dropped

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        if pipeline.enabled:
            # Scrapy keeps weak references to signal handlers; the pipeline holds its bound method.
            crawler.signals.connect(pipeline._on_dropped, signal=signals.item_dropped)
        return pipeline

    @property
    def info(self) -> dict[str, str]:
        if self._info is None:
            self._info = warcinfo(self.crawler)
        return self._info

    def process_item(self, item: Any, spider: Any = None) -> Any:
        exchange = _exchange(item.pop(CAPTURE, None))
        if exchange is None or not self.enabled:
            return item
        try:
            item["capture"] = archive_for(self.crawler).capture(exchange, warc_date(item["crawled_at"]), self.info)
        except ArchiveError as exc:
            self._stop(exc)
            raise
        self.count("warc/responses")
        return item

    def item_dropped(self, item: Any, response: Any, exception: BaseException, spider: Any = None) -> None:
        if not isinstance(exception, UnchangedArticle):
            return
        adapter = ItemAdapter(item)
        exchange = _exchange(adapter.get(CAPTURE))
        if exchange is None:
            return
        archive = archive_for(self.crawler)
        refers_to, outcome = self._same_payload(archive, str(adapter.get("key")), exchange)
        try:
            archive.revisit(exchange, warc_date(str(adapter.get("crawled_at"))), self.info, refers_to)
        except ArchiveError as exc:
            self._stop(exc)
            logger.error("could not capture the re-check of %s: %s", adapter.get("key"), exc)
            return
        self.count(f"warc/{outcome}")

    def _same_payload(self, archive: Any, key: str, exchange: Exchange) -> tuple[dict[str, str] | None, str]:
        """``{"uri", "date"}`` of the archived capture of ``key`` when its body is byte for byte this one's,
        and the stat the re-check is counted under.

        A re-check whose text is unchanged may still differ in bytes (a counter, a list of related links):
        then no revisit record may claim an identical payload, and the new response is written whole
        (``rechecks_changed_bytes``); so is the page of an article archived with no capture to refer to
        (before capture was on, or while it was off: ``rechecks_first_capture``).
        """
        entry = archive.index.get(key)
        previous = previous_capture(archive.root, entry.file, key) if entry is not None else None
        if previous is None:
            return None, "rechecks_first_capture"
        if previous.get("digest") != payload_digest(exchange.raw_body):
            return None, "rechecks_changed_bytes"
        try:
            earlier = read_capture(archive.root, previous)
        except CaptureError as exc:
            logger.warning("the earlier capture of %s cannot be read: %s", key, exc)
            return None, "rechecks_first_capture"
        return {"uri": earlier.url, "date": earlier.warc_date}, "revisits"

    def _stop(self, exc: ArchiveError) -> None:
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            from scrapy.utils.defer import deferred_from_coro  # asyncio or Twisted, as the reactor is

            deferred_from_coro(engine.close_spider_async(reason=getattr(exc, "reason", "archive_error")))


def previous_capture(root: Path, file: str, key: str) -> dict[str, Any] | None:
    """The ``capture`` pointer of ``key``'s record in the archive file ``file`` (None: none there)."""
    path = Path(root) / file
    if not path.exists():
        path = path.with_name(path.name + PART)
        if not path.exists():
            return None
    needle = f'"key":{json.dumps(key, ensure_ascii=False)}'.encode()
    found: dict[str, Any] | None = None
    for _, line in iter_lines(path):
        if needle in line:
            try:
                record = loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("key") == key and isinstance(record.get("capture"), dict):
                found = record["capture"]
    return found

