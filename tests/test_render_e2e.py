"""Rendering end to end: real ``scrapy crawl`` runs against a mirror on 127.0.0.1 and a real Chromium.

The pages are hand-written (tests/render_mirror.py). Chromium is Debian's (``.ci/run`` installs it); the
tests are skipped only where no Chromium exists at all.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from newscrawl.render.browser import system_chromium
from newscrawl.samples.eurointegration import build_mirror
from tests.conftest import read_archive, run_crawl
from tests.crawl_stats import stats_of
from tests.render_mirror import HOST, RENDER_SCRIPT, Article, TrickServer, article_html, write_site

CHROMIUM = system_chromium()
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)"),
]

JS_ARTICLE = Article(
    7162001,
    "Японія відкриє перше в Азії представництво НАТО",
    [
        "Японія та НАТО домовилися відкрити в Токіо перше в Азії представництво Альянсу.",
        "Про це повідомило японське видання Nikkei з посиланням на джерела в уряді.",
        "Офіс має запрацювати наступного року.",
    ],
    js_body=True,
)
PLAIN_ARTICLE = Article(
    7162002,
    "Рада ЄС схвалила новий пакет допомоги",
    ["Рада ЄС схвалила новий пакет військової допомоги Україні.", "Рішення ухвалили одноголосно."],
)
HANGING_ARTICLE = Article(7162003, "Сторінка, що не відповідає", ["Цього тексту ніхто не побачить.", "І цього."])
CHALLENGED_ARTICLE = Article(
    7162010,
    "Єврокомісія оприлюднила звіт про розширення",
    ["Єврокомісія оприлюднила щорічний звіт про розширення.", "Україна отримала найвищу оцінку."],
)

RENDER_SETTINGS = {
    "NEWSCRAWL_CHROMIUM": CHROMIUM or "",
    # Short enough for the hanging page to cost seconds, long enough for a busy two-core CI machine.
    "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": "3000",
    "NEWSCRAWL_RENDER_TIMEOUT": "8",
    # The hanging page, downloaded plainly, fails fast.
    "DOWNLOAD_TIMEOUT": "3",
    "RETRY_TIMES": "0",
    # A challenge that is not rendered is retried plainly (newscrawl.not_article): without the wait here.
    "NEWSCRAWL_NOT_ARTICLE_BACKOFF": "0",
}


def ours(stats: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k.startswith(prefix)}


class ProcessWatch:
    """Samples the descendants of a process until it exits: every browser (and driver) it ever had."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.seen: dict[int, tuple[str, float]] = {}  # pid -> (name, create_time)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for child in self.root.children(recursive=True):
                    self.seen.setdefault(child.pid, (child.name(), child.create_time()))
            except psutil.Error:
                pass
            self._stop.wait(0.05)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def browsers(self) -> dict[int, tuple[str, float]]:
        return {pid: v for pid, v in self.seen.items() if "chrom" in v[0].lower()}

    def engines(self) -> dict[int, tuple[str, float]]:
        """Browsers and the Playwright driver (``node``) among the descendants seen."""
        return {pid: v for pid, v in self.seen.items() if any(n in v[0].lower() for n in ("chrom", "node", "playwright"))}

    def left_behind(self) -> list[tuple[int, str]]:
        """Descendants (browser, driver, helpers) still running: the same pid with the same start time."""
        alive = []
        for pid, (name, created) in self.seen.items():
            try:
                proc = psutil.Process(pid)
                if proc.create_time() == created and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append((pid, name))
            except psutil.NoSuchProcess:
                pass
        return alive


def watched_crawl(*args: str, mirror: str, output: Path, settings: dict[str, str]) -> tuple[str, ProcessWatch, int]:
    proc = run_crawl("eurointegration", *args, mirror=mirror, output=output, settings=settings, wait=False)
    assert isinstance(proc, subprocess.Popen)
    watch = ProcessWatch(proc.pid)
    try:
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
        watch.stop()
    return err, watch, proc.returncode


@pytest.fixture
def trick_server(tmp_path: Path) -> Iterator[TrickServer]:
    root = tmp_path / "mirror"
    write_site(root, [JS_ARTICLE, PLAIN_ARTICLE, HANGING_ARTICLE, CHALLENGED_ARTICLE])
    server = TrickServer(
        root,
        challenged={f"/{HOST}{CHALLENGED_ARTICLE.path}": article_html(CHALLENGED_ARTICLE)},
        hanging={f"/{HOST}{HANGING_ARTICLE.path}"},
    )
    yield server
    server.stop()


