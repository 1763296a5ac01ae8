"""Faults that real pages of other publishers exposed, each reproduced by a hand-written page.

Line breaks inside a paragraph, text directly inside a quotation, dates of unknown sites and of site
profiles, article objects nested in JSON-LD, titles with entities or the site's name, a page whose body
JavaScript inserts, a homepage given to ``newscrawl extract``, and the byline that closes a pravda long read.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from newscrawl import exitcodes, extract
from newscrawl.core.boilerplate import strip_lines
from newscrawl.core.dates import SiteTime, parse_display_date, parse_iso, parse_rfc822
from newscrawl.core.sites import GENERIC_BOILERPLATE, SITES
from newscrawl.core.text import _keep_nbsp, _lines, html_to_text
from newscrawl.drops import MissingBody, NotAnArticle
from newscrawl.errors import UsageError
from newscrawl.spiders.news import check_arguments
from tests.conftest import ROOT, Mirror, read_archive, run_crawl, validate_record
from tests.crawl_stats import stats_of

CRAWL = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
URL = "https://news.example.org/2025/10/02/harbour-story"
FIRST = "The harbour reopened on Thursday morning after three days of closure caused by the autumn storm."
SECOND = "Port officials said ferries would run on a reduced timetable until the end of the week."
THIRD = "Fishermen, who lost several days of work, welcomed the decision and asked the city for help."


def page(head: str = "", article: str = "", *, title: str = "Harbour reopens after the storm") -> str:
    """An unknown site's article page: ``head`` goes into <head>, ``article`` replaces the default body."""
    body = article or f"<p>{FIRST}</p><p>{SECOND}</p><p>{THIRD}</p>"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        '<body><header><nav><a href="/">Home</a> <a href="/politics/">Politics</a></nav></header>'
        f"<main><article><h1>Harbour reopens after the storm</h1>{body}</article></main>"
        "<footer><p>Copyright Example News.</p></footer></body></html>"
    )


def ld(obj: object) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


# --- <br> inside a paragraph ----------------------------------------------------------------------
def test_line_break_inside_a_paragraph_separates_words() -> None:
    """Lines split by <br> inside one paragraph are one line with a blank between them, never glued."""
    fragment = (
        "<p>Abaturage bavuze ko bishimiye umwanzuro wafashwe lwesigameko.<br>Indodakazi yavuze ko bizakomeza."
        "</p><p>First line of an address<br/>Second line <b>in bold</b><br>Third line</p>"
    )
    assert html_to_text(fragment) == (
        "Abaturage bavuze ko bishimiye umwanzuro wafashwe lwesigameko. Indodakazi yavuze ko bizakomeza.\n"
        "First line of an address Second line in bold Third line"
    )
    record = extract(page(article=f"<p>{FIRST}<br>{SECOND}</p><p>{THIRD}</p>"), URL, CRAWL)
    assert record["text"] == f"{FIRST} {SECOND}\n{THIRD}"


# --- text directly inside <quote> -----------------------------------------------------------------
def test_text_directly_inside_a_quotation_is_kept() -> None:
    """A quotation's own text is article text, whether or not the quotation also holds paragraphs."""
    quoted = "We will rebuild the pier before the summer season, whatever the storm left of it."
    fragment = (
        f"<p>{FIRST}</p><blockquote>{quoted}</blockquote>"
        f"<blockquote>The mayor added:<p>{SECOND}</p>and left the meeting.</blockquote><p>{THIRD}</p>"
    )
    assert html_to_text(fragment).split("\n") == [
        FIRST,
        quoted,
        "The mayor added:",
        SECOND,
        "and left the meeting.",
        THIRD,
    ]
    record = extract(page(article=f"<p>{FIRST}</p><blockquote>{quoted}</blockquote><p>{SECOND}</p>"), URL, CRAWL)
    assert record["text"].split("\n") == [FIRST, quoted, SECOND]


