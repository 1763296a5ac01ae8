"""Discovery sources: the pages that name articles, each a small object making its requests and reading them.

A source's requests carry ``meta["source"]`` (``homepage``, ``feed``, ``listing``, ``date_archive``,
``sitemap``, ``robots``), go first (priority 10) and fail alone: a missing or broken source is logged and
counted (``newscrawl/discovery/failed/<source>``), never fatal. The articles a source finds go to the
spider's article handling (``newscrawl.spiders.articles``). The spiders compose these sources and name
their callbacks: a request queued in Redis names its callback, which must be a method of the spider.

Sitemaps are read by Scrapy's own reader (``newscrawl.sitemaps.read_sitemap``), robots.txt ``Sitemap:``
lines by Scrapy's ``sitemap_urls_from_robots``; RSS and Atom by ``read_feed`` below.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import sitemap_urls_from_robots

from newscrawl import config
from newscrawl.core.dates import SiteTime, parse_iso, parse_rfc822
from newscrawl.core.sites.base import Site
from newscrawl.core.urls import host_of
from newscrawl.sitemaps import INDEX, SitemapEntry, SitemapGzipError, Watermarks, read_sitemap
from newscrawl.spiders.articles import Callback, Errback, Followed, ProfileArticles, count
from newscrawl.statnames import SITEMAP_ENTRIES_UNCHANGED, SITEMAP_UNCHANGED

MAX_SITEMAP_DEPTH = 3  # levels of sitemap index read; a deeper index is fetched but not followed
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml")


class SourceRequests:
    """Makes the requests of discovery sources: counted, first in the queue, failures to the spider's errback."""

    def __init__(self, spider: scrapy.Spider, errback: Errback) -> None:
        self.spider = spider
        self.errback = errback

    def __call__(self, url: str, source: str, callback: Callback, **meta: Any) -> scrapy.Request:
        count(self.spider, f"discovery/{source}/requests")
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.errback,
            meta={"source": source, **meta},
            priority=10,  # discovery first: it decides what is worth downloading
        )


# --- feeds ----------------------------------------------------------------------------------------
class FeedItem(NamedTuple):
    urls: tuple[str, ...]  # the item's page: RSS link, then a permalink guid; Atom's alternate links
    when: datetime | None  # pubDate or dc:date; Atom's published, else updated


def read_feed(response: TextResponse, time: SiteTime) -> list[FeedItem]:
    """The items of an RSS or Atom feed, URLs as written (not yet joined).

    Hand-written on Scrapy's selectors (lxml, no entities resolved) because Scrapy has no feed reader and
    a feed library parses on its own, laxer XML stack, where the hostile-input limits would need redoing.
    """
    response.selector.remove_namespaces()
    items: list[FeedItem] = []
    for item in response.xpath("//item"):  # RSS
        urls = item.xpath("link/text()").getall() + item.xpath("guid[not(@isPermaLink='false')]/text()").getall()
        when = parse_rfc822(item.xpath("pubDate/text()").get(), time) or parse_iso(
            item.xpath("date/text()").get(), time
        )
        items.append(FeedItem(tuple(u.strip() for u in urls), when))
    for entry in response.xpath("//entry"):  # Atom
        urls = entry.xpath("link[not(@rel) or @rel='alternate']/@href").getall()
        when = parse_iso(entry.xpath("published/text()").get(), time) or parse_iso(
            entry.xpath("updated/text()").get(), time
        )
        items.append(FeedItem(tuple(u.strip() for u in urls), when))
    return items


def feeds_named_by(response: Response) -> Iterator[str]:
    """The feeds a homepage names (``<link rel="alternate" type="application/rss+xml">``), joined."""
    if not isinstance(response, TextResponse):
        return
    for link in response.css('link[rel~="alternate"][href]'):
        kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
        if kind in FEED_TYPES:
            yield response.urljoin(link.attrib["href"])


def sitemaps_named_by_robots(response: Response) -> Iterator[str]:
    """The ``Sitemap:`` URLs of a robots.txt, joined; an empty one (which joins to robots.txt) left out."""
    for url in sitemap_urls_from_robots(response.body, base_url=response.url):
        if url != response.url:
            yield url


