"""Article handling shared by the spiders: which found links become article requests, and the parse.

``ProfileArticles`` follows a site profile's article links: each article (site, language, id) once, whatever
URL variant linked to it, and an archived one only when it is due a re-check (incremental skipping, with
the early stop of sources listed newest first). ``UrlArticles`` follows the ``news`` spider's links by
URL and date. ``parse_article`` takes the page's item (``newscrawl.not_article.take_parsed``) and counts it;
``count`` and the two failure counters are the spiders' stats helpers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Iterable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from newscrawl import config
from newscrawl.archive.crawl import previous_run_complete, seen_index
from newscrawl.archive.incremental import Decision, decide
from newscrawl.core.dates import SiteTime, utc_now
from newscrawl.core.sites.base import Site
from newscrawl.core.urls import ArticleRef, host_of, normalize_url
from newscrawl.failures import failure_message, failure_reason
from newscrawl.not_article import take_parsed
from newscrawl.statnames import ARTICLES_FAILED, ARTICLES_PARSED, ARTICLES_RECHECKED, SKIPPED_ARCHIVED

# Sources listed newest first: traversal stops once they reach what earlier runs archived.
ORDERED_SOURCES = frozenset({"feed", "listing"})

# The spider's own methods: a request queued in Redis names its callbacks, which must be the spider's.
Callback = Callable[[Response], Any]
Errback = Callable[[Failure], Any]


def count(spider: scrapy.Spider, name: str, value: int = 1) -> None:
    """Add to the crawl stat ``newscrawl/<name>``."""
    if spider.crawler.stats is not None:
        spider.crawler.stats.inc_value(f"newscrawl/{name}", value)


def source_failed(spider: scrapy.Spider, failure: Failure) -> None:
    """A discovery request failed: counted and logged, never fatal."""
    request = failure.request  # type: ignore[attr-defined]
    source = request.meta.get("source", "unknown")
    count(spider, f"discovery/failed/{source}")
    reason = failure_reason(failure)
    count(spider, f"failed/{reason}")
    level = logging.DEBUG if reason == "cancelled" else logging.WARNING  # the run is stopping: counted only
    spider.logger.log(level, "discovery source %s failed: %s (%s)", source, request.url, failure_message(failure))


def article_failed(spider: scrapy.Spider, failure: Failure) -> None:
    request = failure.request  # type: ignore[attr-defined]
    count(spider, ARTICLES_FAILED)
    reason = failure_reason(failure)
    count(spider, f"failed/{reason}")
    level = logging.DEBUG if reason == "cancelled" else logging.WARNING
    spider.logger.log(level, "article failed: %s (%s)", request.url, failure_message(failure))


def parse_article(spider: scrapy.Spider, response: Response, tz: str | None) -> Iterator[dict[str, Any]]:
    """The article's item, parsed already when a middleware had to classify the page."""
    if not isinstance(response, TextResponse):
        count(spider, "articles/not_text")
        return
    item = take_parsed(response, tz)
    ref: ArticleRef | None = response.meta.get("ref")
    if ref is not None and item["key"] != ref.key:
        # A redirect to another article (or off the article pattern) is that page's business.
        count(spider, "articles/redirected_elsewhere")
    for fallback in item["fallbacks"]:
        count(spider, f"fallback/{fallback}")
    count(spider, f"generation/{item.get('generation') or 'unknown'}")
    count(spider, ARTICLES_PARSED)
    yield item


class Followed(NamedTuple):
    """What ``ProfileArticles.follow`` saw on one page of links."""

    in_window: bool  # some article link lay in the backfill window (always, without a window)
    reached_archived: bool  # it met enough archived articles in a row to stop traversing this source


