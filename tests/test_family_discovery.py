"""Discovery on the family's real pages: the article links each site spider follows, sister sites skipped."""

from __future__ import annotations

import gzip

import pytest
import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from newscrawl.fixtures import load_meta, pages
from newscrawl.spiders.champion import ChampionSpider
from newscrawl.spiders.epravda import EpravdaSpider
from newscrawl.spiders.pravda import PravdaSpider
from newscrawl.spiders.site import SiteSpider
from tests.conftest import FIXTURES

EP = "https://epravda.com.ua/"
CH = "https://champion.com.ua/ukr/ski/"
UP = "https://www.pravda.com.ua/"


def followed(cls: type[SiteSpider]) -> list[str]:
    crawler = get_crawler(cls)
    spider = cls.from_crawler(crawler)
    crawler.spider = spider
    (page,) = pages(FIXTURES / "sites", cls.name)
    url = load_meta(page)["url"]
    response = HtmlResponse(url=url, body=gzip.decompress(page.read_bytes()), request=Request(url, meta={"source": "listing"}))
    return [r.url for r in spider.parse_listing(response) if isinstance(r, scrapy.Request)]


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (
            EpravdaSpider,
            [
                EP + "tehnologiji/yak-v-ukrajini-diyatimut-limiti-dlya-gravciv-azartnih-igor-813313/",
                EP + "rus/tehnologiji/kak-v-ukraine-budut-deystvovat-limity-dlya-igrokov-azartnyh-igr-813313/",
                EP + "tehnologiji/koli-v-ukrajini-zapracyuye-reyestr-zalezhnih-vid-azartnih-igor-813131/",
                EP + "finances/yakih-troh-blogerok-oshtrafuvalo-pleysiti-813058/",
                EP + "finances/yaki-kompaniji-splatili-pershimi-za-novi-licenziji-pleysiti-812764/",
                EP + "tehnologiji/yak-v-ukrajini-pozbutisya-spam-nomeriv-812836/",
                EP + "energetika/yak-zalishatisya-na-zv-yazku-pid-chas-znestrumlen-812741/",
            ],
        ),
        (
            ChampionSpider,
            [
                CH + "shiffrin-prodovzhila-vrazhayuchu-seriyu-na-kubku-svitu-1057291/",
                CH + "na-zhinochomu-kubku-svitu-z-girskih-lizh-vstanovleno-noviy-rekord-1057204/",
                CH + "pidsumki-lizhnogo-tizhnya-nevdaliy-start-ukrajinskih-stribuniv-na-kubku-svitu-1056724/",
                CH + "legendarna-girskolizhnicya-vdruge-pospil-rozgromila-supernic-na-kubku-svitu-1056646/",
                CH + "shiffrin-i-vonn-ta-yevropeyki-hto-naytitulovanisha-girskolizhnicya-v-istoriji-1056175/",
                CH + "pidsumki-lizhnogo-tizhnya-persha-peremoga-brazilcya-na-girskolizhnomu-kubku-svitu-1056046/",
                CH + "shiffrin-zdobula-chergovu-rozgromnu-peremogu-v-slalomi-na-kubku-svitu-1055938/",
            ],
        ),
        (
            # the page also links eurointegration's /articles/2025/11/5/7224180/ and
            # /rus/articles/2026/01/7/7228590/ (the same URL shape on a sister host) and life.pravda.com.ua
            PravdaSpider,
            [
                UP + "articles/2026/01/08/8015225/",
                UP + "rus/articles/2026/01/08/8015225/",
                UP + "projects/2025/11/28/8009446/",
                UP + "rus/projects/2025/12/16/8012032/",
                UP + "rus/projects/2025/12/02/8009400/",
                UP + "rus/projects/2025/11/18/8007814/",
                UP + "rus/projects/2025/11/13/8006959/",
                UP + "projects/2025/10/07/8001471/",
                UP + "rus/articles/2020/07/19/7259869/",
                UP + "rus/news/2022/12/13/7380542/",
                UP + "rus/columns/2025/01/08/7492292/",
                UP + "rus/news/2025/12/11/8011465/",
                UP + "rus/articles/2026/01/08/8015116/",
            ],
        ),
    ],
    ids=["epravda", "champion", "pravda"],
)
def test_real_page_leads_to_its_sites_articles_only(cls: type[SiteSpider], expected: list[str]) -> None:
    assert followed(cls) == expected