# --- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stated", "tz", "expected"),
    [
        ("2025-10-02T08:30:00+01:00", None, "2025-10-02T08:30:00+01:00"),  # the page's offset stays
        ("2025-10-02T08:30:00+01:00", "Europe/Berlin", "2025-10-02T08:30:00+01:00"),  # stated beats given
        ("2025-10-02T07:30:00Z", None, "2025-10-02T07:30:00+00:00"),
        ("2025-10-02T08:30:00", None, "2025-10-02T08:30:00"),  # no offset stated, none given: none invented
        ("2025-10-02T08:30:00", "Europe/Berlin", "2025-10-02T08:30:00+02:00"),
        ("2025-10-02", None, "2025-10-02T00:00:00"),  # the day stays the day
        ("2025-10-02", "Europe/Lisbon", "2025-10-02T00:00:00+01:00"),
        ("2025-12-02T08:30:00", "America/New_York", "2025-12-02T08:30:00-05:00"),
    ],
)
def test_unknown_site_keeps_the_stated_offset_and_takes_the_given_timezone(
    stated: str, tz: str | None, expected: str
) -> None:
    """On an unknown site a stated offset stays, a naive time is local time of the given zone, and
    with no zone given it stays naive: no offset is invented."""
    head = f'<meta property="article:published_time" content="{stated}">'
    head += f'<meta property="article:modified_time" content="{stated}">'
    record = extract(page(head), URL, CRAWL, tz=tz)
    validate_record(record)
    assert record["published"] == expected
    assert record["modified"] == expected


def test_a_site_profile_reads_dates_in_its_own_timezone() -> None:
    """A site profile's timezone places its naive times and shows every time, in that site alone."""
    assert {key: site.timezone for key, site in SITES.items()} == {
        "champion": "Europe/Kyiv",
        "epravda": "Europe/Kyiv",
        "eurointegration": "Europe/Kyiv",
        "pravda": "Europe/Kyiv",
    }
    lisbon = SiteTime.of_site("Europe/Lisbon")
    assert parse_iso("2025-10-02 08:30:00", lisbon).isoformat() == "2025-10-02T08:30:00+01:00"  # type: ignore[union-attr]
    assert parse_iso("2025-10-02T08:30:00+03:00", lisbon).isoformat() == "2025-10-02T06:30:00+01:00"  # type: ignore[union-attr]
    assert parse_iso("2025-10-02", lisbon).isoformat() == "2025-10-02T00:00:00+01:00"  # type: ignore[union-attr]
    unknown = SiteTime.unknown_site()
    assert parse_rfc822("Thu, 02 Oct 2025 08:30:00 +0100", unknown).isoformat() == "2025-10-02T08:30:00+01:00"  # type: ignore[union-attr]
    shown = parse_display_date("2 October 2025, 08:30", CRAWL, SiteTime.unknown_site("Europe/Berlin"))
    assert shown is not None and shown.isoformat() == "2025-10-02T08:30:00+02:00"
    # The Pravda group's own pages: naive JSON-LD is Kyiv time, another offset is shown in Kyiv time.
    euro = "https://www.eurointegration.com.ua/news/2025/10/2/7220000/"
    for stated, expected in (
        ("2025-10-02 08:30:00", "2025-10-02T08:30:00+03:00"),
        ("2025-10-02T08:30:00+01:00", "2025-10-02T10:30:00+03:00"),
    ):
        head = ld({"@type": "NewsArticle", "headline": "Засідання уряду", "datePublished": stated})
        body = f'<article class="post_news"><h1 class="post_news_title">Засідання уряду</h1><div class="post_news_text"><p>{FIRST}</p></div></article>'
        html = f'<html lang="uk"><head><meta charset="utf-8">{head}</head><body>{body}</body></html>'
        # a given zone does not overrule the profile's
        assert extract(html, euro, CRAWL, tz="America/New_York")["published"] == expected


def test_news_spider_checks_its_timezone_argument() -> None:
    """``-a tz=`` takes an IANA timezone name; anything else is a usage error naming the argument."""
    assert check_arguments({"url": "https://news.example.org/", "tz": "Europe/Berlin"})["tz"] == "Europe/Berlin"
    assert check_arguments({"url": "https://news.example.org/"})["tz"] is None
    with pytest.raises(UsageError) as info:
        check_arguments({"url": "https://news.example.org/", "tz": "+01:00"})
    assert str(info.value) == "argument tz: '+01:00' is not an IANA timezone name such as Europe/Berlin"


