"""Discovery on real and built responses: which article requests a page leads to (no crawler engine)."""

from __future__ import annotations

from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Request, XmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.spiders.eurointegration import EurointegrationSpider
from tests.conftest import FIXTURES

HOMEPAGE_2018 = FIXTURES / "eurointegration_2018_03_18_homepage_excerpt.cp1251.html"
BASE = "https://www.eurointegration.com.ua"


def spider(**kwargs: Any) -> EurointegrationSpider:
    crawler = get_crawler(EurointegrationSpider, {"NEWSCRAWL_MAX_LISTING_PAGES": 3})
    crawler.spider = EurointegrationSpider.from_crawler(crawler, **kwargs)
    assert isinstance(crawler.spider, EurointegrationSpider)
    return crawler.spider


def response(cls: type, url: str, body: bytes, **meta: Any) -> Any:
    return cls(url=url, body=body, request=Request(url, meta={"source": "listing", **meta}))


def test_real_2018_homepage_yields_its_articles_only() -> None:
    s = spider()
    body = HOMEPAGE_2018.read_bytes()
    page = response(HtmlResponse, BASE + "/", body, source="homepage")
    assert b"\xb2" in body  # real windows-1251 bytes
    assert "Європейська правда" in page.text  # the page's windows-1251 <meta> is honoured
    requests = [r for r in s.parse_listing(page) if isinstance(r, scrapy.Request)]
    # the excerpt's 14 article links, in page order (news ids with unpadded days included); section
    # pages, sister sites, the pda. host and mailto links yield nothing
    assert [r.url.removeprefix(BASE) for r in requests] == [
        "/experts/2018/02/5/7077064/",
        "/news/2018/03/18/7078932/",
        "/news/2018/03/17/7078930/",
        "/news/2018/03/17/7078928/",
        "/news/2018/03/17/7078927/",
        "/news/2018/03/17/7078926/",
        "/news/2018/03/17/7078925/",
        "/news/2018/03/17/7078924/",
        "/news/2018/03/17/7078923/",
        "/news/2018/03/17/7078922/",
        "/news/2018/03/17/7078921/",
        "/news/2018/03/17/7078912/",
        "/articles/2018/03/16/7078879/",
        "/experts/2018/03/15/7078798/",
    ]
    assert all(r.callback == s.parse_article for r in requests)
    assert s.crawler.stats is not None
    assert s.crawler.stats.get_value("newscrawl/discovery/homepage/articles") == 14


def test_variants_and_sister_sites_in_a_feed() -> None:
    s = spider(lang="uk,ru")
    feed = f"""<?xml version="1.0"?><rss version="2.0"><channel><title></title>
<item><link>{BASE}/news/2017/01/5/7059807/?utm_source=rss</link></item>
<item><link>http://eurointegration.com.ua/news/2017/01/05/7059807/</link></item>
<item><link>{BASE}/rus/news/2023/05/10/7161964/#comments</link></item>
<item><link>{BASE}/eng/news/2023/05/10/7161964/</link></item>
<item><link>https://www.pravda.com.ua/news/2023/05/10/7161964/</link></item>
<item><link>https://epravda.com.ua/news/2023/05/10/7161964/</link></item>
</channel></rss>""".encode()
    requests = list(s.parse_feed(response(XmlResponse, BASE + "/rss/", feed, source="feed")))
    assert [r.url for r in requests] == [
        f"{BASE}/news/2017/01/5/7059807/",
        f"{BASE}/rus/news/2023/05/10/7161964/",
    ]


def test_listing_follows_its_pager_up_to_the_limit() -> None:
    s = spider()
    def page(n: int) -> HtmlResponse:
        body = f'<a href="/news/2024/01/{n}/71{n:05d}/">a</a><a href="/news/page_{n + 1}/">next</a>'.encode()
        url = f"{BASE}/news/" if n == 1 else f"{BASE}/news/page_{n}/"
        return response(HtmlResponse, url, body, listing=f"{BASE}/news/", page=n)

    out1 = list(s.parse_listing(page(1)))
    assert [r.url for r in out1] == [f"{BASE}/news/2024/01/1/7100001/", f"{BASE}/news/page_2/"]
    out3 = list(s.parse_listing(page(3)))  # NEWSCRAWL_MAX_LISTING_PAGES = 3: no page 4
    assert [r.url for r in out3] == [f"{BASE}/news/2024/01/3/7100003/"]


def test_backfill_window_filters_articles_and_stops_paging() -> None:
    s = spider(since="2024-01-02", until="2024-01-03")
    body = (
        b'<a href="/news/2024/01/4/7100004/">later</a><a href="/news/2024/01/2/7100002/">in</a>'
        b'<a href="/news/2023/12/31/7099999/">before</a><a href="/news/page_2/">next</a>'
    )
    out = list(s.parse_listing(response(HtmlResponse, f"{BASE}/news/", body, listing=f"{BASE}/news/", page=1)))
    assert [r.url for r in out] == [f"{BASE}/news/2024/01/2/7100002/", f"{BASE}/news/page_2/"]
    old = b'<a href="/news/2023/12/30/7099990/">old</a><a href="/news/page_3/">next</a>'
    out = list(s.parse_listing(response(HtmlResponse, f"{BASE}/news/page_2/", old, listing=f"{BASE}/news/", page=2)))
    assert out == []  # nothing in the window on this page: the pager is not followed further


def test_start_requests_for_a_window() -> None:
    s = spider(lang="ru", since="2023-05-10", until="2023-05-11")
    urls = [r.url for r in s.discovery_requests()]
    assert urls == [
        f"{BASE}/rus/",
        f"{BASE}/rus/rss/",
        f"{BASE}/rus/rss/view_news/",
        f"{BASE}/rus/news/",
        f"{BASE}/rus/articles/",
        f"{BASE}/rus/news/date_11052023/",
        f"{BASE}/rus/news/date_10052023/",
        f"{BASE}/sitemap/sitemap-news.xml",
        f"{BASE}/sitemap/sitemap-archive.xml",
    ]


def test_monthly_sitemaps_only_for_the_window() -> None:
    s = spider(since="2023-04-20", until="2023-05-11")
    assert s.wants_sitemap(f"{BASE}/sitemap/sitemap-2023-05.xml.gz")
    assert s.wants_sitemap(f"{BASE}/sitemap/sitemap-2023-04.xml.gz")
    assert not s.wants_sitemap(f"{BASE}/sitemap/sitemap-2023-03.xml.gz")
    assert not s.wants_sitemap(f"{BASE}/sitemap/sitemap-2023-06.xml.gz")
    assert s.wants_sitemap(f"{BASE}/sitemap/sitemap-news.xml")
    assert not spider().wants_sitemap(f"{BASE}/sitemap/sitemap-2023-05.xml.gz")
