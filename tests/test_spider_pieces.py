"""The pieces the spiders are made of: the sitemap, feed and robots.txt readers on hostile bytes, the
sitemap source's failure counts, and the record check's messages (no crawler engine)."""

from __future__ import annotations

import gzip
from datetime import datetime
from typing import Any

import pytest
from scrapy.http import Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.archive.check import record_check
from newscrawl.core.dates import SiteTime
from newscrawl.sitemaps import URLSET, SitemapEntry, SitemapGzipError, read_sitemap
from newscrawl.spiders.discovery import FeedItem, read_feed, sitemaps_named_by_robots
from newscrawl.spiders.eurointegration import EurointegrationSpider
from newscrawl.spiders.news import NewsSpider
from newscrawl.spiders.site import SiteSpider
from tests.archive_records import record

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    b'<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">'
    b'<!ENTITY f SYSTEM "file:///etc/passwd">]>'
)
# gzip's magic bytes, then no deflate stream (Scrapy's gunzip accepts a torn stream that inflated some data)
BROKEN_GZIP = b"\x1f\x8b\x08\x00 not deflate"


@pytest.mark.parametrize("body", [b"", b"\x00\x01 not xml", b"<html><body>Not found</body></html>"])
def test_what_is_no_sitemap_is_a_value_error_not_a_gzip_error(body: bytes) -> None:
    """Bytes that hold no sitemap (none at all, binary, an HTML page) are refused as no sitemap."""
    with pytest.raises(ValueError, match=r"^not a sitemap") as caught:
        read_sitemap(body)
    assert not isinstance(caught.value, SitemapGzipError)


@pytest.mark.parametrize(
    "body",
    [gzip.compress(b"<urlset>" + b" " * 2_000_000 + b"</urlset>"), BROKEN_GZIP],
    ids=["beyond the size limit", "broken"],
)
def test_a_gzip_that_does_not_decompress_within_the_limit_is_a_gzip_error(body: bytes) -> None:
    """A gzipped sitemap inflating past the download limit, or one that does not inflate, is a gzip error."""
    with pytest.raises(SitemapGzipError):
        read_sitemap(body, max_size=1_000_000)


def test_entities_in_a_sitemap_are_never_expanded() -> None:
    """Internal entities (a billion laughs) and external ones (a local file) are left unexpanded."""
    body = LAUGHS + (
        f"<urlset {NS}><url><loc>https://a.example/&e;</loc></url><url><loc>&f;</loc></url>"
        "<url><loc>https://a.example/2/</loc><lastmod>2026-01-21T08:00:00Z</lastmod></url></urlset>"
    ).encode()
    kind, entries = read_sitemap(body)
    assert kind == URLSET
    assert entries == [
        SitemapEntry("https://a.example/"),
        SitemapEntry("https://a.example/2/", datetime.fromisoformat("2026-01-21T10:00:00+02:00")),
    ]


def test_a_truncated_sitemap_keeps_the_entries_before_the_break() -> None:
    """A sitemap cut off mid-entry (a dropped connection) still yields every entry it holds."""
    body = f"<urlset {NS}><url><loc>https://a.example/1/</loc></url><url><loc>https://a.example/2/".encode()
    assert read_sitemap(body) == (URLSET, [SitemapEntry("https://a.example/1/"), SitemapEntry("https://a.example/2/")])


def _feed(body: bytes) -> XmlResponse:
    return XmlResponse(url="https://a.example/feed/", body=body)


