"""Pages answered with 200 that are no article (bot challenges, consent walls, empty shells): retried later.

A challenge usually passes after a while, so an article request whose page is a ``challenge`` or
``not_article`` (``page_kind``: a text scan, else the spider's own parse of the page) is re-requested
with backoff (``NEWSCRAWL_NOT_ARTICLE_BACKOFF`` seconds, doubled each time, up to
``NEWSCRAWL_NOT_ARTICLE_RETRIES`` times). The wait happens in the download path of that one request, not
in the crawl. After the last try the page goes on to the spider, and ``ValidateArticlePipeline`` drops it
with its reason, so it is never archived. Counted under ``newscrawl/not_article/{seen,retried,gave_up}/<kind>``
and summed up in the log when the spider closes.
"""

from __future__ import annotations

from typing import Any, Self
from weakref import WeakKeyDictionary

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from newscrawl import config
from newscrawl.dates import utc_now
from newscrawl.extraction import parse_page
from newscrawl.shutdown import wait
from newscrawl.sites.base import plainly_article

RETRIES_META = "newscrawl_not_article_retries"


def is_article_request(request: Request) -> bool:
    """Requests the spiders make for article pages carry ``ref`` (site spiders) or ``article`` (news spider)."""
    return request.meta.get("ref") is not None or bool(request.meta.get("article"))


# The item of each article response parsed before the spider's callback, for the callback to take: a page
# is parsed once whether a middleware or the spider needs it first. Keyed weakly, so a response that is
# retried instead of parsed takes its entry along.
_PARSED: WeakKeyDictionary[Response, dict[str, Any]] = WeakKeyDictionary()


def _parse(response: TextResponse, tz: str | None = None) -> dict[str, Any]:
    content_type = response.headers.get("Content-Type")
    return parse_page(
        response.body,
        response.url,
        utc_now(),
        content_type=content_type.decode("latin-1") if content_type else None,
        tz=tz,
    )


def page_kind(response: TextResponse) -> str:
    """The ``page_kind`` the spider's parse gives an article response, with the parse skipped where a text
    scan decides (``plainly_article``); a parse made here is kept for the spider (``take_parsed``)."""
    if plainly_article(response.text):
        return "article"
    item = _PARSED.get(response)
    if item is None:
        item = _PARSED[response] = _parse(response)
    kind: str = item["page_kind"]
    return kind


def take_parsed(response: TextResponse, tz: str | None = None) -> dict[str, Any]:
    """The item of an article response (``newscrawl.extraction.parse_page``): the one ``page_kind`` made,
    or a fresh parse. A spider that reads naive times in a zone of the user's (``-a tz=``) parses afresh:
    the middlewares' parse knew no zone, and only the times of such a page change with it."""
    item = _PARSED.pop(response, None)
    return item if item is not None and tz is None else _parse(response, tz)


class RetryNotArticleMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.crawler = crawler
        self.retries = config.get_int(crawler.settings, "NEWSCRAWL_NOT_ARTICLE_RETRIES")
        self.backoff = config.get_float(crawler.settings, "NEWSCRAWL_NOT_ARTICLE_BACKOFF")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if response.status != 200 or not isinstance(response, TextResponse) or not is_article_request(request):
            return response
        kind = page_kind(response)
        if kind in {"article", "binary"}:  # bytes that are no text will not turn into an article later
            return response
        self._count(f"seen/{kind}")
        tries = int(request.meta.get(RETRIES_META, 0))
        if tries >= self.retries:
            self._count(f"gave_up/{kind}")
            return response  # the validate pipeline drops it with its reason
        delay = self.backoff * 2**tries
        self._count(f"retried/{kind}")
        if delay > 0 and await wait(self.crawler, delay):
            return response  # the run is stopping: the validate pipeline drops it with its reason
        retry = request.replace(dont_filter=True)
        retry.meta[RETRIES_META] = tries + 1
        return retry

    def _count(self, name: str) -> None:
        self.stats.inc_value(f"newscrawl/not_article/{name}")

    def spider_closed(self, spider: Any, reason: str) -> None:
        seen = {
            k.removeprefix("newscrawl/not_article/"): v
            for k, v in self.stats.get_stats().items()
            if k.startswith("newscrawl/not_article/")
        }
        if seen:
            spider.logger.warning(
                "pages that were no article (answered 200): %s",
                ", ".join(f"{k}={v}" for k, v in sorted(seen.items())),
            )
