"""A static mirror of www.pravda.com.ua built from the site's REAL sitemaps, for end-to-end crawl tests.

``tests/fixtures/pravda/`` holds the real sitemap index (309 monthly sitemaps, back to 2000) and the real
December 2025 monthly sitemap (shared/sites/pravda_sitemap-*.xml.gz). The mirror serves the real index
with one sister-site sitemap added, and the monthly sitemap cut to its first ``SUBSET`` entries with
sister-site entries added (eurointegration, epravda, life.pravda.com.ua: never to be requested). The
article pages are GENERATED (current platform layout, with the ads, comment rules and "Матеріали за
темою" block the real pages have) for every pravda URL the kept entries name, their ``xhtml:link``
alternates included. ``layout="changed"`` renders the same articles in a made-up new layout without
JSON-LD or the platform's classes, as a redesign would; ``challenge`` names article URLs that answer 200
with a bot-challenge page instead.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from newscrawl.core.dates import parse_iso, to_iso
from newscrawl.core.sites import get_site

REAL = Path(__file__).resolve().parent / "fixtures" / "pravda"
SUBSET = 24  # <url> entries of the real monthly sitemap kept (8 articles in 3 languages)
SITE = get_site("pravda")
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}

SISTER_ARTICLES = (
    "https://www.eurointegration.com.ua/news/2025/12/01/7225001/",
    "https://epravda.com.ua/finances/yak-zminyatsya-podatki-813999/",
    "https://life.pravda.com.ua/society/2025/12/01/300001/",
    "https://www.pravda.com.ua.evil.example/news/2025/12/01/8009697/",
)
SISTER_SITEMAP = "https://life.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz"

WORDS = {
    "uk": ("Новина", "Перший абзац повідомлення", "Другий абзац з подробицями", "Третій абзац", "пункт"),
    "ru": ("Новость", "Первый абзац сообщения", "Второй абзац с подробностями", "Третий абзац", "пункт"),
    "en": ("News", "The first paragraph of the report", "The second paragraph with details", "The third one", "item"),
}
MONTH = {"uk": "грудня", "ru": "декабря", "en": "December"}
AD = '<div class="advtext_mob">Реклама:</div><div class="nts-ad nts-ad-h280"><div class="UPR_ITA"></div></div>'
COMMENT_RULES = {
    "uk": "Шановні читачі, просимо дотримуватись Правил коментування",
    "ru": "Уважаемые читатели, просим соблюдать Правила комментирования",
    "en": "Dear readers, please follow the commenting rules",
}


def title_of(lang: str, article_id: str) -> str:
    return f"{WORDS[lang][0]} {article_id}: тестова подія дня" if lang == "uk" else f"{WORDS[lang][0]} {article_id}"


def body_lines(lang: str, article_id: str) -> list[str]:
    w = WORDS[lang]
    filler = " — " + "текст " * 12 if lang != "en" else " — " + "text " * 12
    return [
        f"{w[1]} {article_id}{filler.rstrip()}.",
        f"{w[2]} {article_id}{filler.rstrip()}.",
        f"{w[4]} 1 {article_id}",
        f"{w[4]} 2 {article_id}",
        f"{w[3]} {article_id}{filler.rstrip()}.",
    ]


def current_page(url: str, lang: str, article_id: str, published: datetime, alternates: dict[str, str]) -> str:
    title = title_of(lang, article_id)
    lines = body_lines(lang, article_id)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": to_iso(published),
        "dateModified": to_iso(published),
        "author": {"@type": "Person", "name": "Олена Тест"},
    }
    hreflang = "".join(f'<link rel="alternate" hreflang="{k}" href="{v}">' for k, v in alternates.items())
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{url}">{hreflang}'
        f'<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script></head><body>'
        '<header><nav><a href="https://www.pravda.com.ua/">УП</a> '
        '<a href="https://www.eurointegration.com.ua/">ЄП</a></nav></header>'
        '<article class="post_news"><header class="post_news_header">'
        f'<h1 class="post_news_title">{title}</h1><div class="post_news_date"><span class="post_news_author">'
        f'<a href="/authors/1/">Олена Тест</a></span> — {published.day} {MONTH[lang]}, {published:%H:%M}</div>'
        '</header><div class="post_news_body"><div class="post_news_text">'
        f"<p>{lines[0]}</p>{AD}<p>{lines[1]}</p><ul><li>{lines[2]}</li><li>{lines[3]}</li></ul><p>{lines[4]}</p>"
        '</div><div class="post_news_tags"><a href="/tags/test/">тест</a></div>'
        f'<div class="advtext1">{COMMENT_RULES[lang]}</div></div></article>'
        '<aside class="section_other_news"><h3><span>Матеріали за темою</span></h3>'
        '<a href="https://www.pravda.com.ua/news/2025/11/30/8009600/">Інша новина</a></aside>'
        "</body></html>"
    )


def changed_page(url: str, lang: str, article_id: str, published: datetime, alternates: dict[str, str]) -> str:
    """The same article after a made-up redesign: new classes, no JSON-LD, the date only as text."""
    title = title_of(lang, article_id)
    lines = body_lines(lang, article_id)
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:title" content="{title}"></head><body><div class="page">'
        '<nav><a href="https://www.pravda.com.ua/">УП</a></nav><main class="story">'
        f'<h1 class="story-headline">{title}</h1><div class="story-byline">Олена Тест</div>'
        '<div class="story-content">'
        f"<p>{lines[0]}</p><p>{lines[1]}</p><ul><li>{lines[2]}</li><li>{lines[3]}</li></ul><p>{lines[4]}</p>"
        "</div></main></div></body></html>"
    )


CHALLENGE_PAGE = (
    "<!doctype html><html><head><title>Just a moment...</title></head><body>"
    '<div id="cf-browser-verification">Checking your browser before accessing the site.</div>'
    '<script src="/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1"></script></body></html>'
)


def _write(root: Path, url: str, data: bytes | str) -> None:
    parts = urlsplit(url)
    target = root / parts.netloc / parts.path.lstrip("/")
    if parts.path.endswith("/"):
        target = target / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _monthly_subset() -> tuple[bytes, list[tuple[str, datetime, list[str]]]]:
    """The real monthly sitemap cut to SUBSET entries plus sister entries; (xml, [(loc, lastmod, alternates)])."""
    root = etree.fromstring(gzip.decompress((REAL / "pravda_sitemap-2025-12.xml.gz").read_bytes()))
    urls = root.findall("sm:url", NS)
    for extra in urls[SUBSET:]:
        root.remove(extra)
    kept = []
    for url in urls[:SUBSET]:
        loc = url.findtext("sm:loc", namespaces=NS).strip()
        lastmod = parse_iso(url.findtext("sm:lastmod", namespaces=NS))
        assert lastmod is not None
        alternates = [link.get("href") for link in url.findall("xhtml:link", NS)]
        kept.append((loc, lastmod, alternates))
    for sister in SISTER_ARTICLES:
        node = etree.SubElement(root, f"{{{NS['sm']}}}url")
        etree.SubElement(node, f"{{{NS['sm']}}}loc").text = sister
        etree.SubElement(node, f"{{{NS['sm']}}}lastmod").text = "2025-12-01T12:00:00+02:00"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8"), kept


def build_mirror(root: Path, layout: str = "current", challenge: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Write the mirror under ``root``; returns the records the archive must hold (url, key, title, ...)."""
    index = etree.fromstring(gzip.decompress((REAL / "pravda_sitemap-archive.xml.gz").read_bytes()))
    node = etree.SubElement(index, f"{{{NS['sm']}}}sitemap")
    etree.SubElement(node, f"{{{NS['sm']}}}loc").text = SISTER_SITEMAP
    _write(root, SITE.url("sitemap/sitemap-archive.xml"), etree.tostring(index, xml_declaration=True, encoding="UTF-8"))
    monthly, kept = _monthly_subset()
    _write(root, SITE.url("sitemap/sitemap-2025-12.xml.gz"), gzip.compress(monthly, mtime=0))

    published: dict[str, datetime] = {}
    urls: list[str] = []
    for loc, lastmod, alternates in kept:
        for url in (loc, *alternates):
            ref = SITE.article_ref(url)
            assert ref is not None, url
            published.setdefault(ref.article_id, lastmod)
            if url not in urls:
                urls.append(url)
    render = current_page if layout == "current" else changed_page
    expected = []
    for url in urls:
        ref = SITE.article_ref(url)
        assert ref is not None
        rest = urlsplit(ref.url).path.lstrip("/").removeprefix(SITE.languages[ref.lang])
        versions = {lang: SITE.url(prefix + rest) for lang, prefix in SITE.languages.items()}
        if url in challenge:
            _write(root, url, CHALLENGE_PAGE)
            continue
        when = published[ref.article_id]
        _write(root, url, render(url, ref.lang, ref.article_id, when, versions))
        expected.append(
            {
                "url": ref.url,
                "key": ref.key,
                "lang": ref.lang,
                "title": title_of(ref.lang, ref.article_id),
                "published": to_iso(when),
                "text": "\n".join(body_lines(ref.lang, ref.article_id)),
                "alternates": {k: v for k, v in versions.items() if k != ref.lang},
            }
        )
    for sister in SISTER_ARTICLES:  # served, so a crawler that followed them would archive them
        _write(root, sister, current_page(sister, "uk", "9999999", datetime.fromisoformat("2025-12-01T12:00+02:00"), {}))
    return expected
