"""End to end: ``scrapy crawl pravda`` over a mirror built from the site's real sitemaps (sitemap index →
monthly sitemap → articles), with sister-site entries that must be skipped, a page that answers 200 with a
bot challenge, and a second mirror whose pages changed layout: that run must exit non-zero and name the
figures that fell."""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from newscrawl import exitcodes
from tests.conftest import Mirror, read_archive, run_crawl
from tests.crawl_stats import stats_of
from tests.mirror_pravda import SISTER_ARTICLES, SISTER_SITEMAP, build_mirror

CHALLENGED = "https://www.pravda.com.ua/eng/news/2025/12/01/8009698/"
WINDOW = ("since=2025-12-01", "until=2025-12-01")
SETTINGS = {"NEWSCRAWL_NOT_ARTICLE_BACKOFF": "0.1"}


def crawl(mirror: Mirror, out: Path) -> subprocess.CompletedProcess[str]:
    result = run_crawl("pravda", *WINDOW, mirror=mirror.url, output=out, settings=SETTINGS, timeout=180)
    assert isinstance(result, subprocess.CompletedProcess)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def test_pravda_crawl_from_real_sitemaps(tmp_path: Path, serve_mirror: Callable[[Path], Mirror]) -> None:
    root = tmp_path / "mirror"
    expected = build_mirror(root, challenge=(CHALLENGED,))
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    result = crawl(mirror, out)
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]

    records = read_archive(out)
    assert len(expected) == 23  # 8 articles in uk, ru and en, one of them a challenge page
    assert sorted(r["key"] for r in records) == sorted(e["key"] for e in expected)
    got = {r["key"]: r for r in records}
    for e in expected:
        record = got[e["key"]]
        assert record["url"] == e["url"]
        assert record["title"] == e["title"]
        assert record["published"] == e["published"]
        assert record["text"] == e["text"]  # no ad label, no comment rules, no "Матеріали за темою"
        assert record["alternates"] == e["alternates"]
        assert record["authors"] == ["Олена Тест"] and record["tags"] == ["тест"]
        assert record["fallbacks"] == []
    assert Counter(r["lang"] for r in records) == {"uk": 8, "ru": 8, "en": 7}

    requested = mirror.requested()
    assert all(p.startswith("/www.pravda.com.ua/") for p in requested), [
        p for p in requested if not p.startswith("/www.pravda.com.ua/")
    ]
    sitemaps = sorted(p for p in requested if "/sitemap/" in p)
    assert sitemaps == [
        "/www.pravda.com.ua/sitemap/sitemap-2025-12.xml.gz",
        "/www.pravda.com.ua/sitemap/sitemap-archive.xml",
        "/www.pravda.com.ua/sitemap/sitemap-news.xml",
    ]
    for sister in (*SISTER_ARTICLES, SISTER_SITEMAP):
        assert not any(sister.split("//", 1)[1] in p for p in requested), sister
    # the challenge page: asked three times (two retries with backoff), counted, never archived
    assert requested.count("/www.pravda.com.ua/eng/news/2025/12/01/8009698/") == 3
    stats = stats_of(result.stderr)
    assert stats["newscrawl/not_article/seen/challenge"] == 3
    assert stats["newscrawl/not_article/retried/challenge"] == 2
    assert stats["newscrawl/not_article/gave_up/challenge"] == 1
    assert stats["newscrawl/dropped/challenge_page"] == 1
    assert "pages that were no article (answered 200): gave_up/challenge=1" in result.stderr
    assert stats["newscrawl/discovery/offsite/sitemap"] == 1
    # the drift guard judged the run and found it sound
    assert stats["newscrawl/quality/pravda/records"] == 23  # the challenge page is no article record
    assert stats["newscrawl/quality/pravda/verdict"] == "ok"
    assert stats["newscrawl/quality/pravda/fell"] == []
    assert stats["newscrawl/quality/pravda/body_share"] == 1.0
    assert stats["newscrawl/quality/pravda/whole_page_share"] == 0.0
    # a page given up as a challenge keeps the sitemap watermarks where they were: the next run retries it
    assert "newscrawl/sitemap/watermarks_moved" not in stats
    assert not (out / ".newscrawl" / "pravda.sitemaps.json").exists()

    # The challenge has passed: the next run archives that article, and only that one, and sets the marks.
    current = build_mirror(tmp_path / "again")
    page = next(p for p in (tmp_path / "again").rglob("index.html") if "/eng/news/2025/12/01/8009698/" in str(p))
    (root / page.relative_to(tmp_path / "again")).write_bytes(page.read_bytes())
    second = crawl(mirror, out)
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    assert sorted(r["key"] for r in read_archive(out)) == sorted(e["key"] for e in current)
    assert len(read_archive(out)) == 24
    assert stats_of(second.stderr)["newscrawl/sitemap/watermarks_moved"] == 1

    # Nothing changed since: the monthly sitemap is read, no article in it is requested again.
    before = len(mirror.requested())
    third = crawl(mirror, out)
    assert third.returncode == exitcodes.OK, third.stderr[-3000:]
    assert [p for p in mirror.requested()[before:] if "/2025/12/01/" in p] == []
    assert stats_of(third.stderr)["newscrawl/sitemap/entries_unchanged"] == 28  # 24 kept + 4 sister entries


def test_layout_drift_fails_the_run_and_names_the_figures(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    root = tmp_path / "mirror"
    build_mirror(root, layout="changed")
    mirror = serve_mirror(root)
    result = crawl(mirror, tmp_path / "output")
    assert result.returncode == exitcodes.DRIFT, result.stderr[-3000:]
    assert (
        "quality drift on pravda (24 records): date_share 0.00 < 0.90 (records with a publication date); "
        "whole_page_share 1.00 > 0.20 (records that needed the whole-page fallback)" in result.stderr
    )
    stats = stats_of(result.stderr)
    assert stats["newscrawl/quality/pravda/verdict"] == "drift"
    assert stats["newscrawl/quality/pravda/fell"] == ["date_share", "whole_page_share"]
    assert stats["newscrawl/quality/pravda/title_share"] == 1.0
    assert stats["newscrawl/exit_code"] == exitcodes.DRIFT
