"""The Pravda family's profiles: URL shapes of pravda, epravda and champion, and what their real pages keep."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest

from newscrawl.core.extract import extract
from newscrawl.core.sites import article_ref
from newscrawl.fixtures import load_meta, pages
from tests.conftest import FIXTURES

EPRAVDA_UK = "https://epravda.com.ua/tehnologiji/yak-v-ukrajini-diyatimut-limiti-dlya-gravciv-azartnih-igor-813313/"
EPRAVDA_RU = "https://epravda.com.ua/rus/tehnologiji/kak-v-ukraine-budut-deystvovat-limity-dlya-igrokov-azartnyh-igr-813313/"


@pytest.mark.parametrize(
    ("url", "key", "canonical", "section", "day"),
    [
        (
            "https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/",
            "pravda:ru:8015225",
            "https://www.pravda.com.ua/rus/articles/2026/01/08/8015225/",
            "articles",
            date(2026, 1, 8),
        ),
        (  # old unpadded day, no www, tracking query: the canonical form pads as the sitemaps do
            "http://pravda.com.ua/eng/news/2017/1/5/7131000?utm_source=x",
            "pravda:en:7131000",
            "https://www.pravda.com.ua/eng/news/2017/01/05/7131000/",
            "news",
            date(2017, 1, 5),
        ),
        (
            "https://www.pravda.com.ua/podcasts/podkast-klyati-pitannya/2025/12/01/8009700/",
            "pravda:uk:8009700",
            "https://www.pravda.com.ua/podcasts/podkast-klyati-pitannya/2025/12/01/8009700/",
            "podcasts",
            date(2025, 12, 1),
        ),
        (EPRAVDA_UK, "epravda:uk:813313", EPRAVDA_UK, "tehnologiji", None),
        (EPRAVDA_RU + "#comments", "epravda:ru:813313", EPRAVDA_RU, "tehnologiji", None),
        (
            "https://www.epravda.com.ua/rus/news/2017/01/5/7059807",
            "epravda:ru:7059807",
            "https://epravda.com.ua/rus/news/2017/01/5/7059807/",
            "news",
            date(2017, 1, 5),
        ),
        (
            "https://champion.com.ua/ukr/ski/shiffrin-prodovzhila-vrazhayuchu-seriyu-na-kubku-svitu-1057291",
            "champion:uk:1057291",
            "https://champion.com.ua/ukr/ski/shiffrin-prodovzhila-vrazhayuchu-seriyu-na-kubku-svitu-1057291/",
            "ski",
            None,
        ),
    ],
)
def test_article_urls(url: str, key: str, canonical: str, section: str, day: date | None) -> None:
    ref = article_ref(url)
    assert ref is not None
    assert (ref.key, ref.url, ref.section, ref.day) == (key, canonical, section, day)


@pytest.mark.parametrize(
    "url",
    [
        "https://epravda.com.ua/tags/gralnij-biznes/",
        "https://epravda.com.ua/tags/covid-19/",
        "https://epravda.com.ua/authors/664b7a9f8b5c7/",
        "https://epravda.com.ua/projects/652d374406207/",
        "https://epravda.com.ua/tehnologiji/",
        "https://epravda.com.ua/eng/tehnologiji/some-story-813313/",  # no English edition declared
        "https://champion.com.ua/ukr/tags/mikaela-shyffrin/",
        "https://champion.com.ua/ski/no-language-prefix-1057291/",
        "https://life.pravda.com.ua/society/2025/12/01/300001/",
        "https://www.pravda.com.ua/news/date_01122025/",
        "https://www.pravda.com.ua/news/2025/13/01/8009700/",
        "https://www.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz",
    ],
)
def test_not_article_urls(url: str) -> None:
    assert article_ref(url) is None


def _record(site: str) -> dict[str, object]:
    (page,) = pages(FIXTURES / "sites", site)
    meta = load_meta(page)
    return extract(gzip.decompress(page.read_bytes()), meta["url"], None)


def test_pravda_long_read_keeps_its_sub_headings_and_nothing_around_it() -> None:
    record = _record("pravda")
    lines = str(record["text"]).split("\n")
    for heading in (
        "Уголовные дела",
        "Кого уже уволили, и как уволить других",
        "Возможен реванш ОАСК через Верховный Суд",
        "Новые админсуды вместо ОАСК: шанс, который нельзя упустить",
    ):
        assert heading in lines
    assert len(lines) == 35  # 31 paragraphs (the "***" break too) and 4 sub-headings
    # The closing signature names the authors, who are in ``authors``: it is not article text.
    assert record["authors"] == ["Ярослав Кузишин", "Антон Зелинский", "Карина Гасимова"]
    assert lines[-1].startswith("История ОАСК до сих пор не завершена.")
    text = str(record["text"])
    for junk in ("Реклама", "Уважаемые читатели", "Матеріали за темою", "Когда меняется язык", "Павел Вовк\n"):
        assert junk not in text
    assert record["published"] == "2026-01-08T17:46:00+02:00"
    assert record["alternates"] == {"uk": "https://www.pravda.com.ua/articles/2026/01/08/8015225/"}


def test_epravda_news_keeps_its_list_and_finds_the_reporter_and_the_russian_version() -> None:
    record = _record("epravda")
    lines = str(record["text"]).split("\n")
    assert lines[3:7] == [
        "Що передбачає документ:",
        "фінансові ліміти — визначають, яку частку місячного доходу гравець може витратити на азартні ігри;",
        "часові ліміти — тривалість участі в азартних іграх;",
        "максимальний безперервний час гри та тривалість обов'язкової перерви.",
    ]
    assert "Нагадаємо:" in lines  # an editorial lead-in, not boilerplate
    assert record["authors"] == ["Віктор Волокіта"]  # JSON-LD names only the publisher
    assert record["published"] == "2025-10-24T15:26:00+03:00"  # naive Kyiv time in JSON-LD, summer offset
    assert record["alternates"] == {"ru": EPRAVDA_RU}
    assert "Реклама" not in str(record["text"]) and "Матеріали за темою" not in str(record["text"])


def test_champion_page_goes_through_the_family_parser() -> None:
    record = _record("champion")
    assert record["parser"] == "upgroup/1.0" and record["fallbacks"] == []
    assert record["authors"] == ["Олег Дідух"]
    assert "Підсумкові результати:" in str(record["text"]).split("\n")
    assert "Getty Images" not in str(record["text"]) and "Мікаела Шиффрін\n" not in str(record["text"])


def test_reference_outputs_are_not_the_truth() -> None:
    """The other parser's reference drops the epravda list items that our record keeps."""
    reference = FIXTURES / "reference" / "epravda_2025_10_24_tehnologiji_813313.reference.json"  # shared/sites
    paragraphs = json.loads(reference.read_text("utf-8"))["V1"]["body"]["sections"][0]["paragraphs"]
    ours = str(_record("epravda")["text"]).split("\n")
    assert [line for line in ours if line not in paragraphs] == ours[4:7]
