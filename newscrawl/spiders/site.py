"""The shared crawl of a site profile: discovery from feeds, listings, date archives and sitemaps.

A site spider is a subclass naming its profile; everything else is here. Discovery sources are tried
independently: a missing or broken one is logged and counted (``newscrawl/discovery/failed/<source>``),
never fatal. Only the site's own hosts are requested, and each article (site, language, id) once,
whatever URL variant linked to it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from datetime import date, timedelta
from typing import Any, ClassVar, NamedTuple, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap
from twisted.python.failure import Failure

from newscrawl import config
from newscrawl.archive.crawl import previous_run_complete, seen_index
from newscrawl.archive.incremental import Decision, decide
from newscrawl.core.dates import kyiv, parse_day, parse_iso, utc_now
from newscrawl.core.urls import ArticleRef, host_of
from newscrawl.errors import UsageError
from newscrawl.failures import failure_message, failure_reason
from newscrawl.not_article import take_parsed
from newscrawl.render import RENDER_ARGUMENTS, check_render
from newscrawl.sitemaps import Scope, Watermarks
from newscrawl.sites.base import Site

MAX_SITEMAP_DEPTH = 3  # levels of sitemap index read; a deeper index is fetched but not followed

ARGUMENTS = {
    "lang": "comma-separated languages to crawl (default: all the site has)",
    "since": "first publication day of a backfill window, YYYY-MM-DD",
    "until": "last publication day of the window, YYYY-MM-DD (default: today)",
    "max_pages": "listing pages to follow per listing (default: NEWSCRAWL_MAX_LISTING_PAGES)",
    "refresh": "1 to re-check every article found, archived or not",
    **RENDER_ARGUMENTS,
}


def check_arguments(site: Site, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Validate spider arguments; returns them parsed, raises UsageError naming the bad one."""
    unknown = sorted(set(kwargs) - set(ARGUMENTS))
    if unknown:
        raise UsageError(f"unknown argument {unknown[0]!r} (known: {', '.join(sorted(ARGUMENTS))})")
    out: dict[str, Any] = {}
    langs = [x.strip() for x in str(kwargs.get("lang") or ",".join(site.languages)).split(",") if x.strip()]
    bad = [x for x in langs if x not in site.languages]
    if bad or not langs:
        raise UsageError(
            f"argument lang: unknown language {(bad or [''])[0]!r} for {site.key} "
            f"(choose from {', '.join(site.languages)})"
        )
    out["langs"] = tuple(dict.fromkeys(langs))
    for name in ("since", "until"):
        value = kwargs.get(name)
        try:
            out[name] = parse_day(str(value)) if value not in (None, "") else None
        except ValueError as exc:
            raise UsageError(f"argument {name}: {exc}") from None
    if out["until"] is not None and out["since"] is None:
        raise UsageError("argument until: needs since (a window is since..until)")
    if out["since"] is not None:
        out["until"] = out["until"] or kyiv(utc_now()).date()
        if out["since"] > out["until"]:
            raise UsageError(f"argument since: {out['since']} is after until {out['until']}")
    max_pages = kwargs.get("max_pages")
    if max_pages not in (None, ""):
        try:
            out["max_pages"] = int(str(max_pages))
            if out["max_pages"] < 1:
                raise ValueError
        except ValueError:
            raise UsageError(f"argument max_pages: {max_pages!r} is not a positive whole number") from None
    refresh = str(kwargs.get("refresh") or "0").lower()
    if refresh not in {"0", "1", "true", "false", "yes", "no"}:
        raise UsageError(f"argument refresh: {kwargs.get('refresh')!r} is not 0 or 1")
    out["refresh"] = refresh in {"1", "true", "yes"}
    out["render"] = check_render(kwargs.get("render"))
    return out


class Followed(NamedTuple):
    """What ``follow_articles`` saw on one page of links."""

    in_window: bool  # some article link lay in the backfill window (always, without a window)
    reached_archived: bool  # it met enough archived articles in a row to stop traversing this source


