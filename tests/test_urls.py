"""URL variants of one article map to one canonical URL and one archive key."""

from __future__ import annotations

import pytest

from newscrawl.core.sites import article_ref, get_site

CANONICAL = "https://www.eurointegration.com.ua/news/2017/01/5/7059807/"


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.eurointegration.com.ua/news/2017/01/5/7059807/",
        "http://www.eurointegration.com.ua/news/2017/01/5/7059807/",
        "https://eurointegration.com.ua/news/2017/01/5/7059807/",
        "https://www.eurointegration.com.ua/news/2017/01/5/7059807",
        "https://www.eurointegration.com.ua/news/2017/01/05/7059807/",
        "https://www.eurointegration.com.ua/news/2017/1/5/7059807/",
        "https://www.eurointegration.com.ua/news/2017/01/5/7059807/?utm_source=facebook&utm_medium=social",
        "https://www.eurointegration.com.ua/news/2017/01/5/7059807/#comments",
        "HTTPS://WWW.EUROINTEGRATION.COM.UA/news/2017/01/5/7059807/",
    ],
)
def test_variants_share_canonical_url_and_key(variant: str) -> None:
    ref = article_ref(variant)
    assert ref is not None
    assert ref.url == CANONICAL
    assert ref.key == "eurointegration:uk:7059807"
    assert ref.section == "news"


@pytest.mark.parametrize(
    ("url", "lang", "key", "canonical"),
    [
        (
            "https://www.eurointegration.com.ua/rus/news/2023/05/10/7161964/",
            "ru",
            "eurointegration:ru:7161964",
            "https://www.eurointegration.com.ua/rus/news/2023/05/10/7161964/",
        ),
        (
            "https://www.eurointegration.com.ua/eng/articles/2025/11/5/7224180/",
            "en",
            "eurointegration:en:7224180",
            "https://www.eurointegration.com.ua/eng/articles/2025/11/5/7224180/",
        ),
        (
            "https://www.eurointegration.com.ua/rus/interview/2023/1/3/7153513/",
            "ru",
            "eurointegration:ru:7153513",
            "https://www.eurointegration.com.ua/rus/interview/2023/01/3/7153513/",
        ),
    ],
)
def test_languages_and_sections(url: str, lang: str, key: str, canonical: str) -> None:
    ref = article_ref(url)
    assert ref is not None
    assert (ref.lang, ref.key, ref.url) == (lang, key, canonical)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.pravda.com.ua/news/2023/05/10/7161964/",  # a sister site's id range overlaps
        "https://www.eurointegration.com.ua/news/",
        "https://www.eurointegration.com.ua/news/page_2/",
        "https://www.eurointegration.com.ua/news/date_10052023/",
        "https://www.eurointegration.com.ua/deu/news/2023/05/10/7161964/",
        "https://www.eurointegration.com.ua/news/2023/02/30/7161964/",
        "https://www.eurointegration.com.ua/tags/nato/",
    ],
)
def test_not_articles_of_the_site(url: str) -> None:
    assert get_site("eurointegration").article_ref(url) is None