# --- JSON-LD --------------------------------------------------------------------------------------
ARTICLE_LD = {
    "@type": "NewsArticle",
    "headline": "Harbour reopens after the storm",
    "datePublished": "2025-10-02T08:30:00+01:00",
    "author": {"@type": "Person", "name": "Dana Reporter"},
}


@pytest.mark.parametrize(
    "data",
    [
        {"@context": "https://schema.org", "@type": "WebPage", "mainEntity": ARTICLE_LD},
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "Organization", "name": "Example News"},
                {"@type": "WebPage", "name": "Harbour", "mainEntity": ARTICLE_LD},
            ],
        },
        [{"@context": "https://schema.org", "@graph": [{"@type": "WebSite"}, {**ARTICLE_LD, "@type": ["https://schema.org/NewsArticle"]}]}],
        {"@context": "https://schema.org", "@graph": {**ARTICLE_LD, "@type": "OpinionNewsArticle"}},
    ],
    ids=["mainEntity", "graph_mainEntity", "graph_url_type", "graph_object_subtype"],
)
def test_article_object_nested_in_json_ld_is_found(data: object) -> None:
    """The article object is found under a page's ``mainEntity`` and in ``@graph``, whatever Article type."""
    head = ld(data) + '<meta property="article:published_time" content="2025-10-03T18:00:00+01:00">'
    record = extract(page(head, title="Harbour"), URL, CRAWL)
    assert record["published"] == "2025-10-02T08:30:00+01:00"
    assert record["authors"] == ["Dana Reporter"]
    assert record["title"] == "Harbour reopens after the storm"
    assert "title/meta" not in record["fallbacks"] and "title/html" not in record["fallbacks"]


def test_live_blog_takes_its_date_from_json_ld_not_from_the_latest_update() -> None:
    """A ``LiveBlogPosting`` is the article: its start is the publication, not ``article:published_time``."""
    blog = {
        "@context": "https://schema.org",
        "@type": "LiveBlogPosting",
        "headline": "Storm live: harbour closed",
        "datePublished": "2025-10-01T06:00:00+01:00",
        "dateModified": "2025-10-03T21:40:00+01:00",
        "coverageStartTime": "2025-10-01T06:00:00+01:00",
    }
    head = ld(blog) + '<meta property="article:published_time" content="2025-10-03T21:40:00+01:00">'
    record = extract(page(head, title="Live"), URL, CRAWL)
    assert record["title"] == "Storm live: harbour closed"
    assert record["published"] == "2025-10-01T06:00:00+01:00"
    assert record["modified"] == "2025-10-03T21:40:00+01:00"


# --- titles ---------------------------------------------------------------------------------------
def test_json_ld_title_has_its_html_entities_decoded() -> None:
    """A JSON-LD headline's HTML entities become the characters they name."""
    head = ld({"@type": "NewsArticle", "headline": "Minister&#8217;s &quot;Gr&ouml;&szlig;e&quot; plan &amp; more"})
    assert extract(page(head), URL, CRAWL)["title"] == "Minister\u2019s \"Größe\" plan & more"


@pytest.mark.parametrize(
    ("url", "head", "title", "expected"),
    [
        (
            "https://www.boersen-zeitung.de/banken/zinsen-steigen",
            "",
            "Zinsen steigen wieder | Börsen-Zeitung",
            "Zinsen steigen wieder",
        ),
        (
            "https://www.namibian.com.na/harbour-reopens/",
            '<meta property="og:title" content="Harbour reopens after the storm - The Namibian">',
            "The Namibian",
            "Harbour reopens after the storm",
        ),
        (
            "https://news.example.org/x",
            '<meta property="og:site_name" content="Daily Planet">',
            "Daily Planet \u2013 Harbour reopens: what changes",
            "Harbour reopens: what changes",
        ),
        (  # no site name: a separator inside the headline stays
            "https://news.example.org/x",
            "",
            "Harbour reopens - ferries run again",
            "Harbour reopens - ferries run again",
        ),
    ],
)
def test_title_from_title_tag_or_og_title_drops_the_site_name(url: str, head: str, title: str, expected: str) -> None:
    """A title taken from ``<title>`` or ``og:title`` loses the site's name at either end."""
    html = (
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
        f"<body><article><p>{FIRST}</p><p>{SECOND}</p><p>{THIRD}</p></article></body></html>"
    )
    assert extract(html, url, CRAWL)["title"] == expected