def test_plain_crawl_drops_the_js_page_and_starts_no_browser(tmp_path: Path, serve_mirror) -> None:
    root = tmp_path / "mirror"
    write_site(root, [JS_ARTICLE, PLAIN_ARTICLE])
    mirror = serve_mirror(root)
    err, watch, code = watched_crawl("lang=uk", mirror=mirror.url, output=tmp_path / "out", settings=RENDER_SETTINGS)
    assert code == 0, err[-3000:]
    stats = stats_of(err)
    assert stats["newscrawl/dropped/missing_body"] == 1
    assert "Dropped: no article body at " + JS_ARTICLE.url in err
    assert [r["url"] for r in read_archive(tmp_path / "out")] == [PLAIN_ARTICLE.url]
    # Nothing asked for rendering: no Playwright driver, no browser, not even for a moment.
    assert ours(stats, "newscrawl/render/") == {}
    assert ours(stats, "playwright/") == {}
    # (Scrapy's start-up banner runs ``uname -p`` through platform.platform(): a child, but no engine.)
    assert watch.engines() == {}


def test_rendered_crawl_archives_the_js_page_and_drops_the_page_that_never_settles(
    tmp_path: Path, trick_server: TrickServer
) -> None:
    started = time.monotonic()
    err, watch, code = watched_crawl(
        "lang=uk", "render=js", mirror=trick_server.start(), output=tmp_path / "out", settings=RENDER_SETTINGS
    )
    assert code == 0, err[-3000:]
    records = {r["url"]: r for r in read_archive(tmp_path / "out")}
    assert sorted(records) == sorted([JS_ARTICLE.url, PLAIN_ARTICLE.url, CHALLENGED_ARTICLE.url])
    record = records[JS_ARTICLE.url]
    assert record["text"] == (
        "Японія та НАТО домовилися відкрити в Токіо перше в Азії представництво Альянсу.\n"
        "Про це повідомило японське видання Nikkei з посиланням на джерела в уряді.\n"
        "Офіс має запрацювати наступного року."
    )
    assert record["title"] == "Японія відкриє перше в Азії представництво НАТО"
    assert record["published"] == "2023-05-10T11:21:00+03:00"
    assert record["fallbacks"] == []
    assert records[PLAIN_ARTICLE.url]["text"] == PLAIN_ARTICLE.text

    stats = stats_of(err)
    # Rendered: homepage, /news/, /articles/ and the four articles; the hanging one twice (one retry).
    # Feeds, sitemaps and robots.txt are never rendered.
    assert stats["newscrawl/render/pages"] == 6
    assert stats["newscrawl/render/timeout"] == 2
    assert stats["retry/reason_count/newscrawl.render.errors.RenderTimeout"] == 1
    assert stats["newscrawl/render/dropped/timeout"] == 1
    assert stats["newscrawl/render/challenge_passed"] == 1
    assert "newscrawl/render/escalated" not in stats  # already rendered: nothing to escalate
    assert stats["playwright/browser_count"] == 1
    # Eight renderings on at most four pages (PLAYWRIGHT_MAX_PAGES_PER_CONTEXT), reused between requests;
    # the two that timed out were closed at once, the rest when the crawl closed the browser.
    assert stats["playwright/page_count"] <= 4
    assert stats["playwright/page_count"] + stats["newscrawl/render/pages_reused"] == 8
    assert stats["playwright/page_count/closed"] == 2
    assert stats["playwright/page_count/max_concurrent"] <= 4
    # The three article pages that loaded asked for a third-party script each: aborted. (Their images are
    # not even requested: Chromium runs with images off.)
    assert stats["playwright/request_count/aborted"] == 3
    served = [path for path, _cookie in trick_server.log]
    assert not [path for path in served if "counter.example.net" in path or path.endswith(".jpg")]
    assert served.count(f"/{HOST}/static/article.js") == 1  # the page's own script, through the mirror
    assert "rendering " + HANGING_ARTICLE.url + " failed after retries, dropped (timeout)" in err

    # The browser ran, and none of its processes outlived the crawl.
    assert watch.browsers(), "no Chromium process was seen during a rendered crawl"
    assert watch.left_behind() == []
    assert time.monotonic() - started < 60


