"""Long rendered crawls stay bounded: the driver and browser are restarted, and the whole stack is guarded.

Real ``scrapy crawl`` runs against a mirror on 127.0.0.1 and Debian's Chromium; the pages build their body
in the browser (tests/render_mirror.py), so every archived record was rendered.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import psutil
import pytest

from newscrawl.memory import stack_memory
from newscrawl.render.browser import system_chromium
from tests.conftest import read_archive, run_crawl
from tests.crawl_stats import stats_of
from tests.render_mirror import HOST, Article, write_site

CHROMIUM = system_chromium()
chromium_only = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")

SETTINGS = {
    "NEWSCRAWL_CHROMIUM": CHROMIUM or "",
    "NEWSCRAWL_RENDER_TIMEOUT": "60",  # generous: a busy CI machine renders slowly, and nothing here hangs
    "RETRY_TIMES": "0",
    "NEWSCRAWL_NOT_ARTICLE_BACKOFF": "0",
}


# A paragraph of a news article's length: short bodies would trip the drift guard (exit 5).
FILLER = (
    "Міністри закордонних справ країн Європейського Союзу обговорили подальшу підтримку України, "
    "нові санкції проти Росії та кроки до вступу України до ЄС, повідомляє джерело."
)


def js_articles(n: int, first: int = 7180000) -> list[Article]:
    return [
        Article(first + i, f"Новина {i}", [f"Абзац {j} новини {i}. {FILLER}" for j in range(3)], js_body=True)
        for i in range(n)
    ]


def served_articles(requested: list[str], articles: list[Article]) -> Counter[str]:
    paths = {f"/{HOST}{a.path}" for a in articles}
    return Counter(line.split("?", 1)[0] for line in requested if line.split("?", 1)[0] in paths)


@pytest.mark.e2e
@chromium_only
def test_restart_every_n_pages_loses_and_repeats_nothing(tmp_path: Path, serve_mirror) -> None:
    """A fresh driver and browser every 10 pages: 33 pages, 3 restarts, each page rendered and archived once."""
    articles = js_articles(30)
    write_site(tmp_path / "mirror", articles)
    mirror = serve_mirror(tmp_path / "mirror")
    settings = {**SETTINGS, "NEWSCRAWL_RENDER_RESTART_PAGES": "10", "CONCURRENT_REQUESTS": "1"}
    result = run_crawl(
        "eurointegration", "lang=uk", "render=js", mirror=mirror.url, output=tmp_path / "out", settings=settings
    )
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = stats_of(result.stderr)
    # the homepage, the two listings (404 here, rendered all the same) and the 30 articles, one at a time
    assert stats["newscrawl/render/pages"] == 33
    assert stats["newscrawl/render/restarts/pages"] == 3  # after pages 10, 20 and 30
    assert stats["newscrawl/render/playwright_started"] == 4
    records = read_archive(tmp_path / "out")
    assert sorted(r["url"] for r in records) == sorted(a.url for a in articles)
    assert {r["url"]: r["text"] for r in records} == {a.url: a.text for a in articles}
    assert served_articles(mirror.requested(), articles) == Counter({f"/{HOST}{a.path}": 1 for a in articles})


@pytest.mark.e2e
@chromium_only
def test_restarts_under_concurrency_wait_for_the_pages_in_flight(tmp_path: Path, serve_mirror) -> None:
    """Four pages at a time and a restart every 7: the pages in flight finish first, none is lost or repeated."""
    articles = js_articles(40, first=7181000)
    write_site(tmp_path / "mirror", articles)
    mirror = serve_mirror(tmp_path / "mirror")
    settings = {**SETTINGS, "NEWSCRAWL_RENDER_RESTART_PAGES": "7", "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": "4"}
    result = run_crawl(
        "eurointegration", "lang=uk", "render=js", mirror=mirror.url, output=tmp_path / "out", settings=settings
    )
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = stats_of(result.stderr)
    restarts = stats["newscrawl/render/restarts/pages"]
    # 43 pages; a stack renders 7, plus at most the 3 others in flight when the 7th ends: 7 to 10 a stack
    assert 4 <= restarts <= 6
    assert stats["newscrawl/render/playwright_started"] == restarts + 1
    assert "newscrawl/render/timeout" not in stats
    records = read_archive(tmp_path / "out")
    assert {r["url"]: r["text"] for r in records} == {a.url: a.text for a in articles}
    assert served_articles(mirror.requested(), articles) == Counter({f"/{HOST}{a.path}": 1 for a in articles})


@pytest.mark.e2e
@chromium_only
def test_driver_over_its_size_is_restarted(tmp_path: Path, serve_mirror) -> None:
    """A driver past NEWSCRAWL_RENDER_DRIVER_MAX_MB is replaced after its 25th page, counted by that reason."""
    articles = js_articles(30, first=7182000)
    write_site(tmp_path / "mirror", articles)
    mirror = serve_mirror(tmp_path / "mirror")
    settings = {**SETTINGS, "NEWSCRAWL_RENDER_DRIVER_MAX_MB": "1", "CONCURRENT_REQUESTS": "1"}
    result = run_crawl(
        "eurointegration", "lang=uk", "render=js", mirror=mirror.url, output=tmp_path / "out", settings=settings
    )
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = stats_of(result.stderr)
    assert stats["newscrawl/render/restarts/driver_size"] == 1  # checked every 25 pages; 33 rendered
    assert "newscrawl/render/restarts/pages" not in stats
    assert "the Playwright driver uses " in result.stderr
    assert len(read_archive(tmp_path / "out")) == 30


@pytest.mark.e2e
@chromium_only
def test_stack_over_the_memory_limit_closes_the_crawl(tmp_path: Path, serve_mirror) -> None:
    """Crawl, driver and browser together past NEWSCRAWL_MEMORY_LIMIT_MB: the crawl closes, exit 1, nothing torn.

    The limit is above what the crawl process needs alone, so only the browser stack can pass it.
    """
    articles = js_articles(200, first=7183000)
    write_site(tmp_path / "mirror", articles)
    mirror = serve_mirror(tmp_path / "mirror")
    settings = {**SETTINGS, "NEWSCRAWL_MEMORY_LIMIT_MB": "300", "MEMUSAGE_CHECK_INTERVAL_SECONDS": "0.5"}
    result = run_crawl(
        "eurointegration", "lang=uk", "render=js", mirror=mirror.url, output=tmp_path / "out", settings=settings
    )
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 1, result.stderr[-3000:]
    stats = stats_of(result.stderr)
    assert stats["finish_reason"] == "stack_memory_exceeded"
    assert stats["newscrawl/memory/browser_max_mb"] > 0
    assert stats["newscrawl/memory/crawl_max_mb"] < 300
    assert "over NEWSCRAWL_MEMORY_LIMIT_MB=300: closing the crawl" in result.stderr
    records = read_archive(tmp_path / "out")  # every line whole and valid
    assert len(records) < len(articles)
    assert len({r["url"] for r in records}) == len(records)
    assert {r["url"]: r["text"] for r in records}.items() <= {a.url: a.text for a in articles}.items()


@pytest.mark.e2e
def test_plain_crawl_stays_under_the_default_limit_and_records_its_footprint(tmp_path: Path, serve_mirror) -> None:
    """Without rendering the guard sees the crawl process alone, far below the default limit."""
    articles = [Article(7184000 + i, f"Новина {i}", ["Абзац один.", "Абзац два."]) for i in range(3)]
    write_site(tmp_path / "mirror", articles)
    mirror = serve_mirror(tmp_path / "mirror")
    result = run_crawl("eurointegration", "lang=uk", mirror=mirror.url, output=tmp_path / "out")
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 0, result.stderr[-3000:]
    stats = stats_of(result.stderr)
    assert 0 < stats["newscrawl/memory/stack_max_mb"] < 4096
    assert "newscrawl/memory/browser_max_mb" not in stats
    assert len(read_archive(tmp_path / "out")) == 3


def test_stack_memory_counts_the_children() -> None:
    """A child process holding 200 MiB is counted with the crawl's footprint."""
    hold = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096]); print('ready', flush=True); input()"
    child = subprocess.Popen([sys.executable, "-c", hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"  # the memory is touched: waits for the event, not a time
        usage = stack_memory(psutil.Process())
        assert usage["other"] >= 200 * 2**20
        assert usage["crawl"] > 0
        assert usage["driver"] == usage["browser"] == 0
    finally:
        child.kill()
        child.wait(timeout=30)
