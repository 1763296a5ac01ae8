"""Sitemaps with their dates, and the watermark that lets a cron run skip the sitemaps that did not change.

``read_sitemap`` reads a sitemap or sitemap index (gzipped or not) into entries with ``lastmod`` and, for
news sitemaps, ``news:publication_date``. ``Watermarks`` keeps, per sitemap URL, the newest ``lastmod``
seen in it, in ``<output>/.newscrawl/<site>.sitemaps.json`` beside the seen-index (written by the run
that holds the site's lock, only when that run finished without a failed article download, an article
lost in a pipeline or a page given up as no article, so nothing a sitemap named is skipped before it was
archived). The next run then

- skips a child of a sitemap index whose ``lastmod`` is not newer than its watermark (not downloaded);
- in a sitemap it does read, skips the entries whose ``lastmod`` is not newer than that sitemap's
  watermark (already seen by an earlier run).

A mark holds only for runs within the scope (window, languages) of the run that set it: a backfill of
another window or language reads the sitemaps again. A watermark file that cannot be read (not JSON, not
an object, a mark of the wrong shape) is warned about once and read as no marks: the run reads every
sitemap whole, and its clean finish writes the file anew. A crawl with the archive switched off
(``NEWSCRAWL_ARCHIVE_ENABLED=0``) neither reads nor writes the marks.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from newscrawl.archive.store import STATE_DIR
from newscrawl.core.dates import parse_iso, to_iso
from newscrawl.lost import articles_missed
from newscrawl.statnames import NOT_ARTICLE_GAVE_UP, stat

INDEX, URLSET = "sitemapindex", "urlset"

logger = logging.getLogger(__name__)


class SitemapGzipError(ValueError):
    """A gzipped sitemap that does not decompress, or decompresses beyond the download size limit."""


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date of a news sitemap
    alternates: tuple[str, ...] = ()

    @property
    def when(self) -> datetime | None:
        """The date to hold against a ``since`` window: publication if known, else last modification."""
        return self.published or self.lastmod


class _NewsSitemap(Sitemap):
    """Scrapy's reader, also keeping a news sitemap's ``<news:news><news:publication_date>``.

    Scrapy reads only an entry's direct children (``<news:news>`` gives it an empty ``news``); the
    publication date sits one level down, so it is taken before Scrapy's reader clears the entry.
    """

    def _process_sitemap_element(self, elem: etree._Element) -> dict[str, Any] | None:
        published = next(
            (el.text for el in elem.iter() if self._get_tag_name(el) == "publication_date" and el.text), None
        )
        entry = super()._process_sitemap_element(elem)
        if entry is not None and published:
            entry["publication_date"] = published.strip()
        return entry


def read_sitemap(body: bytes, max_size: int = 0) -> tuple[str, list[SitemapEntry]]:
    """The sitemap's kind (``sitemapindex`` or ``urlset``) and its entries; ValueError if it is none.

    Scrapy's ``Sitemap`` parses (lxml, no entities resolved, no network, recovering from broken markup);
    a gzipped body is decompressed up to ``max_size`` bytes (0: no limit), else ``SitemapGzipError``.
    """
    if body[:2] == b"\x1f\x8b":
        try:
            body = gunzip(body, max_size=max_size)
        except (OSError, EOFError, struct.error, zlib.error, ValueError) as exc:  # torn, or beyond max_size
            raise SitemapGzipError(str(exc) or type(exc).__name__) from exc
    try:
        sitemap = _NewsSitemap(body.lstrip())
        if sitemap.type not in (INDEX, URLSET):
            raise ValueError("not a sitemap")
        entries = [
            SitemapEntry(
                entry["loc"],
                parse_iso(entry.get("lastmod")),
                parse_iso(entry.get("publication_date")),
                tuple(href.strip() for href in entry.get("alternate", ())),
            )
            for entry in sitemap
            if entry["loc"]
        ]
    except StopIteration:  # Scrapy's reader met no element at all
        raise ValueError("not a sitemap") from None
    except etree.LxmlError as exc:  # what even lxml's recovering parser cannot read (an empty body)
        raise ValueError(f"not a sitemap ({exc})") from None
    return sitemap.type, entries


@dataclass(frozen=True)
class Scope:
    """What a run follows from a sitemap: a publication window and languages (``*``: all)."""

    since: date | None = None
    until: date | None = None
    langs: frozenset[str] = frozenset({"*"})

    def within(self, other: Scope) -> bool:
        """Whether everything this scope follows, a run of ``other`` followed too."""
        return (
            (other.since is None or (self.since is not None and self.since >= other.since))
            and (other.until is None or (self.until is not None and self.until <= other.until))
            and ("*" in other.langs or ("*" not in self.langs and self.langs <= other.langs))
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "langs": sorted(self.langs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Scope:
        since, until = data.get("since"), data.get("until")
        return cls(
            date.fromisoformat(since) if since else None,
            date.fromisoformat(until) if until else None,
            frozenset(data.get("langs") or ["*"]),
        )


@dataclass(frozen=True)
class Mark:
    lastmod: datetime
    scope: Scope


class Watermarks:
    """Newest ``lastmod`` per sitemap URL, kept between runs of one site.

    A mark remembers the scope of the run that set it (window, languages): a later run trusts it only if
    its own scope lies within that one, since entries outside the earlier run's scope were not followed.
    """

    def __init__(self, path: Path, scope: Scope | None = None, *, load: bool = True) -> None:
        self.path = path
        self.scope = scope or Scope()
        self.marks: dict[str, Mark] = {}
        self.unreadable: str | None = None  # why the file could not be read (then every sitemap is read whole)
        if load:
            self._load()
        self._seen: dict[str, datetime] = {}
        self._crawler: Crawler | None = None

    def _load(self) -> None:
        try:
            data = json.loads(self.path.read_bytes())
            if not isinstance(data, dict):
                raise ValueError(f"a JSON {type(data).__name__}, not an object")
            marks = {}
            for url, value in data.items():
                lastmod = value.get("lastmod") if isinstance(value, dict) else None
                when = parse_iso(lastmod) if isinstance(lastmod, str) else None
                if when is None:
                    raise ValueError(f"no lastmod for {url}")
                marks[url] = Mark(when, Scope.from_json(value))
        except FileNotFoundError:
            return
        except (OSError, ValueError, TypeError, AttributeError) as exc:  # orjson/json errors are ValueErrors
            self.unreadable = str(exc) or type(exc).__name__
            self.marks.clear()
            logger.warning(
                "cannot read the sitemap watermarks %s (%s): every sitemap is read whole; a clean run rewrites it",
                self.path, self.unreadable,
            )
            return
        self.marks = marks

    @classmethod
    def for_site(cls, output: Path, site_key: str, scope: Scope | None = None) -> Watermarks:
        return cls(output / STATE_DIR / f"{site_key}.sitemaps.json", scope)

    @classmethod
    def for_crawl(cls, crawler: Crawler, site_key: str, scope: Scope) -> Watermarks:
        """The site's watermarks in the crawl's output, saved when the spider closes after a clean run
        (with the archive switched off: none, and nothing saved)."""
        from newscrawl.archive.crawl import archive_enabled

        path = Path(crawler.settings.get("NEWSCRAWL_OUTPUT") or "output") / STATE_DIR / f"{site_key}.sitemaps.json"
        if not archive_enabled(crawler):
            return cls(path, scope, load=False)
        marks = cls(path, scope)
        marks._crawler = crawler
        crawler.signals.connect(marks.spider_closed, signal=signals.spider_closed)  # kept alive by the spider
        return marks

    def spider_closed(self, spider: object, reason: str) -> None:
        stats = self._crawler.stats if self._crawler else None
        if stats is not None and self.unreadable is not None:
            stats.set_value("newscrawl/sitemap/watermarks_unreadable", 1)
        if stats is None or reason != "finished" or articles_missed(stats.get_stats()):
            return
        if any(k.startswith(stat(NOT_ARTICLE_GAVE_UP)) for k in stats.get_stats()):
            return  # a page that was a challenge this time must be tried again by the next run
        stats.set_value("newscrawl/sitemap/watermarks_moved", self.save())

    def previous(self, url: str) -> datetime | None:
        """The mark of a sitemap that this run may trust (set by a run whose scope covers this one's)."""
        mark = self.marks.get(url)
        return mark.lastmod if mark is not None and self.scope.within(mark.scope) else None

    def unchanged(self, url: str, lastmod: datetime | None) -> bool:
        """Whether a sitemap whose index says ``lastmod`` holds nothing newer than an earlier run read."""
        known = self.previous(url)
        return lastmod is not None and known is not None and lastmod <= known

    skip_entry = unchanged  # an entry no newer than the sitemap's mark was seen by an earlier run

    def see(self, url: str, lastmod: datetime | None) -> None:
        """Note the newest ``lastmod`` read in a sitemap during this run (saved by :meth:`save`)."""
        if lastmod is not None and (url not in self._seen or lastmod > self._seen[url]):
            self._seen[url] = lastmod

    def save(self) -> int:
        """Merge this run's marks into the file (written whole, then renamed); returns how many moved.

        A mark moves forward within the same scope; a run of another scope replaces it with its own.
        """
        moved = 0
        for url, when in self._seen.items():
            old = self.marks.get(url)
            if old is None or old.scope != self.scope or when > old.lastmod:
                self.marks[url] = Mark(when, self.scope)
                moved += 1
        if moved or self.unreadable is not None:
            self.unreadable = None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            data = {url: {"lastmod": to_iso(m.lastmod), **m.scope.to_json()} for url, m in sorted(self.marks.items())}
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        self._seen.clear()
        return moved