# --- sitemaps -------------------------------------------------------------------------------------
class SitemapReader:
    """Reads one sitemap response: the children of an index worth reading are requested again, the entries
    of a urlset that changed since the last clean run (``Watermarks``) go to ``follow``.

    ``wants_child`` (before the watermark) and ``keeps_child`` (after it) are the spider's rules for an
    index's children; they count what they refuse. ``max_depth`` bounds nested indexes (meta
    ``sitemap_depth``); ``lastmod_meta`` hands a child its index ``lastmod`` (meta ``lastmod``), which then
    counts toward the child's watermark.
    """

    def __init__(
        self,
        requests: SourceRequests,
        callback: Callback,
        follow: Callable[[Response, list[SitemapEntry]], Iterator[scrapy.Request]],
        wants_child: Callable[[str, SitemapEntry], bool],
        keeps_child: Callable[[SitemapEntry], bool] = lambda entry: True,
        *,
        max_depth: int | None = None,
        lastmod_meta: bool = False,
        refresh: bool = False,
    ) -> None:
        self.requests = requests
        self.spider = requests.spider
        self.callback = callback
        self.follow = follow
        self.wants_child = wants_child
        self.keeps_child = keeps_child
        self.max_depth = max_depth
        self.lastmod_meta = lastmod_meta
        self.refresh = refresh
        self.watermarks = Watermarks(Path(), load=False)  # none until the spider's from_crawler sets the crawl's

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            kind, entries = read_sitemap(response.body, self.spider.settings.getint("DOWNLOAD_MAXSIZE") or 0)
        except SitemapGzipError:
            count(self.spider, "discovery/failed/sitemap_gzip")
            return
        except (ValueError, SyntaxError, OSError):
            count(self.spider, "discovery/failed/sitemap_parse")
            return
        if kind == INDEX:
            yield from self.children(response, entries)
            return
        newest: datetime | None = response.meta.get("lastmod")
        fresh: list[SitemapEntry] = []
        for entry in entries:
            if entry.lastmod and (newest is None or entry.lastmod > newest):
                newest = entry.lastmod
            if not self.refresh and self.watermarks.skip_entry(response.url, entry.lastmod):
                count(self.spider, SITEMAP_ENTRIES_UNCHANGED)
                continue
            fresh.append(entry)
        self.watermarks.see(response.url, newest)
        yield from self.follow(response, fresh)

    def children(self, response: Response, entries: list[SitemapEntry]) -> Iterator[scrapy.Request]:
        meta: dict[str, Any] = {}
        if self.max_depth is not None:
            # Indexes nest one or two deep on real sites; deeper is a trap (an index that pages itself).
            meta["sitemap_depth"] = response.meta.get("sitemap_depth", 0) + 1
            if meta["sitemap_depth"] > self.max_depth:
                count(self.spider, "discovery/sitemap_too_deep")
                return
        for entry in entries:
            url = response.urljoin(entry.loc)
            if not self.wants_child(url, entry):
                continue
            if self.watermarks.unchanged(url, entry.lastmod):
                count(self.spider, SITEMAP_UNCHANGED)
                continue
            if not self.keeps_child(entry):
                continue
            if self.lastmod_meta:
                meta["lastmod"] = entry.lastmod
            yield self.requests(url, "sitemap", self.callback, **meta)


