"""End to end: ``scrapy crawl news -a url=…`` against a small site that has feeds and a sitemap named only in
robots.txt; then the sitemap watermark lets later runs skip the sitemaps that did not change."""

from __future__ import annotations

import gzip
import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from newscrawl import exitcodes
from tests.conftest import Mirror, read_archive, run_crawl
from tests.crawl_stats import stats_of

HOST = "news.example.org"
BASE = f"https://{HOST}"

# slug -> (title, metadata HTML for <head>/<article>, the published value expected in the record)
ARTICLES = {
    "a1": ("Council approves the harbour budget", "ld", "2026-01-19T11:30:00+02:00"),
    "a2": ("An old story from November", "og", "2025-11-01T12:00:00+02:00"),
    "a3": ("Tram line opens to the north", "og", "2026-01-15T09:00:00+02:00"),
    "a4": ("Library extends its hours", "time", "2026-01-20T14:45:00+02:00"),
    "a5": ("Winter market draws crowds", "ld", "2025-12-10T18:00:00+02:00"),
    "a6": ("Bridge repairs finished early", "og", "2025-12-01T10:00:00+02:00"),
    "a7": ("Snow closes the mountain road", "ld", "2026-01-21T08:00:00+02:00"),
    "a8": ("School choir wins the regional prize", "time", "2026-01-22T14:00:00+02:00"),
    "a9": ("New ferry timetable published", "og", "2026-01-25T07:15:00+02:00"),
}


def paragraphs(slug: str) -> list[str]:
    title = ARTICLES[slug][0]
    return [
        f"{title}: this is the first paragraph of the report, long enough to be an article's lead paragraph.",
        f"The second paragraph of {slug} gives the details that the readers of the local paper expect to read.",
        f"A third paragraph of {slug} quotes a resident, who said the change was welcome and overdue.",
    ]


def article_page(slug: str) -> str:
    title, kind, published = ARTICLES[slug]
    head = f'<meta property="og:title" content="{title}"><link rel="canonical" href="{BASE}/news/{slug}/">'
    inside = ""
    if kind == "ld":
        head += (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle", '
            f'"headline": "{title}", "datePublished": "{published}", '
            '"author": [{"@type": "Person", "name": "Dana Reporter"}, {"@type": "Organization", "name": "Paper"}]}'
            "</script>"
        )
    elif kind == "og":
        head += f'<meta property="article:published_time" content="{published}">'
    else:
        inside = f'<time datetime="{published}">{published[:10]}</time>'
    body = "".join(f"<p>{p}</p>" for p in paragraphs(slug))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Example News</title>{head}'
        '</head><body><header><nav><a href="/">Home</a> <a href="/about/">About us</a></nav></header>'
        f"<main><article><h1>{title}</h1>{inside}{body}</article></main>"
        "<footer><p>Copyright Example News. All rights reserved.</p></footer></body></html>"
    )


def urlset(entries: list[tuple[str, str]]) -> str:
    urls = "".join(f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod></url>" for loc, lastmod in entries)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'


def index(entries: list[tuple[str, str]]) -> str:
    maps = "".join(f"<sitemap><loc>{loc}</loc><lastmod>{lastmod}</lastmod></sitemap>" for loc, lastmod in entries)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'
    )


INDEX_ENTRIES = [
    (f"{BASE}/maps/posts-2026-01.xml", "2026-01-20T10:00:00+00:00"),
    (f"{BASE}/maps/posts-2025-12.xml.gz", "2025-12-31T23:00:00+00:00"),
    (f"{BASE}/maps/news.xml", "2026-01-21T06:00:00+00:00"),
    (f"{BASE}/maps/posts-2025-10.xml", "2025-10-31T10:00:00+00:00"),  # before since: never read
    ("https://cdn.example.net/maps/extra.xml", "2026-01-21T06:00:00+00:00"),  # another host
]