def test_rendered_crawl_of_the_site_mirror_archives_the_same_text(tmp_path: Path, serve_mirror) -> None:
    """Rendering changes nothing on pages that need none: the hand-written site mirror, all three page
    generations (the old ones in windows-1251), archived exactly as the plain crawl's test expects."""
    expected = build_mirror(tmp_path / "mirror")
    mirror = serve_mirror(tmp_path / "mirror")
    settings = {**RENDER_SETTINGS, "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": "20000", "NEWSCRAWL_RENDER_TIMEOUT": "30"}
    err, watch, code = watched_crawl(
        "since=2016-12-01",
        "until=2025-12-31",
        "render=js",
        mirror=mirror.url,
        output=tmp_path / "out",
        settings=settings,
    )
    assert code == 0, err[-3000:]
    records = {r["url"]: r for r in read_archive(tmp_path / "out")}
    assert sorted(records) == sorted(e["url"] for e in expected)
    for e in expected:
        got = records[e["url"]]
        assert (got["title"], got["published"], got["text"]) == (e["title"], e["published"], e["text"]), e["url"]
    stats = stats_of(err)
    assert stats["newscrawl/render/pages"] >= len(expected)
    assert "newscrawl/render/timeout" not in stats
    assert watch.left_behind() == []


def test_challenge_page_passes_by_escalation(tmp_path: Path, trick_server: TrickServer) -> None:
    err, watch, code = watched_crawl(
        "lang=uk", mirror=trick_server.start(), output=tmp_path / "out", settings=RENDER_SETTINGS
    )
    assert code == 0, err[-3000:]
    records = {r["url"]: r for r in read_archive(tmp_path / "out")}
    assert records[CHALLENGED_ARTICLE.url]["text"] == (
        "Єврокомісія оприлюднила щорічний звіт про розширення.\nУкраїна отримала найвищу оцінку."
    )
    assert records[CHALLENGED_ARTICLE.url]["title"] == "Єврокомісія оприлюднила звіт про розширення"
    stats = stats_of(err)
    assert stats["newscrawl/render/escalated"] == 1
    assert stats["newscrawl/render/challenge_passed"] == 1
    assert stats["newscrawl/render/pages"] == 1
    assert "newscrawl/dropped/challenge_page" not in stats
    assert ours(stats, "newscrawl/not_article/") == {}  # escalated before any plain retry
    # The server saw: the plain download and the browser's first visit without the cookie, then the
    # browser's reload with the cookie its script had set.
    path = f"/{HOST}{CHALLENGED_ARTICLE.path}"
    assert [cookie for p, cookie in trick_server.log if p == path] == [False, False, True]
    assert watch.browsers()
    assert watch.left_behind() == []


def test_render_off_never_escalates(tmp_path: Path, trick_server: TrickServer) -> None:
    err, watch, code = watched_crawl(
        "lang=uk", "render=off", mirror=trick_server.start(), output=tmp_path / "out", settings=RENDER_SETTINGS
    )
    stats = stats_of(err)
    assert stats["newscrawl/dropped/challenge_page"] == 1
    assert stats["newscrawl/not_article/retried/challenge"] == 2  # waited out plainly instead, in vain
    path = f"/{HOST}{CHALLENGED_ARTICLE.path}"
    assert [cookie for p, cookie in trick_server.log if p == path] == [False, False, False]
    assert ours(stats, "newscrawl/render/") == {}
    assert watch.browsers() == {}
    assert CHALLENGED_ARTICLE.url not in {r["url"] for r in read_archive(tmp_path / "out")}
    del code


def test_unknown_render_value_is_a_usage_error(tmp_path: Path) -> None:
    result = run_crawl("eurointegration", "render=yes", output=tmp_path / "out", timeout=60)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == "newscrawl: error: eurointegration: argument render: 'yes' is not js or off (exit 2)"


