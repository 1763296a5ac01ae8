"""Any news site without a profile: ``scrapy crawl news -a url=https://example.org/ [-a since=YYYY-MM-DD]``.

Discovery: the RSS and Atom feeds the homepage names (``<link rel="alternate">``), the ``Sitemap:`` lines
of robots.txt and ``/sitemap.xml``, following sitemap indexes and reading news sitemaps. Only the
site's own host (and its ``www.`` twin) is requested. Items from feeds and sitemaps older than ``since``
(by ``pubDate``, ``news:publication_date`` or ``lastmod``) are skipped, and sitemaps that did not change
since the last finished run are not read again (``newscrawl.sitemaps.Watermarks``). Pages are extracted
by trafilatura with generic metadata (JSON-LD, Open Graph, ``article:published_time``, ``<time>``) and
archived through the same pipelines; the archive's site key comes from the host (``example_org``).
It reuses the shared crawl's article handling and failure counting (``SiteSpider``) without a profile.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from newscrawl.core.dates import SiteTime, check_zone, parse_day, parse_iso, parse_rfc822
from newscrawl.core.extract import generic_site_key
from newscrawl.core.urls import host_of, normalize_url
from newscrawl.errors import UsageError
from newscrawl.render import RENDER_ARGUMENTS, check_render
from newscrawl.sitemaps import INDEX, Scope, read_sitemap
from newscrawl.sites import site_for_url
from newscrawl.spiders.site import SiteSpider

ARGUMENTS = {
    "url": "the site's homepage, e.g. https://example.org/ (required)",
    "since": "skip feed and sitemap items published before this day, YYYY-MM-DD",
    "tz": "the site's timezone for times its pages give without offset, e.g. Europe/Berlin (default: none, "
    "such times are archived without offset)",
    **RENDER_ARGUMENTS,
}
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml", "text/xml")


def check_arguments(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(kwargs) - set(ARGUMENTS))
    if unknown:
        raise UsageError(f"unknown argument {unknown[0]!r} (known: {', '.join(sorted(ARGUMENTS))})")
    url = str(kwargs.get("url") or "").strip()
    try:
        parts = urlsplit(url)  # ValueError: a malformed IPv6 host such as http://[::1/
        if parts.scheme in ("http", "https") and parts.hostname:
            parts.port  # noqa: B018 - ValueError: a port that is not a number from 0 to 65535
            try:
                parts.hostname.encode("idna")  # as Scrapy will (newscrawl.core.urls.idna_host)
            except UnicodeError:
                raise ValueError("a host label is empty or longer than 63 characters") from None
    except ValueError as exc:
        raise UsageError(f"argument url: {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"argument url: give the site's homepage as http(s)://HOST/, not {url!r}")
    since = kwargs.get("since")
    try:
        since_day = parse_day(str(since)) if since not in (None, "") else None
    except ValueError as exc:
        raise UsageError(f"argument since: {exc}") from None
    render = check_render(kwargs.get("render"))
    tz = kwargs.get("tz")
    try:
        zone = check_zone(str(tz)) if tz not in (None, "") else None
    except ValueError as exc:
        raise UsageError(f"argument tz: {exc}") from None
    return {"url": normalize_url(url, keep_query=False), "since": since_day, "render": render, "tz": zone}


def site_key_of(url: str) -> str:
    """A registered site's key when the URL is one of its hosts, else a key made of the host."""
    site = site_for_url(url)
    return site.key if site else generic_site_key(url)