def test_feed_items_with_their_pages_and_dates() -> None:
    """An RSS item's page is its link, then a guid that is a permalink; an Atom entry's its alternate links."""
    body = b"""<?xml version="1.0"?><root xmlns:dc="http://purl.org/dc/elements/1.1/">
<rss><channel>
<item><link> /a/1/ </link><guid>https://a.example/a/1/?g</guid><pubDate>Wed, 21 Jan 2026 08:00:00 GMT</pubDate></item>
<item><guid isPermaLink="false">tag:a.example,1</guid><dc:date>2026-01-20T08:00:00+00:00</dc:date></item>
</channel></rss>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="self" href="/api/3"/><link href="/a/3/"/>
<updated>2026-01-19T08:00:00Z</updated></entry>
<entry><link rel="alternate" href="/a/4/"/><published>2026-01-18T08:00:00Z</published>
<updated>2026-01-22T08:00:00Z</updated></entry></feed></root>"""
    utc = SiteTime.unknown_site("UTC")
    assert read_feed(_feed(body), utc) == [
        FeedItem(("/a/1/", "https://a.example/a/1/?g"), datetime.fromisoformat("2026-01-21T08:00:00+00:00")),
        FeedItem((), datetime.fromisoformat("2026-01-20T08:00:00+00:00")),
        FeedItem(("/a/3/",), datetime.fromisoformat("2026-01-19T08:00:00+00:00")),
        FeedItem(("/a/4/",), datetime.fromisoformat("2026-01-18T08:00:00+00:00")),
    ]


def test_entities_in_a_feed_are_never_expanded() -> None:
    """A feed's internal and external entities are left unexpanded, as a sitemap's are."""
    body = LAUGHS + b"<rss><channel><item><link>https://a.example/&e;x/</link></item><item><link>&f;</link></item>"
    body += b"</channel></rss>"
    [first, second] = read_feed(_feed(body), SiteTime.unknown_site(None))
    assert len(first.urls[0]) < 100 and "root:" not in "".join(second.urls)


def test_robots_sitemap_lines_joined_and_an_empty_one_left_out() -> None:
    """robots.txt ``Sitemap:`` lines in any case are joined to its URL; an empty one names no sitemap."""
    body = b"User-agent: *\nSitemap: /s/1.xml\n  sitemap:https://a.example/s/2.xml\nSitemap:\nDisallow: /x\n\xff\xfe\n"
    response = TextResponse(url="https://a.example/robots.txt", body=body)
    assert list(sitemaps_named_by_robots(response)) == ["https://a.example/s/1.xml", "https://a.example/s/2.xml"]


def _stats_after(spider: Any, body: bytes) -> dict[str, Any]:
    url = "https://www.eurointegration.com.ua/sitemap/sitemap-news.xml"
    response = XmlResponse(url=url, body=body, request=Request(url, meta={"source": "sitemap"}))
    assert list(spider.parse_sitemap(response)) == []
    return {k: v for k, v in spider.crawler.stats.get_stats().items() if k.startswith("newscrawl/discovery/failed")}


@pytest.mark.parametrize("cls", [EurointegrationSpider, NewsSpider])
def test_both_spiders_count_a_broken_sitemap_by_its_fault(cls: type[Any]) -> None:
    """A sitemap that is no sitemap counts as a parse failure, a broken gzip as a gzip failure, in both spiders."""
    crawler = get_crawler(cls)
    kwargs = {"url": "https://www.eurointegration.com.ua/"} if cls is NewsSpider else {}
    crawler.spider = spider = cls.from_crawler(crawler, **kwargs)
    assert _stats_after(spider, b"<html>gone</html>") == {"newscrawl/discovery/failed/sitemap_parse": 1}
    assert _stats_after(spider, BROKEN_GZIP) == {
        "newscrawl/discovery/failed/sitemap_parse": 1,
        "newscrawl/discovery/failed/sitemap_gzip": 1,
    }


def test_the_news_spider_composes_the_pieces_rather_than_inheriting_a_site_spider() -> None:
    """The generic spider is no site spider: it has no site profile and its own argument check."""
    assert not issubclass(NewsSpider, SiteSpider)
    spider = NewsSpider(url="https://news.example.org/")
    assert getattr(spider, "site", None) is None and spider.site_key == "news_example_org"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lang": "ukr"}, "record.lang must match pattern ^[a-z]{2}$"),
        ({"extra": 1}, "record must not contain {'extra'} properties"),
        ({"version": True}, "record.version must be integer"),
        ({"published": "yesterday"}, "record.published must be valid exactly by one definition (0 matches found)"),
    ],
)
def test_the_record_check_names_the_field_and_the_rule(change: dict[str, Any], message: str) -> None:
    """``verify`` prints which field of a record breaks which rule of the schema."""
    assert record_check()({**record(1), **change}) == message