def test_missing_chromium_is_a_usage_error(tmp_path: Path) -> None:
    result = run_crawl(
        "eurointegration",
        "render=js",
        output=tmp_path / "out",
        settings={"NEWSCRAWL_CHROMIUM": "/nonexistent/chromium"},
        timeout=60,
    )
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        "newscrawl: error: eurointegration: NEWSCRAWL_CHROMIUM: /nonexistent/chromium is not an executable file (exit 2)"
    )
    assert not (tmp_path / "out").exists()


def test_killed_crawl_leaves_no_browser(tmp_path: Path, serve_mirror) -> None:
    """Even ``kill -9`` of the crawl mid-render: Playwright's driver sees its pipe close and ends Chromium."""
    root = tmp_path / "mirror"
    write_site(
        root, [Article(7190000 + i, f"Новина {i}", ["Абзац один.", "Абзац два."], js_body=True) for i in range(40)]
    )
    mirror = serve_mirror(root)
    proc = run_crawl(
        "eurointegration",
        "lang=uk",
        "render=js",
        mirror=mirror.url,
        output=tmp_path / "out",
        settings=RENDER_SETTINGS,
        wait=False,
    )
    assert isinstance(proc, subprocess.Popen)
    watch = ProcessWatch(proc.pid)
    try:
        deadline = time.monotonic() + 60
        while not any("/news/2023/05/10/" in line for line in mirror.requested()) and time.monotonic() < deadline:
            time.sleep(0.1)  # until the browser is rendering articles
        time.sleep(0.3)
        assert watch.browsers(), "no Chromium process was seen"
        proc.kill()
        proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        watch.stop()
    deadline = time.monotonic() + 15
    while watch.left_behind() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert watch.left_behind() == []


NEWS_HOST = "news.example.org"
NEWS_PARAGRAPHS = [
    "The harbour council approved next year's budget on Tuesday after a debate that lasted four hours.",
    "Most of the new money goes to dredging the northern channel and to repairs of the old ferry pier.",
]


def write_news_site(root: Path) -> str:
    """A site without a profile whose only article builds its body in the browser; returns the article URL."""
    site = root / NEWS_HOST
    (site / "news" / "budget").mkdir(parents=True)
    (site / "static").mkdir()
    url = f"https://{NEWS_HOST}/news/budget/"
    (site / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example News</title>'
        '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body><h1>Example News</h1></body></html>',
        "utf-8",
    )
    (site / "rss.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Example News</title><item><title>Budget</title>'
        f"<link>{url}</link><pubDate>Tue, 20 Jan 2026 11:30:00 +0200</pubDate></item></channel></rss>",
        "utf-8",
    )
    data = json.dumps({"paragraphs": NEWS_PARAGRAPHS})
    (site / "news" / "budget" / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Council approves the harbour budget</title>'
        '<meta property="og:title" content="Council approves the harbour budget">'
        '<meta property="article:published_time" content="2026-01-20T11:30:00+02:00"></head>'
        '<body><main><article><h1>Council approves the harbour budget</h1><div class="post__text"></div></article>'
        f"</main><script>window.__ARTICLE__ = {data};</script>"
        '<script src="/static/article.js"></script></body></html>',
        "utf-8",
    )
    (site / "static" / "article.js").write_text(RENDER_SCRIPT, "utf-8")
    return url


@pytest.mark.parametrize("render", ["", "js"])
def test_news_spider_renders_on_request(tmp_path: Path, serve_mirror, render: str) -> None:
    url = write_news_site(tmp_path / "mirror")
    mirror = serve_mirror(tmp_path / "mirror")
    args = [f"url=https://{NEWS_HOST}/"] + ([f"render={render}"] if render else [])
    result = run_crawl("news", *args, mirror=mirror.url, output=tmp_path / "out", settings=RENDER_SETTINGS, timeout=120)
    assert isinstance(result, subprocess.CompletedProcess)
    stats = stats_of(result.stderr)
    records = read_archive(tmp_path / "out")
    if render:
        assert result.returncode == 0, result.stderr[-3000:]
        assert [(r["url"], r["title"], r["text"]) for r in records] == [
            (url, "Council approves the harbour budget", "\n".join(NEWS_PARAGRAPHS))
        ]
        assert stats["newscrawl/render/pages"] == 2  # the homepage and the article; not robots, feed, sitemap
    else:
        assert records == []
        assert stats["newscrawl/dropped/missing_body"] == 1
        assert ours(stats, "newscrawl/render/") == {}