class NewsSpider(SiteSpider):
    name = "news"

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        args = check_arguments(kwargs)
        scrapy.Spider.__init__(self, name or self.name)
        self.home: str = args["url"]
        self.since: date | None = args["since"]
        self.until: date | None = None
        self.refresh = False
        host = host_of(self.home)
        twin = host.removeprefix("www.") if host.startswith("www.") else f"www.{host}"
        self.hosts = frozenset({host, twin})
        self.allowed_domains = sorted(self.hosts)
        self.site_key = site_key_of(self.home)
        self.seen_urls: set[str] = set()
        self.render: bool | None = args["render"]  # -a render=js|off (newscrawl.render)
        self.render_js: bool = bool(self.render)
        # A registered site's profile names its timezone; ``tz`` only serves pages of an unknown site.
        self.tz: str | None = args["tz"]
        self.time = site.time if (site := site_for_url(self.home)) else SiteTime.unknown_site(self.tz)

    @classmethod
    def check_arguments(cls, kwargs: Mapping[str, Any]) -> None:
        check_arguments(kwargs)

    @classmethod
    def site_key_for(cls, kwargs: Mapping[str, Any]) -> str:
        return site_key_of(check_arguments(kwargs)["url"])

    def sitemap_scope(self) -> Scope:
        return Scope(since=self.since)  # every language, no end to the window

    # --- discovery ------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        yield self._source(self.home, "homepage", self.parse_home)
        yield self._source(self.home.rstrip("/") + "/robots.txt", "robots", self.parse_robots)
        yield self._source(self.home.rstrip("/") + "/sitemap.xml", "sitemap", self.parse_sitemap)

    def on_site(self, url: str) -> bool:
        return urlsplit(url).scheme in ("http", "https") and host_of(url) in self.hosts

    def parse_home(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            return
        for link in response.css('link[rel~="alternate"][href]'):
            kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
            url = response.urljoin(link.attrib["href"])
            if kind in FEED_TYPES and self.on_site(url):
                yield self._source(url, "feed", self.parse_feed)

    def parse_robots(self, response: Response) -> Iterator[scrapy.Request]:
        for line in response.body.decode("utf-8", "replace").splitlines():
            field, _, value = line.partition(":")
            url = response.urljoin(value.strip())
            if field.strip().lower() == "sitemap" and value.strip():
                if self.on_site(url):
                    yield self._source(url, "sitemap", self.parse_sitemap)
                else:
                    self.count("discovery/offsite/sitemap")

    def parse_feed(self, response: Response) -> Iterator[scrapy.Request]:
        if not isinstance(response, TextResponse):
            self.count("discovery/not_text/feed")
            return
        response.selector.remove_namespaces()
        for item in response.xpath("//item"):  # RSS
            link = item.xpath("link/text()").get() or item.xpath("guid[not(@isPermaLink='false')]/text()").get()
            when = parse_rfc822(item.xpath("pubDate/text()").get(), self.time) or parse_iso(
                item.xpath("date/text()").get(), self.time
            )
            yield from self.follow(response.urljoin((link or "").strip()), "feed", when)
        for entry in response.xpath("//entry"):  # Atom
            href = entry.xpath("link[not(@rel) or @rel='alternate']/@href").get()
            when = parse_iso(entry.xpath("published/text()").get(), self.time) or parse_iso(
                entry.xpath("updated/text()").get(), self.time
            )
            yield from self.follow(response.urljoin((href or "").strip()), "feed", when)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        try:
            kind, entries = read_sitemap(response.body, self.settings.getint("DOWNLOAD_MAXSIZE"))
        except (OSError, ValueError, SyntaxError):
            self.count("discovery/failed/sitemap_parse")
            return
        if kind == INDEX:
            for entry in entries:
                url = response.urljoin(entry.loc)
                if not self.on_site(url):
                    self.count("discovery/offsite/sitemap")
                elif self.watermarks.unchanged(url, entry.lastmod):
                    self.count("sitemap/unchanged")
                elif self.before_since(entry.lastmod):
                    self.count("sitemap/before_since")
                else:
                    yield self._source(url, "sitemap", self.parse_sitemap, lastmod=entry.lastmod)
            return
        newest: datetime | None = response.meta.get("lastmod")
        for entry in entries:
            if entry.lastmod and (newest is None or entry.lastmod > newest):
                newest = entry.lastmod
            if self.watermarks.skip_entry(response.url, entry.lastmod):
                self.count("sitemap/entries_unchanged")
                continue
            yield from self.follow(response.urljoin(entry.loc), "sitemap", entry.when)
        self.watermarks.see(response.url, newest)

    def before_since(self, when: datetime | None) -> bool:
        # The day as the site states it (a sitemap's lastmod is read in Kyiv time by newscrawl.sitemaps).
        return self.since is not None and when is not None and self.time.place(when).date() < self.since

    def follow(self, url: str, source: str, when: datetime | None) -> Iterator[scrapy.Request]:
        if not url or not self.on_site(url):
            self.count(f"discovery/offsite/{source}")
            return
        if self.before_since(when):
            self.count(f"discovery/{source}/before_since")
            return
        url = normalize_url(url)
        if url in self.seen_urls or url.rstrip("/") == self.home.rstrip("/"):
            return
        self.seen_urls.add(url)
        self.count(f"discovery/{source}/articles")
        yield scrapy.Request(
            url, callback=self.parse_article, errback=self.article_failed, meta={"article": True, "source": source}
        )