def build_site(root: Path) -> None:
    site = root / HOST
    (site / "maps").mkdir(parents=True)
    (site / "feeds").mkdir()
    (site / "index.html").write_text(
        '<html lang="en"><head><title>Example News</title>'
        '<link rel="alternate" type="application/rss+xml" title="All news" href="/feeds/all.rss">'
        f'<link rel="alternate" type="application/atom+xml" href="{BASE}/feeds/atom.xml">'
        '<link rel="alternate" type="application/rss+xml" href="https://partner.example.com/rss">'
        '<link rel="alternate" hreflang="de" href="/de/">'
        '</head><body><h1>Example News</h1><a href="/news/a9/">not in any feed: never requested</a></body></html>',
        encoding="utf-8",
    )
    (site / "robots.txt").write_text(f"User-agent: *\nAllow: /\n\nSitemap: {BASE}/maps/index.xml\n", encoding="utf-8")
    (site / "feeds" / "all.rss").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title>'
        f"<item><title>a1</title><link>{BASE}/news/a1/</link><pubDate>Mon, 19 Jan 2026 09:30:00 +0000</pubDate></item>"
        f"<item><title>a2</title><link>{BASE}/news/a2/</link><pubDate>Sat, 01 Nov 2025 10:00:00 +0000</pubDate></item>"
        f"<item><title>a3</title><link>{BASE}/news/a3/?utm_source=rss</link>"
        "<pubDate>Thu, 15 Jan 2026 07:00:00 +0000</pubDate></item>"
        "<item><title>away</title><link>https://other.example.com/story/1/</link>"
        "<pubDate>Thu, 15 Jan 2026 07:00:00 +0000</pubDate></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    (site / "feeds" / "atom.xml").write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Example</title>'
        f'<entry><title>a8</title><link rel="alternate" href="{BASE}/news/a8/"/>'
        "<published>2026-01-22T12:00:00Z</published><updated>2026-01-22T12:00:00Z</updated></entry></feed>",
        encoding="utf-8",
    )
    (site / "maps" / "index.xml").write_text(index(INDEX_ENTRIES), encoding="utf-8")
    (site / "maps" / "posts-2026-01.xml").write_text(
        urlset(
            [
                (f"{BASE}/news/a3/", "2026-01-15T07:00:00+00:00"),
                (f"{BASE}/news/a4/", "2026-01-20T10:00:00+00:00"),
                ("https://other.example.com/story/2/", "2026-01-20T10:00:00+00:00"),
            ]
        ),
        encoding="utf-8",
    )
    (site / "maps" / "posts-2025-12.xml.gz").write_bytes(
        gzip.compress(
            urlset(
                [(f"{BASE}/news/a5/", "2025-12-10T16:00:00+00:00"), (f"{BASE}/news/a6/", "2025-12-01T08:00:00+00:00")]
            ).encode()
        )
    )
    (site / "maps" / "posts-2025-10.xml").write_text(urlset([(f"{BASE}/news/a2/", "2025-10-31T10:00:00+00:00")]))
    (site / "maps" / "news.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
        f"<url><loc>{BASE}/news/a7/</loc><news:news><news:publication><news:name>Example</news:name>"
        "<news:language>en</news:language></news:publication>"
        "<news:publication_date>2026-01-21T08:00:00+02:00</news:publication_date>"
        "<news:title>a7</news:title></news:news></url></urlset>",
        encoding="utf-8",
    )
    for slug in ARTICLES:
        (site / "news" / slug).mkdir(parents=True)
        (site / "news" / slug / "index.html").write_text(article_page(slug), encoding="utf-8")