# --- a body that JavaScript inserts -------------------------------------------------------------
JS_SHELL = (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour reopens - Example News</title>'
    '<meta property="og:title" content="Harbour reopens after the storm">'
    '<meta property="article:published_time" content="2025-10-02T08:30:00+01:00"></head><body>'
    '<header><nav><a href="/">Home</a> <a href="/politics/">Politics</a> <a href="/sport/">Sport</a></nav></header>'
    "<main><h1>Harbour reopens after the storm</h1><span class='date'>2 October 2025, 08:30</span>"
    '<div id="article-body"></div>'
    '<div class="share-bar">Share this article on <a href="#fb">Facebook</a> <a href="#tw">Twitter</a> '
    '<a href="#mail">Email</a></div></main>'
    '<script>fetch("/api/article/1").then(r => r.json()).then(a => render(a))</script></body></html>'
)


def test_navigation_headline_date_and_share_line_are_no_article_body() -> None:
    """A page whose body JavaScript inserts is dropped as having no body, not archived as its chrome."""
    with pytest.raises(MissingBody, match=f"no article body at {URL}"):
        extract(JS_SHELL, URL, CRAWL)
    with pytest.raises(MissingBody):  # an XHTML page's XML declaration does not hide it
        extract('<?xml version="1.0" encoding="utf-8"?>\n' + JS_SHELL, URL, CRAWL)
    # The same page with its body in the HTML is an article.
    full = JS_SHELL.replace('<div id="article-body"></div>', f'<div id="article-body"><p>{FIRST}</p><p>{SECOND}</p></div>')
    assert extract(full, URL, CRAWL)["text"] == f"{FIRST}\n{SECOND}"
    # A short real article (one sentence of eleven words) is kept; trafilatura keeps a page this small whole.
    brief = JS_SHELL.replace(
        '<div id="article-body"></div>', "<p>The harbour reopened on Thursday after three days of storm closure.</p>"
    )
    assert extract(brief, URL, CRAWL)["text"] == (
        "Home Politics Sport Harbour reopens after the storm 2 October 2025, 08:30 "
        "The harbour reopened on Thursday after three days of storm closure. "
        "Share this article on Facebook Twitter Email"
    )


# --- newscrawl extract on a homepage --------------------------------------------------------------
HOMEPAGE = """<html lang="uk"><head><meta charset="utf-8"><title>Європейська правда</title></head><body>
<header><a href="/">Європейська правда</a></header><h1>Головне</h1>
<div class="article_news"><a href="/news/2025/11/5/7224180/">Посли ЄС погодили відкриття кластера</a>
<p>Посли держав-членів ЄС погодили відкриття переговорного кластера «Основи» з Україною та Молдовою.</p></div>
<div class="article_news"><a href="/news/2025/11/4/7224100/">Нідерланди допоможуть з енергетикою</a>
<p>Уряд Нідерландів виділить додаткові кошти на відновлення української енергетичної інфраструктури.</p></div>
</body></html>"""


def test_extract_on_a_known_sites_homepage_gives_the_drop_reason(tmp_path: Path) -> None:
    """A known site's page off its article URLs is no article: the CLI prints the reason and exits 1."""
    url = "https://www.eurointegration.com.ua/"
    with pytest.raises(NotAnArticle, match="not an article URL of site eurointegration: "):
        extract(HOMEPAGE, url, CRAWL)
    saved = tmp_path / "home.html.gz"
    saved.write_bytes(gzip.compress(HOMEPAGE.encode("utf-8")))
    result = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "extract", str(saved), "--url", url],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == exitcodes.FAILED
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        "newscrawl: error: not archived (not_an_article): not an article URL of site eurointegration: "
        "https://www.eurointegration.com.ua/"
    ]