class ProfileArticles:
    """The article links of a site profile worth requesting: new ones, and archived ones due a re-check."""

    def __init__(
        self,
        spider: scrapy.Spider,
        callbacks: tuple[Callback, Errback],
        site: Site,
        langs: tuple[str, ...],
        window: tuple[date, date] | None,
        refresh: bool,
    ) -> None:
        self.spider = spider
        self.callback, self.errback = callbacks
        self.site = site
        self.langs = langs
        self.window = window
        self.refresh = refresh
        self.seen_keys: set[str] = set()
        self.skipped_keys: set[str] = set()  # the seen keys that were skipped as archived

    def in_window(self, ref: ArticleRef) -> bool:
        if self.window is None or ref.day is None:
            return True
        return self.window[0] <= ref.day <= self.window[1]

    @property
    def stop_after_archived(self) -> int:
        """Archived articles in a row that end an ordered source's traversal; 0 when everything is read:
        in backfills, ``refresh=1`` runs, and after a run that was killed or lost articles."""
        crawler = self.spider.crawler
        if self.refresh or self.window or not previous_run_complete(crawler):
            return 0
        return config.get_int(crawler.settings, "NEWSCRAWL_STOP_AFTER_ARCHIVED")

    def follow(self, links: Iterable[str], source: str) -> Generator[scrapy.Request, None, Followed]:
        """Requests for the articles among ``links`` that are new, or archived but due a re-check.

        An archived article outside its re-check window is skipped (``newscrawl/articles/skipped_archived``).
        On a source listed newest first (feeds, listings) in an incremental run, ``NEWSCRAWL_STOP_AFTER_ARCHIVED``
        skipped articles in a row end the traversal: the rest of a feed is not read and a listing's next page
        is not fetched (``newscrawl/discovery/<source>/stopped_at_archived``). Backfills (``since``) and
        ``refresh=1`` runs read everything.
        """
        spider = self.spider
        settings = spider.crawler.settings
        in_window = reached = False
        in_a_row = 0
        stop_after = self.stop_after_archived if source in ORDERED_SOURCES else 0
        index = seen_index(spider.crawler)
        now = utc_now()
        recheck = timedelta(hours=config.get_float(settings, "NEWSCRAWL_RECHECK_HOURS"))
        min_gap = timedelta(minutes=config.get_float(settings, "NEWSCRAWL_RECHECK_MIN_MINUTES"))
        age_fraction = config.get_float(settings, "NEWSCRAWL_RECHECK_AGE_FRACTION")
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
                    recheck,
                    self.refresh,
                    min_gap=min_gap,
                    age_fraction=age_fraction,
                )
                archived = decision is Decision.SKIP
                if archived:
                    self.skipped_keys.add(ref.key)
                    count(spider, SKIPPED_ARCHIVED)
                else:
                    if decision is Decision.RECHECK:
                        count(spider, ARTICLES_RECHECKED)
                    count(spider, f"discovery/{source}/articles")
                    yield scrapy.Request(
                        ref.url,
                        callback=self.callback,
                        errback=self.errback,
                        meta={"ref": ref, "source": source},
                    )
            in_a_row = in_a_row + 1 if archived else 0
            if stop_after and in_a_row == stop_after:
                count(spider, f"discovery/{source}/stopped_at_archived")
                reached = True
                if source == "feed":
                    break
        return Followed(in_window, reached)


class UrlArticles:
    """The ``news`` spider's article links: on its hosts, not before ``since``, each URL once."""

    def __init__(
        self,
        spider: scrapy.Spider,
        callbacks: tuple[Callback, Errback],
        home: str,
        hosts: frozenset[str],
        since: date | None,
        time: SiteTime,
    ) -> None:
        self.spider = spider
        self.callback, self.errback = callbacks
        self.home = home
        self.hosts = hosts
        self.since = since
        self.time = time
        self.seen_urls: set[str] = set()

    def on_site(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and host_of(url) in self.hosts

    def before_since(self, when: datetime | None) -> bool:
        # The day as the site states it (a sitemap's lastmod is read in Kyiv time by newscrawl.sitemaps).
        return self.since is not None and when is not None and self.time.place(when).date() < self.since

    def follow(self, url: str, source: str, when: datetime | None) -> Iterator[scrapy.Request]:
        spider = self.spider
        if not url or not self.on_site(url):
            count(spider, f"discovery/offsite/{source}")
            return
        if self.before_since(when):
            count(spider, f"discovery/{source}/before_since")
            return
        url = normalize_url(url)
        if url in self.seen_urls or url.rstrip("/") == self.home.rstrip("/"):
            return
        self.seen_urls.add(url)
        count(spider, f"discovery/{source}/articles")
        yield scrapy.Request(
            url, callback=self.callback, errback=self.errback, meta={"article": True, "source": source}
        )