# --- a site profile's sources ---------------------------------------------------------------------
class LinkPages:
    """A profile's pages of article links: homepages, listings (with their pager) and date archives."""

    def __init__(
        self,
        requests: SourceRequests,
        callback: Callback,
        site: Site,
        articles: ProfileArticles,
        window: tuple[date, date] | None,
        max_pages: int | None,
    ) -> None:
        self.requests = requests
        self.spider = requests.spider
        self.callback = callback
        self.site = site
        self.articles = articles
        self.window = window
        self._max_pages = max_pages

    @property
    def max_pages(self) -> int:
        return self._max_pages or config.get_int(self.spider.settings, "NEWSCRAWL_MAX_LISTING_PAGES")

    def homepage(self, prefix: str) -> Iterator[scrapy.Request]:
        yield self.requests(self.site.url(self.site.homepage.format(prefix=prefix)), "homepage", self.callback)

    def listings(self, prefix: str) -> Iterator[scrapy.Request]:
        for listing in self.site.listings:
            url = self.site.url(listing.format(prefix=prefix))
            yield self.requests(url, "listing", self.callback, listing=url, page=1)

    def date_archives(self, prefix: str, days: list[date]) -> Iterator[scrapy.Request]:
        for day in days:
            for template in self.site.date_archives:
                path = template.format(prefix=prefix, ddmmyyyy=f"{day:%d%m%Y}")
                yield self.requests(self.site.url(path), "date_archive", self.callback)

    def archive_days(self) -> list[date]:
        """Days whose date-archive pages to read: every day of a window up to the configured length.

        A longer window (a multi-year backfill) leaves the days to the monthly sitemaps rather than
        requesting thousands of date pages per language; run it in yearly windows to use them.
        """
        if not (self.window and self.site.date_archives):
            return []
        since, until = self.window
        days = (until - since).days + 1
        limit = config.get_int(self.spider.settings, "NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS")
        if days > limit:
            count(self.spider, "discovery/date_archive/window_too_long")
            self.spider.logger.info(
                "window of %d days is longer than NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS=%d: date archives skipped, "
                "monthly sitemaps, feeds and listings used",
                days,
                limit,
            )
            return []
        return [until - timedelta(days=n) for n in range(days)]

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            count(self.spider, f"discovery/not_text/{response.meta.get('source')}")
            return
        links = [response.urljoin(href) for href in response.css("a::attr(href)").getall()]
        followed: Followed = yield from self.articles.follow(links, response.meta["source"])
        listing = response.meta.get("listing")
        page = response.meta.get("page")
        if followed.reached_archived:
            return
        if listing and page and page < self.max_pages and (self.window is None or followed.in_window):
            next_url = listing + self.site.listing_page_path.format(n=page + 1)
            if any(link == next_url for link in links):
                yield self.requests(next_url, "listing", self.callback, listing=listing, page=page + 1)


class ProfileFeeds:
    """A profile's RSS and Atom feeds: every article link of every item (the URL names the day)."""

    def __init__(self, requests: SourceRequests, callback: Callback, site: Site, articles: ProfileArticles) -> None:
        self.requests = requests
        self.callback = callback
        self.site = site
        self.articles = articles

    def feeds(self, prefix: str) -> Iterator[scrapy.Request]:
        for feed in self.site.feeds:
            yield self.requests(self.site.url(feed.format(prefix=prefix)), "feed", self.callback)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            count(self.requests.spider, "discovery/not_text/feed")
            return
        links = [response.urljoin(url) for item in read_feed(response, self.site.time) for url in item.urls]
        yield from self.articles.follow(links, "feed")


class ProfileSitemaps:
    """A profile's news sitemaps, and in a backfill its sitemap index with the monthly sitemaps of the window."""

    def __init__(
        self,
        requests: SourceRequests,
        callback: Callback,
        site: Site,
        articles: ProfileArticles,
        window: tuple[date, date] | None,
        refresh: bool,
    ) -> None:
        self.requests = requests
        self.spider = requests.spider
        self.callback = callback
        self.site = site
        self.articles = articles
        self.window = window
        self.reader = SitemapReader(
            requests, callback, self.follow, self.wants_child, max_depth=MAX_SITEMAP_DEPTH, refresh=refresh
        )

    def sitemaps(self) -> Iterator[scrapy.Request]:
        for path in self.site.news_sitemaps:
            yield self.requests(self.site.url(path), "sitemap", self.callback)
        if self.window and self.site.sitemap_index:
            yield self.requests(self.site.url(self.site.sitemap_index), "sitemap", self.callback)

    def wants(self, url: str) -> bool:
        """A monthly sitemap is read only when its month meets the backfill window; only the site's own hosts."""
        if host_of(url) not in self.site.hosts:  # a sister site's sitemap (life.pravda.com.ua passes Offsite)
            count(self.spider, "discovery/offsite/sitemap")
            return False
        pattern = self.site.monthly_sitemap
        m = pattern.search(url) if pattern else None
        if not m:
            return True
        if not self.window:
            return False
        first = date(int(m.group(1)), int(m.group(2)), 1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return first <= self.window[1] and last >= self.window[0]

    def wants_child(self, url: str, entry: SitemapEntry) -> bool:
        return self.wants(entry.loc)  # the index's own text: a relative loc is no sitemap of the site's hosts

    def follow(self, response: Response, entries: list[SitemapEntry]) -> Iterator[scrapy.Request]:
        links = [link for entry in entries for link in (entry.loc, *entry.alternates) if link]
        yield from self.articles.follow([response.urljoin(x) for x in links], "sitemap")