def crawl(mirror: Mirror, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_crawl("news", f"url={BASE}/", *args, mirror=mirror.url, output=out, timeout=120)
    assert isinstance(result, subprocess.CompletedProcess)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def test_news_spider_feeds_robots_sitemaps_since_and_watermark(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    root = tmp_path / "mirror"
    build_site(root)
    mirror = serve_mirror(root)
    out = tmp_path / "output"

    first = crawl(mirror, out, "since=2025-12-05")
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    records = read_archive(out)
    # a2 (feed, November) and a6 (sitemap, 1 December) are before since; a9 is in no feed or sitemap
    assert sorted(r["url"] for r in records) == [f"{BASE}/news/{s}/" for s in ("a1", "a3", "a4", "a5", "a7", "a8")]
    for record in records:
        slug = record["url"].rstrip("/").rsplit("/", 1)[-1]
        title, kind, published = ARTICLES[slug]
        assert record["site"] == "news_example_org"
        assert record["key"] == f"news_example_org:en:{slug}"
        assert record["title"] == title
        assert record["published"] == published
        assert record["authors"] == (["Dana Reporter"] if kind == "ld" else [])
        assert record["text"].split("\n") == paragraphs(slug)  # no nav, footer or repeated headline
        assert record["fallbacks"] == (["body/whole_page"] if kind == "ld" else ["title/meta", "body/whole_page"])
        assert record["parser"] == "generic/1.0"
    assert list(out.glob("news_example_org/*/*.jsonl"))
    requested = mirror.requested()
    assert all(p.startswith(f"/{HOST}/") for p in requested), requested
    assert f"/{HOST}/sitemap.xml" in requested  # tried, 404: the sitemap is named only in robots.txt
    assert f"/{HOST}/maps/posts-2025-10.xml" not in requested
    assert f"/{HOST}/news/a2/" not in requested and f"/{HOST}/news/a6/" not in requested
    assert f"/{HOST}/news/a9/" not in requested
    assert sum(p.startswith(f"/{HOST}/news/a3/") for p in requested) == 1  # feed and sitemap: one request
    stats = stats_of(first.stderr)
    assert stats["newscrawl/quality/news_example_org/verdict"] == "too_few"
    assert stats["newscrawl/quality/news_example_org/records"] == 6
    assert stats["newscrawl/sitemap/before_since"] == 1
    # the index's child on cdn.example.net and the sitemap entry on other.example.com
    assert stats["newscrawl/discovery/offsite/sitemap"] == 2
    marks = json.loads((out / ".newscrawl" / "news_example_org.sitemaps.json").read_text("utf-8"))
    assert marks[f"{BASE}/maps/posts-2026-01.xml"] == {
        "lastmod": "2026-01-20T12:00:00+02:00",
        "since": "2025-12-05",
        "until": None,
        "langs": ["*"],
    }
    assert sorted(marks) == [f"{BASE}/maps/{name}" for name in ("news.xml", "posts-2025-12.xml.gz", "posts-2026-01.xml")]

    # Nothing changed: the index is read, no child sitemap is downloaded again.
    before = len(requested)
    second = crawl(mirror, out, "since=2025-12-05")
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    again = mirror.requested()[before:]
    assert [p for p in again if "/maps/" in p] == [f"/{HOST}/maps/index.xml"]
    assert stats_of(second.stderr)["newscrawl/sitemap/unchanged"] == 3
    assert len(read_archive(out)) == 6

    # One sitemap changed (a new article): only it is read, and only its new entry requested.
    entries = [(loc, "2026-01-25T06:00:00+00:00" if "2026-01" in loc else mod) for loc, mod in INDEX_ENTRIES]
    (root / HOST / "maps" / "index.xml").write_text(index(entries), encoding="utf-8")
    (root / HOST / "maps" / "posts-2026-01.xml").write_text(
        urlset(
            [
                (f"{BASE}/news/a3/", "2026-01-15T07:00:00+00:00"),
                (f"{BASE}/news/a4/", "2026-01-20T10:00:00+00:00"),
                (f"{BASE}/news/a9/", "2026-01-25T05:15:00+00:00"),
            ]
        ),
        encoding="utf-8",
    )
    before = len(mirror.requested())
    third = crawl(mirror, out, "since=2025-12-05")
    assert third.returncode == exitcodes.OK, third.stderr[-3000:]
    again = mirror.requested()[before:]
    assert [p for p in again if "/maps/" in p] == [f"/{HOST}/maps/index.xml", f"/{HOST}/maps/posts-2026-01.xml"]
    assert f"/{HOST}/news/a9/" in again and f"/{HOST}/news/a4/" not in again
    assert stats_of(third.stderr)["newscrawl/sitemap/entries_unchanged"] == 2
    assert sorted(r["url"] for r in read_archive(out))[-1] == f"{BASE}/news/a9/"
    assert len(read_archive(out)) == 7


def test_news_spider_arguments(tmp_path: Path) -> None:
    missing = run_crawl("news", output=tmp_path / "out", timeout=60)
    assert isinstance(missing, subprocess.CompletedProcess)
    assert missing.returncode == exitcodes.USAGE
    assert "argument url" in missing.stderr
    bad = run_crawl("news", "url=https://example.org/", "since=yesterday", output=tmp_path / "out", timeout=60)
    assert isinstance(bad, subprocess.CompletedProcess)
    assert bad.returncode == exitcodes.USAGE
    assert "argument since" in bad.stderr