# Sources listed newest first: traversal stops once they reach what earlier runs archived.
ORDERED_SOURCES = frozenset({"feed", "listing"})


class SiteSpider(scrapy.Spider):
    """Crawl one site profile. Subclasses set ``site``; ``name`` follows it."""

    site: ClassVar[Site]
    watermarks: Watermarks  # newest lastmod per sitemap between runs, set in from_crawler
    tz: str | None = None  # the news spider's -a tz= for an unknown site; a site profile names its own

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        args = check_arguments(self.site, kwargs)
        super().__init__(name or self.site.key)
        self.site_key = self.site.key
        self.langs: tuple[str, ...] = args["langs"]
        self.since: date | None = args["since"]
        self.until: date | None = args["until"]
        self.refresh: bool = args["refresh"]
        self._max_pages: int | None = args.get("max_pages")
        self.allowed_domains = sorted(self.site.hosts)
        self.seen_keys: set[str] = set()
        self.skipped_keys: set[str] = set()  # the seen keys that were skipped as archived
        self.render: bool | None = args["render"]  # -a render=js|off; None: the site profile decides
        self.render_js: bool = self.site.render_js if self.render is None else self.render

    @classmethod
    def check_arguments(cls, kwargs: Mapping[str, Any]) -> None:
        check_arguments(cls.site, kwargs)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.watermarks = Watermarks.for_crawl(crawler, spider.site_key, spider.sitemap_scope())
        return spider

    def sitemap_scope(self) -> Scope:
        """What this run follows from a sitemap, for its watermarks (``newscrawl.sitemaps``)."""
        return Scope(self.since, self.until, frozenset(self.langs))

    @property
    def max_pages(self) -> int:
        if self._max_pages:
            return self._max_pages
        return config.get_int(self.settings, "NEWSCRAWL_MAX_LISTING_PAGES")

    # --- discovery ------------------------------------------------------------------------------
    def discovery_requests(self) -> Iterator[scrapy.Request]:
        site = self.site
        for lang in self.langs:
            prefix = site.languages[lang]
            yield self._source(site.url(site.homepage.format(prefix=prefix)), "homepage", self.parse_listing)
            for feed in site.feeds:
                yield self._source(site.url(feed.format(prefix=prefix)), "feed", self.parse_feed)
            for listing in site.listings:
                url = site.url(listing.format(prefix=prefix))
                yield self._source(url, "listing", self.parse_listing, listing=url, page=1)
            for day in self.archive_days():
                for template in site.date_archives:
                    path = template.format(prefix=prefix, ddmmyyyy=f"{day:%d%m%Y}")
                    yield self._source(site.url(path), "date_archive", self.parse_listing)
        for path in site.news_sitemaps:
            yield self._source(site.url(path), "sitemap", self.parse_sitemap)
        if self.since and site.sitemap_index:
            yield self._source(site.url(site.sitemap_index), "sitemap", self.parse_sitemap)

    def archive_days(self) -> list[date]:
        """Days whose date-archive pages to read: every day of a window up to the configured length.

        A longer window (a multi-year backfill) leaves the days to the monthly sitemaps rather than
        requesting thousands of date pages per language; run it in yearly windows to use them.
        """
        if not (self.since and self.until and self.site.date_archives):
            return []
        days = (self.until - self.since).days + 1
        limit = config.get_int(self.settings, "NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS")
        if days > limit:
            self.count("discovery/date_archive/window_too_long")
            self.logger.info(
                "window of %d days is longer than NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS=%d: date archives skipped, "
                "monthly sitemaps, feeds and listings used",
                days,
                limit,
            )
            return []
        return [self.until - timedelta(days=n) for n in range(days)]

    async def start(self) -> AsyncIterator[Any]:
        for request in self.discovery_requests():
            yield request

    def _source(self, url: str, source: str, callback: Any, **meta: Any) -> scrapy.Request:
        self.count(f"discovery/{source}/requests")
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.source_failed,
            meta={"source": source, **meta},
            priority=10,  # discovery first: it decides what is worth downloading
        )

    def source_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        source = request.meta.get("source", "unknown")
        self.count(f"discovery/failed/{source}")
        reason = failure_reason(failure)
        self.count(f"failed/{reason}")
        level = logging.DEBUG if reason == "cancelled" else logging.WARNING  # the run is stopping: counted only
        self.logger.log(level, "discovery source %s failed: %s (%s)", source, request.url, failure_message(failure))

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        self.count("articles/failed")
        reason = failure_reason(failure)
        self.count(f"failed/{reason}")
        level = logging.DEBUG if reason == "cancelled" else logging.WARNING
        self.logger.log(level, "article failed: %s (%s)", request.url, failure_message(failure))

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.count(f"discovery/not_text/{response.meta.get('source')}")
            return
        links = [response.urljoin(href) for href in response.css("a::attr(href)").getall()]
        followed = yield from self.follow_articles(links, response.meta["source"])
        listing = response.meta.get("listing")
        page = response.meta.get("page")
        if followed.reached_archived:
            return
        if listing and page and page < self.max_pages and (self.since is None or followed.in_window):
            next_url = listing + self.site.listing_page_path.format(n=page + 1)
            if any(link == next_url for link in links):
                yield self._source(next_url, "listing", self.parse_listing, listing=listing, page=page + 1)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.count("discovery/not_text/feed")
            return
        response.selector.remove_namespaces()
        links = response.xpath("//item/link/text() | //item/guid/text() | //entry/link/@href").getall()
        yield from self.follow_articles([response.urljoin(x.strip()) for x in links], "feed")

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        body = response.body
        if body[:2] == b"\x1f\x8b":
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE") or 0)
            except (OSError, ValueError):
                self.count("discovery/failed/sitemap_gzip")
                return
        try:
            sitemap = Sitemap(body)
        except Exception:  # lxml raises several kinds on garbage
            self.count("discovery/failed/sitemap_parse")
            return
        if sitemap.type == "sitemapindex":
            # Indexes nest one or two deep on real sites; deeper is a trap (an index that pages itself).
            depth = response.meta.get("sitemap_depth", 0) + 1
            if depth > MAX_SITEMAP_DEPTH:
                self.count("discovery/sitemap_too_deep")
                return
            for entry in sitemap:
                loc = entry.get("loc", "").strip()
                if loc and self.wants_sitemap(loc):
                    if self.watermarks.unchanged(response.urljoin(loc), parse_iso(entry.get("lastmod"))):
                        self.count("sitemap/unchanged")
                        continue
                    yield self._source(response.urljoin(loc), "sitemap", self.parse_sitemap, sitemap_depth=depth)
            return
        links: list[str] = []
        for entry in sitemap:
            lastmod = parse_iso(entry.get("lastmod"))
            self.watermarks.see(response.url, lastmod)
            if not self.refresh and self.watermarks.skip_entry(response.url, lastmod):
                self.count("sitemap/entries_unchanged")
                continue
            links.append(entry.get("loc", "").strip())
            links.extend(alt for alt in entry.get("alternate", []) if alt)
        yield from self.follow_articles([response.urljoin(x) for x in links if x], "sitemap")

    def wants_sitemap(self, url: str) -> bool:
        """A monthly sitemap is read only when its month meets the backfill window; only the site's own hosts."""
        if host_of(url) not in self.site.hosts:  # a sister site's sitemap (life.pravda.com.ua passes Offsite)
            self.count("discovery/offsite/sitemap")
            return False
        pattern = self.site.monthly_sitemap
        m = pattern.search(url) if pattern else None
        if not m:
            return True
        if not (self.since and self.until):
            return False
        first = date(int(m.group(1)), int(m.group(2)), 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first <= self.until and last >= self.since

    def follow_articles(self, links: Iterable[str], source: str) -> Generator[scrapy.Request, None, Followed]:
        """Requests for the articles among ``links`` that are new, or archived but due a re-check.

        An archived article outside its re-check window is skipped (``newscrawl/articles/skipped_archived``).
        On a source listed newest first (feeds, listings) in an incremental run, ``NEWSCRAWL_STOP_AFTER_ARCHIVED``
        skipped articles in a row end the traversal: the rest of a feed is not read and a listing's next page
        is not fetched (``newscrawl/discovery/<source>/stopped_at_archived``). Backfills (``since``) and
        ``refresh=1`` runs read everything.
        """
        in_window = reached = False
        in_a_row = 0
        stop_after = self.stop_after_archived if source in ORDERED_SOURCES else 0
        index = seen_index(self.crawler)
        now = utc_now()
        window = timedelta(hours=config.get_float(self.settings, "NEWSCRAWL_RECHECK_HOURS"))
        min_gap = timedelta(minutes=config.get_float(self.settings, "NEWSCRAWL_RECHECK_MIN_MINUTES"))
        age_fraction = config.get_float(self.settings, "NEWSCRAWL_RECHECK_AGE_FRACTION")
        on_page: set[str] = set()
        for link in links:
            ref = self.site.article_ref(link)
            if ref is None or ref.lang not in self.langs:
                continue
            if not self.in_window(ref):
                continue
            in_window = True
            if ref.key in on_page:  # the same article linked twice on one page (picture and headline)
                continue
            on_page.add(ref.key)
            if ref.key in self.seen_keys:
                # Found before through another source: it still tells whether this one reached the archive.
                archived = ref.key in self.skipped_keys
            else:
                self.seen_keys.add(ref.key)
                decision = decide(
                    index.get(ref.key) if index else None,
                    ref.day,
                    now,
                    window,
                    self.refresh,
                    min_gap=min_gap,
                    age_fraction=age_fraction,
                )
                archived = decision is Decision.SKIP
                if archived:
                    self.skipped_keys.add(ref.key)
                    self.count("articles/skipped_archived")
                else:
                    if decision is Decision.RECHECK:
                        self.count("articles/rechecked")
                    self.count(f"discovery/{source}/articles")
                    yield scrapy.Request(
                        ref.url,
                        callback=self.parse_article,
                        errback=self.article_failed,
                        meta={"ref": ref, "source": source},
                    )
            in_a_row = in_a_row + 1 if archived else 0
            if stop_after and in_a_row == stop_after:
                self.count(f"discovery/{source}/stopped_at_archived")
                reached = True
                if source == "feed":
                    break
        return Followed(in_window, reached)

    @property
    def stop_after_archived(self) -> int:
        """Archived articles in a row that end an ordered source's traversal; 0 when everything is read:
        in backfills, ``refresh=1`` runs, and after a run that was killed or lost articles."""
        if self.refresh or self.since or not previous_run_complete(self.crawler):
            return 0
        return config.get_int(self.settings, "NEWSCRAWL_STOP_AFTER_ARCHIVED")

    def in_window(self, ref: ArticleRef) -> bool:
        if not (self.since and self.until) or ref.day is None:
            return True
        return self.since <= ref.day <= self.until

    # --- articles -------------------------------------------------------------------------------
    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        if not isinstance(response, TextResponse):
            self.count("articles/not_text")
            return
        item = take_parsed(response, self.tz)  # parsed already when a middleware had to classify the page
        ref: ArticleRef | None = response.meta.get("ref")
        if ref is not None and item["key"] != ref.key:
            # A redirect to another article (or off the article pattern) is that page's business.
            self.count("articles/redirected_elsewhere")
        for fallback in item["fallbacks"]:
            self.count(f"fallback/{fallback}")
        self.count(f"generation/{item.get('generation') or 'unknown'}")
        self.count("articles/parsed")
        yield item

    def count(self, name: str, value: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawl/{name}", value)
