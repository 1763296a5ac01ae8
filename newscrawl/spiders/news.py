"""Any news site without a profile: ``scrapy crawl news -a url=https://example.org/ [-a since=YYYY-MM-DD]``.

Discovery: the RSS and Atom feeds the homepage names (``<link rel="alternate">``), the ``Sitemap:`` lines
of robots.txt and ``/sitemap.xml``, following sitemap indexes and reading news sitemaps. Only the
site's own host (and its ``www.`` twin) is requested. Items from feeds and sitemaps older than ``since``
(by ``pubDate``, ``news:publication_date`` or ``lastmod``) are skipped, and sitemaps that did not change
since the last finished run are not read again (``newscrawl.sitemaps.Watermarks``). Pages are extracted
by trafilatura with generic metadata (JSON-LD, Open Graph, ``article:published_time``, ``<time>``) and
archived through the same pipelines; the archive's site key comes from the host (``example_org``).
It composes the same pieces as the site spiders: arguments, discovery sources and article handling.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import date
from typing import Any, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newscrawl.core.dates import SiteTime
from newscrawl.core.extract import generic_site_key
from newscrawl.core.sites import site_for_url
from newscrawl.core.urls import host_of
from newscrawl.sitemaps import Scope, SitemapEntry, Watermarks
from newscrawl.spiders import articles
from newscrawl.spiders.arguments import NEWS_ARGUMENTS as ARGUMENTS
from newscrawl.spiders.arguments import check_news_arguments as check_arguments
from newscrawl.spiders.discovery import (
    FEED_TYPES,
    SitemapReader,
    SourceRequests,
    feeds_named_by,
    read_feed,
    sitemaps_named_by_robots,
)

__all__ = ["ARGUMENTS", "FEED_TYPES", "NewsSpider", "check_arguments", "site_key_of"]


def site_key_of(url: str) -> str:
    """A registered site's key when the URL is one of its hosts, else a key made of the host."""
    site = site_for_url(url)
    return site.key if site else generic_site_key(url)


class NewsSpider(scrapy.Spider):
    name = "news"
    watermarks: Watermarks  # newest lastmod per sitemap between runs, set in from_crawler

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        args = check_arguments(kwargs)
        super().__init__(name or self.name)
        self.home: str = args["url"]
        self.since: date | None = args["since"]
        self.until: date | None = None
        self.refresh = False
        host = host_of(self.home)
        twin = host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"
        self.hosts = frozenset({host, twin})
        self.allowed_domains = sorted(self.hosts)
        self.site_key = site_key_of(self.home)
        self.render: bool | None = args["render"]  # -a render=js|off (newscrawl.render)
        self.render_js: bool = bool(self.render)
        # A registered site's profile names its timezone; ``tz`` only serves pages of an unknown site.
        self.tz: str | None = args["tz"]
        self.time = site.time if (site := site_for_url(self.home)) else SiteTime.unknown_site(self.tz)
        self.requests = SourceRequests(self, self.source_failed)
        self.articles = articles.UrlArticles(
            self, (self.parse_article, self.article_failed), self.home, self.hosts, self.since, self.time
        )
        self.sitemaps = SitemapReader(
            self.requests, self.parse_sitemap, self.follow_sitemap, self.wants_sitemap, self.keeps_sitemap,
            lastmod_meta=True,
        )

    @classmethod
    def check_arguments(cls, kwargs: Mapping[str, Any]) -> None:
        check_arguments(kwargs)

    @classmethod
    def site_key_for(cls, kwargs: Mapping[str, Any]) -> str:
        return site_key_of(check_arguments(kwargs)["url"])

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        scope = Scope(since=spider.since)  # every language, no end to the window
        spider.watermarks = spider.sitemaps.watermarks = Watermarks.for_crawl(crawler, spider.site_key, scope)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        yield self.requests(self.home, "homepage", self.parse_home)
        yield self.requests(self.home.rstrip("/") + "/robots.txt", "robots", self.parse_robots)
        yield self.requests(self.home.rstrip("/") + "/sitemap.xml", "sitemap", self.parse_sitemap)

    # --- the rules of this spider's sources -------------------------------------------------------
    def wants_sitemap(self, url: str, entry: SitemapEntry) -> bool:
        if not self.articles.on_site(url):
            self.count("discovery/offsite/sitemap")
            return False
        return True

    def keeps_sitemap(self, entry: SitemapEntry) -> bool:
        if self.articles.before_since(entry.lastmod):
            self.count("sitemap/before_since")
            return False
        return True

    def follow_sitemap(self, response: Response, entries: list[SitemapEntry]) -> Iterator[scrapy.Request]:
        for entry in entries:
            yield from self.articles.follow(response.urljoin(entry.loc), "sitemap", entry.when)

    # --- callbacks: the spider's own methods, as a request queued in Redis names them ------------
    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        for url in feeds_named_by(response):
            if self.articles.on_site(url):
                yield self.requests(url, "feed", self.parse_feed)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        for url in sitemaps_named_by_robots(response):
            if self.articles.on_site(url):
                yield self.requests(url, "sitemap", self.parse_sitemap)
            else:
                self.count("discovery/offsite/sitemap")

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.count("discovery/not_text/feed")
            return
        for item in read_feed(response, self.time):
            yield from self.articles.follow(response.urljoin(item.urls[0] if item.urls else ""), "feed", item.when)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        return self.sitemaps.parse(response)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        return articles.parse_article(self, response, self.tz)

    def source_failed(self, failure: Failure) -> None:
        articles.source_failed(self, failure)

    def article_failed(self, failure: Failure) -> None:
        articles.article_failed(self, failure)

    def count(self, name: str, value: int = 1) -> None:
        articles.count(self, name, value)