def test_cli_extract_takes_a_timezone(tmp_path: Path) -> None:
    """``newscrawl extract --tz`` reads an unknown site's naive times in that zone; a bad name is a usage error."""
    saved = tmp_path / "page.html"
    saved.write_text(page('<meta property="article:published_time" content="2025-10-02T08:30:00">'), "utf-8")
    ok = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "extract", str(saved), "--url", URL, "--tz", "Europe/Berlin"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert ok.returncode == exitcodes.OK, ok.stderr
    assert json.loads(ok.stdout)["published"] == "2025-10-02T08:30:00+02:00"
    bad = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "extract", str(saved), "--url", URL, "--tz", "Berlin"],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
    )
    assert bad.returncode == exitcodes.USAGE
    assert bad.stderr.decode().splitlines() == [
        "newscrawl: error: --tz: 'Berlin' is not an IANA timezone name such as Europe/Berlin"
    ]


# --- the byline of a pravda long read -------------------------------------------------------------
def pravda_long_read(closing: str) -> str:
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": "Судова реформа: що далі",
        "datePublished": "2026-01-08T17:46:00+02:00",
        "author": [{"@type": "Person", "name": "Ярослав Кузишин"}, {"@type": "Person", "name": "Карина Гасимова"}],
    }
    return (
        f'<html lang="uk"><head><meta charset="utf-8">{ld(article)}</head><body>'
        '<article class="post_article"><h1 class="post_article_title">Судова реформа: що далі</h1>'
        '<div class="post_article_text"><p>Перший абзац статті про реформу судів і те, що буде далі з ними.</p>'
        "<p>Другий абзац пояснює, чому реформа Верховного Суду входить до переліку пріоритетів.</p>"
        f"{closing}</div></article></body></html>"
    )


@pytest.mark.parametrize(
    ("closing", "last_line"),
    [
        ("<p>\n\t <strong><em>Ярослав Кузишин, Карина Гасимова</em></strong></p>\n", None),
        ("<p><em>Карина Гасимова та Ярослав Кузишин</em></p>", None),
        # a closing paragraph that names someone else, or says more than the names, is article text
        ("<p><em>Ярослав Кузишин, Павло Вовк</em></p>", "Ярослав Кузишин, Павло Вовк"),
        (
            "<p>Ярослав Кузишин, Карина Гасимова, спеціально для УП</p>",
            "Ярослав Кузишин, Карина Гасимова, спеціально для УП",
        ),
    ],
)
def test_pravda_byline_at_the_end_is_not_repeated_in_the_text(closing: str, last_line: str | None) -> None:
    """The closing line that only names the article's authors is in ``authors``, not in ``text``."""
    record = extract(pravda_long_read(closing), "https://www.pravda.com.ua/articles/2026/01/08/8015225/", CRAWL)
    assert record["authors"] == ["Ярослав Кузишин", "Карина Гасимова"]
    lines = record["text"].split("\n")
    assert lines[:2] == [
        "Перший абзац статті про реформу судів і те, що буде далі з ними.",
        "Другий абзац пояснює, чому реформа Верховного Суду входить до переліку пріоритетів.",
    ]
    assert lines[2:] == ([last_line] if last_line else [])


