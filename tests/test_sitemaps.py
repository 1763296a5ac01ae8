"""Reading sitemaps with their dates (the real pravda ones too), and the watermark kept between runs."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from newscrawl.core.dates import parse_iso
from newscrawl.sitemaps import INDEX, URLSET, Scope, Watermarks, read_sitemap
from tests.conftest import FIXTURES

REAL = FIXTURES / "pravda"


def test_real_pravda_index() -> None:
    kind, entries = read_sitemap((REAL / "pravda_sitemap-archive.xml.gz").read_bytes())
    assert kind == INDEX
    assert len(entries) == 309
    assert entries[0].loc == "https://www.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz"
    assert entries[-1].loc == "https://www.pravda.com.ua/sitemap/sitemap-2000-04.xml.gz"
    assert all(e.lastmod is None for e in entries)  # pravda's index gives no lastmod


def test_real_pravda_monthly_sitemap_gzipped() -> None:
    kind, entries = read_sitemap((REAL / "pravda_sitemap-2025-12.xml.gz").read_bytes())
    assert kind == URLSET
    assert len(entries) == 486
    first = entries[0]
    assert first.loc == "https://www.pravda.com.ua/eng/news/2025/12/01/8009697/"
    assert first.lastmod is not None and first.lastmod.isoformat() == "2025-12-01T00:08:00+02:00"
    assert first.alternates == (
        "https://www.pravda.com.ua/rus/news/2025/12/01/8009697/",
        "https://www.pravda.com.ua/news/2025/12/01/8009697/",
    )


def test_news_sitemap_publication_date_and_image_locs() -> None:
    body = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" '
        b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"><url><loc> https://a.example/x/ </loc>'
        b"<image:image><image:loc>https://a.example/x.jpg</image:loc></image:image>"
        b"<news:news><news:publication_date>2026-01-21T08:00:00Z</news:publication_date></news:news></url></urlset>"
    )
    kind, (entry,) = read_sitemap(gzip.compress(body))
    assert kind == URLSET and entry.loc == "https://a.example/x/"
    assert entry.lastmod is None and entry.when == parse_iso("2026-01-21T10:00:00+02:00")


def test_garbage_is_no_sitemap() -> None:
    with pytest.raises(ValueError):
        read_sitemap(b"<html><body>Not found</body></html>")


def test_watermarks_survive_a_run_and_only_move_forward(tmp_path: Path) -> None:
    url = "https://a.example/map-1.xml"
    jan = datetime.fromisoformat("2026-01-20T12:00:00+02:00")
    marks = Watermarks.for_site(tmp_path, "a_example")
    assert not marks.unchanged(url, jan)
    marks.see(url, jan)
    marks.see(url, datetime.fromisoformat("2026-01-10T12:00:00+02:00"))
    assert marks.save() == 1
    assert json.loads((tmp_path / ".newscrawl" / "a_example.sitemaps.json").read_text("utf-8")) == {
        url: {"lastmod": "2026-01-20T12:00:00+02:00", "since": None, "until": None, "langs": ["*"]}
    }
    again = Watermarks.for_site(tmp_path, "a_example")
    assert again.unchanged(url, jan) and again.unchanged(url, datetime.fromisoformat("2026-01-20T10:00:00Z"))
    assert not again.unchanged(url, datetime.fromisoformat("2026-01-21T00:00:00+02:00"))
    assert not again.unchanged(url, None)  # no lastmod in the index: the sitemap must be read
    again.see(url, datetime.fromisoformat("2025-12-01T00:00:00+02:00"))
    assert again.save() == 0
    assert again.previous(url) == jan


def test_a_mark_holds_only_within_the_scope_of_the_run_that_set_it(tmp_path: Path) -> None:
    url = "https://www.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz"
    dec = datetime.fromisoformat("2025-12-31T23:00:00+02:00")
    narrow = Scope(date(2025, 12, 1), date(2025, 12, 1), frozenset({"ru"}))
    first = Watermarks.for_site(tmp_path, "pravda", narrow)
    first.see(url, dec)
    first.save()
    assert Watermarks.for_site(tmp_path, "pravda", narrow).unchanged(url, dec)
    # a run that follows more (another day, another language, no window) must read the sitemap again
    for wider in (
        Scope(date(2025, 11, 30), date(2025, 12, 1), frozenset({"ru"})),
        Scope(date(2025, 12, 1), date(2025, 12, 2), frozenset({"ru"})),
        Scope(date(2025, 12, 1), date(2025, 12, 1), frozenset({"ru", "uk"})),
        Scope(),
    ):
        assert Watermarks.for_site(tmp_path, "pravda", wider).previous(url) is None, wider
    assert Scope(date(2025, 12, 5), None, frozenset({"*"})).within(Scope(date(2025, 12, 1)))
    assert not Scope(None).within(Scope(date(2025, 12, 1)))
