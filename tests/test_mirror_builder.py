"""Invariants of the HAND-WRITTEN eurointegration site mirror (newscrawl/samples/eurointegration.py).

These check the test data itself, not newscrawl: every expected article exists on disk
with its canonical link and charset, every one is reachable from a discovery source, no
internal article link dangles, and the expected text really is in the page.
"""

from __future__ import annotations

import gzip
import html
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from newscrawl.samples import eurointegration_pages as pages
from newscrawl.samples.eurointegration import HOST, build_mirror, file_for

ARTICLE_PATH = re.compile(r"^/(?:(?:rus|eng)/)?(?:news|articles|experts|interview|columns)/\d{4}/\d{1,2}/\d{1,2}/\d+/$")
LINK = re.compile(r"""(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))|<(?:loc|link)>([^<]+)</(?:loc|link)>""")
SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "eurointegration_rus_2023_05_10_japan_nato_office.txt"
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "sites" / "eurointegration"
BOILERPLATE = (
    "Ctrl+Enter", "Ctrl + Enter", "Реклама", "РЕКЛАМА", "Читайте також", "Читайте также", "Підписуйся",
    "Follow European Pravda", "Support UP",
)


@pytest.fixture(scope="module")
def mirror(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    root = tmp_path_factory.mktemp("mirror")
    return root, build_mirror(root)


def _url_of(root: Path, file: Path) -> str:
    rel = file.relative_to(root / HOST).as_posix()
    path = "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return f"https://{HOST}{path}"


def _read(file: Path) -> str:
    data = file.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if b"charset=windows-1251" in data[:1024]:
        return data.decode("windows-1251")
    return data.decode("utf-8")


def _links(root: Path, file: Path) -> list[str]:
    base = _url_of(root, file)
    text = _read(file)
    hrefs = (next(g for g in m.groups() if g is not None) for m in LINK.finditer(text))
    return [urljoin(base, html.unescape(href).strip()) for href in hrefs]


def _on_host(url: str) -> bool:
    return urlsplit(url).hostname in (HOST, "eurointegration.com.ua")


def canonical(url: str) -> str:
    """The site's canonical spelling: https, www, no query or fragment, unpadded day."""
    path = urlsplit(url).path
    path = re.sub(r"^(/(?:(?:rus|eng)/)?[a-z]+/\d{4}/\d{2}/)0(\d)/", r"\g<1>\2/", path)
    return f"https://{HOST}{path}"


def _sources(root: Path) -> list[Path]:
    site = root / HOST
    found = [site / p / "index.html" for p in ("rss", "rss/view_news", "rus/rss", "eng/rss")]
    found += sorted((site / "sitemap").iterdir())
    found += sorted(site.glob("**/news/date_*/index.html"))
    found += sorted(site.glob("**/page_*/index.html"))
    found += [site / p / "index.html" for p in ("news", "rus/news", "eng/news", "articles")]
    return found


def test_enough_unique_articles(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    _, expected = mirror
    assert len(expected) >= 32
    assert len({e["url"] for e in expected}) == len(expected)
    assert len({(e["lang"], e["article_id"]) for e in expected}) == len(expected)
    assert {e["lang"] for e in expected} == {"uk", "ru", "en"}
    assert {a.generation for a in pages.ARTICLES} == {"old", "post", "current"}
    assert {e["published"][:4] for e in expected} >= {"2016", "2017", "2019", "2023", "2025"}
    for e in expected:
        assert set(e) == {"url", "lang", "article_id", "title", "published", "text"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:00\+0[23]:00", e["published"])
        assert e["text"] and e["title"]
        assert not any(b in e["text"] for b in BOILERPLATE), e["url"]


def test_kyiv_offsets(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    published = {e["url"].split(HOST)[1]: e["published"] for e in mirror[1]}
    assert published["/rus/news/2023/05/10/7161964/"] == "2023-05-10T11:21:00+03:00"
    assert published["/news/2017/01/5/7059807/"] == "2017-01-05T14:05:00+02:00"
    assert published["/news/2024/03/30/7182000/"] == "2024-03-30T23:50:00+02:00"
    assert published["/news/2024/03/31/7182010/"] == "2024-03-31T10:00:00+03:00"
    assert published["/news/2025/10/20/7223500/"] == "2025-10-20T11:15:00+03:00"
    assert published["/news/2025/11/5/7224181/"] == "2025-11-05T14:30:00+02:00"


def test_every_expected_page_exists_with_its_canonical_link(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, expected = mirror
    for e in expected:
        file = file_for(root, urlsplit(e["url"]).path)
        assert file.is_file(), e["url"]
        text = _read(file)
        assert f'<link rel="canonical" href="{e["url"]}"' in text


def test_every_article_is_discoverable(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, expected = mirror
    linked = {canonical(u) for f in _sources(root) for u in _links(root, f) if _on_host(u)}
    missing = [e["url"] for e in expected if e["url"] not in linked]
    assert not missing


def test_url_variants_are_present(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, _ = mirror
    everything = "\n".join(_read(f) for f in (root / HOST).rglob("*") if f.is_file())
    assert "http://www.eurointegration.com.ua/news/" in everything
    assert "https://eurointegration.com.ua/" in everything
    assert "?utm_source=facebook&amp;utm_medium=social" in everything
    assert "?utm_source=rss" in everything
    assert "/#comments" in everything
    assert 'href="/news/2017/01/05/7059807/"' in everything
    assert (root / HOST / "news/2017/01/05/7059807/index.html").is_file()
    for sister in ("https://www.pravda.com.ua/news/", "https://epravda.com.ua/", "https://www.facebook.com/"):
        assert sister in everything


def test_no_dangling_internal_article_links(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, _ = mirror
    for file in (root / HOST).rglob("*"):
        if not file.is_file() or file.name == "robots.txt":
            continue
        for url in _links(root, file):
            path = urlsplit(url).path
            if _on_host(url) and ARTICLE_PATH.match(path):
                assert file_for(root, path).is_file(), (file, url)


def test_charsets_of_both_generations(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, _ = mirror
    for a in pages.ARTICLES:
        data = file_for(root, a.path).read_bytes()
        if a.generation == "old":
            assert b'content="text/html; charset=windows-1251"' in data[:1024]
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
            assert a.title in data.decode("windows-1251")
        else:
            assert b'<meta charset="utf-8"' in data[:300]
            assert html.escape(a.title, quote=False).replace("\xa0", "&nbsp;") in data.decode("utf-8")


def test_expected_lines_are_in_the_page(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, expected = mirror
    for e in expected:
        raw = _read(file_for(root, urlsplit(e["url"]).path))
        body = re.sub(r"<script.*?</script>", " ", raw, flags=re.S)
        text = re.sub(r"[ \t\r\n\f]+", " ", html.unescape(re.sub(r"<[^>]+>", "", body)))
        for line in e["text"].split("\n"):
            assert line in text, (e["url"], line)


def test_sitemaps_and_feeds(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    root, _ = mirror
    site = root / HOST
    assert "Sitemap: https://www.eurointegration.com.ua/sitemap/sitemap.xml" in (site / "robots.txt").read_text()
    assert "sitemap-archive.xml" in (site / "sitemap/sitemap.xml").read_text()
    monthly = gzip.decompress((site / "sitemap/sitemap-2023-05.xml.gz").read_bytes()).decode()
    assert "<loc>https://www.eurointegration.com.ua/rus/news/2023/05/10/7161964/</loc>" in monthly
    assert "<lastmod>2023-05-10T11:21:00+03:00</lastmod>" in monthly
    assert 'hreflang="en" href="https://www.eurointegration.com.ua/eng/news/2023/05/10/7161964/"' in monthly
    feed = (site / "rss/index.html").read_text()
    assert feed.startswith("<?xml") and "<title></title>" in feed
    assert re.search(r"<pubDate>\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}</pubDate>", feed)


def test_seed_article_matches_the_seed_file(mirror: tuple[Path, list[dict[str, str]]]) -> None:
    if not SEED.is_file():
        pytest.skip("shared/seed is not beside the repository")
    lines = [line for line in SEED.read_text(encoding="utf-8").split("\n") if line.strip()]
    record = next(e for e in mirror[1] if e["url"].endswith("/rus/news/2023/05/10/7161964/"))
    assert record["title"] == lines[0]
    assert lines[1] == "Среда, 10 мая 2023, 11:21"
    assert record["text"] == "\n".join(lines[2:-2])


def test_golden_fixtures_are_rendered_by_the_same_templates() -> None:
    fixtures = [a for a in pages.ARTICLES if a.fixture]
    assert len(fixtures) >= 9
    for a in fixtures:
        page = FIXTURES / f"{a.fixture_stem}.html.gz"
        meta = FIXTURES / f"{a.fixture_stem}.meta.json"
        if not page.is_file():
            pytest.fail(f"run tests/fixtures/sites/eurointegration/make_handwritten.py ({page.name} is missing)")
        assert gzip.decompress(page.read_bytes()) == pages.render_article(a)
        info = json.loads(meta.read_text(encoding="utf-8"))
        assert info["url"] == a.url and info["real"] is False
        assert info["source"].startswith("hand-written from SITES.md")