# --- end to end: the generic spider drops the JavaScript shell, reads naive times in -a tz= ---------
def test_news_crawl_drops_a_javascript_shell_and_reads_naive_times_in_the_given_zone(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """A plain crawl drops a page whose body JavaScript inserts as ``missing_body`` and leaves it out of
    the archive and its index (so a later rendered crawl fetches it), and ``-a tz=`` places naive times."""
    host = "news.example.org"
    site = tmp_path / "mirror" / host
    (site / "news" / "shell").mkdir(parents=True)
    (site / "news" / "naive").mkdir(parents=True)
    (site / "index.html").write_text(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/feed.rss"></head><body></body></html>',
        encoding="utf-8",
    )
    (site / "feed.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Example</title>'
        f"<item><link>https://{host}/news/shell/</link></item><item><link>https://{host}/news/naive/</link></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    (site / "news" / "shell" / "index.html").write_text(JS_SHELL, encoding="utf-8")
    (site / "news" / "naive" / "index.html").write_text(
        page('<meta property="article:published_time" content="2025-10-02T08:30:00">'), encoding="utf-8"
    )
    mirror = serve_mirror(tmp_path / "mirror")
    out = tmp_path / "output"
    result = run_crawl("news", f"url=https://{host}/", "tz=Europe/Berlin", mirror=mirror.url, output=out, timeout=120)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    stats = stats_of(result.stderr)
    assert stats["newscrawl/dropped/missing_body"] == 1
    assert stats["newscrawl/clean_text/chrome_only"] == 1
    records = read_archive(out)
    assert [(r["key"], r["published"], r["text"]) for r in records] == [
        ("news_example_org:en:naive", "2025-10-02T08:30:00+02:00", f"{FIRST}\n{SECOND}\n{THIRD}")
    ]
    db = sqlite3.connect(out / ".newscrawl" / "index.sqlite")
    try:
        assert db.execute("SELECT key, url FROM articles").fetchall() == [
            ("news_example_org:en:naive", f"https://{host}/news/naive/")
        ]
    finally:
        db.close()


# --- what the quality benchmark found (benchmarks/extraction_quality.py) -------------------------
def test_inline_text_around_a_nested_block_is_kept() -> None:
    """trafilatura sometimes nests a heading or list in a paragraph: the paragraph's own text around it
    is kept as lines (a whole AEB page was lost to headings only)."""
    xml = (
        "<main><p>Review<head rend='h1'>The headline</head>Welcome to the review.<lb/>The leader goes on."
        "<list><item>one</item><item>two<list><item>two a</item></list></item></list>And the end.</p>"
        "<quote>Said <hi>in bold</hi>:<p>inner</p></quote></main>"
    )
    assert _lines(etree.fromstring(xml)) == [
        "Review",
        "The headline",
        "Welcome to the review. The leader goes on.",
        "one",
        "two",
        "two a",
        "And the end.",
        "Said in bold:",
        "inner",
    ]


def test_a_lone_non_breaking_space_between_tags_stays_a_blank() -> None:
    """A non-breaking space inside text is kept through trafilatura, but one alone between tags (a spacer)
    stays blank, so it cannot turn an empty element into text and change the page's structure."""
    html = '<span class="cfix">&nbsp;</span><p>10&nbsp;000 boats&#160;— <b>a</b>\xa0b</p><td> &nbsp; </td>'
    stand_in = "\u2e3a\u2423\u2e3a"
    assert _keep_nbsp(html) == (
        f'<span class="cfix">&nbsp;</span><p>10{stand_in}000 boats{stand_in}— <b>a</b>{stand_in}b</p><td> &nbsp; </td>'
    )


def test_an_unknown_sites_undeclared_legacy_charset_is_recognised() -> None:
    """A page of an unknown site that declares no charset and is not UTF-8 is read in the charset its
    bytes are in, not as UTF-8 with replacement characters."""
    text = (
        "Aus datenschutzrechtlichen Gründen wird in den Logfiles die IP-Adresse des Clients anonymisiert. "
        "Die Daten werden nach sieben Tagen gelöscht, außer wenn eine längere Aufbewahrung nötig ist."
    )
    html = page(article=f"<p>{text}</p><p>{SECOND}</p>").replace('<meta charset="utf-8">', "")
    record = extract(html.encode("latin-1"), URL, CRAWL)
    assert record["text"] == f"{text}\n{SECOND}"


def test_a_whole_pages_non_breaking_spaces_fold_into_blanks() -> None:
    """On a page of an unknown site (trafilatura reads the whole page) a non-breaking space becomes a
    blank; a site profile's article body keeps it (tests/test_golden.py)."""
    record = extract(page(article=f"<p>{FIRST}</p><p>Ferries run again from 10&nbsp;May.</p>"), URL, CRAWL)
    assert record["text"] == f"{FIRST}\nFerries run again from 10 May."


def test_unknown_sites_lose_bare_timestamps_and_reprint_buttons() -> None:
    """On an unknown site a line that is only a timestamp or a reprint/print button is no article text."""
    text = "\n".join(
        [FIRST, "2019-11-19T08:57:40+01:00", "Order Reprints", "Print Article", "2019-11-19", SECOND, "Print this article"]
    )
    kept, removed = strip_lines(text, GENERIC_BOILERPLATE)
    assert kept == f"{FIRST}\n2019-11-19\n{SECOND}"
    assert removed == [
        ("timestamp", "2019-11-19T08:57:40+01:00"),
        ("reprints", "Order Reprints"),
        ("reprints", "Print Article"),
        ("reprints", "Print this article"),
    ]
