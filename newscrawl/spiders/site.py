"""The shared crawl of a site profile: discovery from feeds, listings, date archives and sitemaps.

A site spider is a subclass naming its profile; ``SiteSpider`` composes the pieces: its arguments
(``newscrawl.spiders.arguments``), the discovery sources (``newscrawl.spiders.discovery``) and the article
handling (``newscrawl.spiders.articles``). Only the site's own hosts are requested, and each article
(site, language, id) once, whatever URL variant linked to it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import date
from typing import Any, ClassVar, Self

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from newscrawl.core.sites.base import Site
from newscrawl.sitemaps import Scope, Watermarks
from newscrawl.spiders import articles
from newscrawl.spiders.arguments import SITE_ARGUMENTS as ARGUMENTS
from newscrawl.spiders.arguments import check_site_arguments as check_arguments
from newscrawl.spiders.discovery import LinkPages, ProfileFeeds, ProfileSitemaps, SourceRequests

__all__ = ["ARGUMENTS", "SiteSpider", "check_arguments"]


class SiteSpider(scrapy.Spider):
    """Crawl one site profile. Subclasses set ``site``; ``name`` follows it."""

    site: ClassVar[Site]
    watermarks: Watermarks  # newest lastmod per sitemap between runs, set in from_crawler
    tz: str | None = None  # a site profile names its own timezone

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        args = check_arguments(self.site, kwargs)
        super().__init__(name or self.site.key)
        self.site_key = self.site.key
        self.langs: tuple[str, ...] = args["langs"]
        self.since: date | None = args["since"]
        self.until: date | None = args["until"]
        self.refresh: bool = args["refresh"]
        self.allowed_domains = sorted(self.site.hosts)
        self.render: bool | None = args["render"]  # -a render=js|off; None: the site profile decides
        self.render_js: bool = self.site.render_js if self.render is None else self.render
        window = (self.since, self.until) if self.since and self.until else None
        requests = SourceRequests(self, self.source_failed)
        self.articles = articles.ProfileArticles(
            self, (self.parse_article, self.article_failed), self.site, self.langs, window, self.refresh
        )
        self.pages = LinkPages(requests, self.parse_listing, self.site, self.articles, window, args.get("max_pages"))
        self.feeds = ProfileFeeds(requests, self.parse_feed, self.site, self.articles)
        self.sitemaps = ProfileSitemaps(requests, self.parse_sitemap, self.site, self.articles, window, self.refresh)

    @classmethod
    def check_arguments(cls, kwargs: Mapping[str, Any]) -> None:
        check_arguments(cls.site, kwargs)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        scope = Scope(spider.since, spider.until, frozenset(spider.langs))
        spider.watermarks = Watermarks.for_crawl(crawler, spider.site_key, scope)
        spider.sitemaps.reader.watermarks = spider.watermarks
        return spider

    async def start(self) -> AsyncIterator[Any]:
        for request in self.discovery_requests():
            yield request

    def discovery_requests(self) -> Iterator[scrapy.Request]:
        days = self.pages.archive_days()
        for lang in self.langs:
            prefix = self.site.languages[lang]
            yield from self.pages.homepage(prefix)
            yield from self.feeds.feeds(prefix)
            yield from self.pages.listings(prefix)
            yield from self.pages.date_archives(prefix, days)
        yield from self.sitemaps.sitemaps()

    def wants_sitemap(self, url: str) -> bool:
        return self.sitemaps.wants(url)

    # --- callbacks: the spider's own methods, as a request queued in Redis names them ------------
    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        return self.pages.parse(response)

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        return self.feeds.parse(response)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        return self.sitemaps.reader.parse(response)

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        return articles.parse_article(self, response, self.tz)

    def source_failed(self, failure: Failure) -> None:
        articles.source_failed(self, failure)

    def article_failed(self, failure: Failure) -> None:
        articles.article_failed(self, failure)

    def count(self, name: str, value: int = 1) -> None:
        articles.count(self, name, value)
