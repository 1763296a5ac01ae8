"""End to end: ``scrapy crawl`` subprocesses against a mirror on 127.0.0.1, as cron would run them.

A killed run is completed by the next one (every article once, ``verify`` clean); a second run while one
is going refuses with the LOCKED code and touches nothing; an edited page becomes version 2; a run
against a mirror that is down exits with NO_ARTICLES and leaves the archive as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from newscrawl import exitcodes
from newscrawl.mirror import make_handler
from newscrawl.samples.eurointegration import build_mirror
from tests import archive_mirror
from tests.conftest import ROOT, Mirror, read_archive, run_crawl

pytestmark = pytest.mark.e2e

SLOW = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1", "NEWSCRAWL_FLUSH_EVERY": "2"}


@pytest.fixture
def mirror_server(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """A mirror whose article pages answer after ``delay`` seconds (so a kill lands mid-crawl), or only
    once ``gate`` is set (so a crawl is certainly still running while the test acts)."""
    from http.server import ThreadingHTTPServer

    servers: list[ThreadingHTTPServer] = []
    gates: list[threading.Event] = []

    def start(root: Path, delay: float = 0.0, gate: threading.Event | None = None,
              waiting: threading.Event | None = None) -> str:
        base = make_handler(root, None)
        if gate is not None:
            gates.append(gate)

        class Slow(base):  # type: ignore[misc,valid-type]
            def do_GET(self) -> None:
                if "/news/2023/" in self.path:
                    time.sleep(delay)
                    if gate is not None:
                        if waiting is not None:
                            waiting.set()
                        gate.wait(60)
                super().do_GET()

        server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for gate in gates:
        gate.set()
    for server in servers:
        server.shutdown()
        server.server_close()


def crawl(mirror: str, out: Path, *args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A crawl of the uk articles unless ``args`` name the languages."""
    langs = () if any(a.startswith(("lang=", "since=")) for a in args) else ("lang=uk",)
    result = run_crawl("eurointegration", *langs, *args, mirror=mirror, output=out, settings=settings, timeout=180)
    assert isinstance(result, subprocess.CompletedProcess)
    return result


def verify(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", "verify", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def manifests(out: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text("utf-8")) for p in sorted((out / ".newscrawl" / "runs").glob("*.json"))]


def part_lines(out: Path) -> int:
    parts = list(out.rglob("*.jsonl.part"))
    return sum(p.read_bytes().count(b"\n") for p in parts)


def test_first_run_then_incremental_run(tmp_path: Path, mirror_server: Callable[..., str]) -> None:
    articles = archive_mirror.build(tmp_path / "mirror", 6)
    mirror = mirror_server(tmp_path / "mirror")
    out = tmp_path / "out"

    first = crawl(mirror, out)
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    records = read_archive(out)
    assert sorted(r["key"] for r in records) == sorted(a.key for a in articles)
    by_key = {r["key"]: r for r in records}
    for a in articles:
        assert by_key[a.key]["text"] == a.text
        assert by_key[a.key]["title"] == a.title
        assert by_key[a.key]["published"] == a.published
        assert (by_key[a.key]["version"], by_key[a.key]["previous_hash"]) == (1, None)

    second = crawl(mirror, out)
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    assert read_archive(out) == records  # nothing new, nothing rewritten
    report = manifests(out)[-1]
    # The feed lists the archived articles newest first: three in a row end its traversal.
    assert report["counts"]["skipped_archived"] == 3
    assert (report["counts"]["new"], report["counts"]["updated"], report["counts"]["parsed"]) == (0, 0, 0)
    assert report["files"] == []
    assert report["exit_code"] == exitcodes.OK
    assert re.search(r"\n  skipped \(archived\) +3\n", second.stderr), second.stderr[-2000:]

    first_report = manifests(out)[0]
    assert first_report["counts"]["new"] == 6
    [written] = first_report["files"]
    path = out / written["path"]
    assert written["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert written["bytes"] == path.stat().st_size
    assert first_report["finish_reason"] == "finished"


def test_sigkill_mid_crawl_then_rerun_completes_the_archive(tmp_path: Path, mirror_server: Callable[..., str]) -> None:
    expected = build_mirror(tmp_path / "mirror")  # the whole hand-written site: 35 articles, uk/ru/en
    out = tmp_path / "out"
    window = ("since=2016-12-01", "until=2025-12-31")  # reaches every article, as the site's e2e test does

    slow = mirror_server(tmp_path / "mirror", 0.2)
    proc = run_crawl("eurointegration", *window, mirror=slow, output=out, settings=SLOW, wait=False)
    assert isinstance(proc, subprocess.Popen)
    try:
        deadline = time.monotonic() + 90
        while part_lines(out) < 3:  # three records written, two of them indexed (flush every 2)
            assert proc.poll() is None, "the crawl ended before it could be killed"
            assert time.monotonic() < deadline, "no records written in time"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
        proc.communicate(timeout=30)
    written = part_lines(out)
    assert 3 <= written < len(expected)
    assert list(out.rglob("*.jsonl")) == []  # nothing published yet: the run file is still a .part

    # The same command again, as cron would: it finishes the killed run's file, skips what it archived
    # and archives the rest.
    rerun = crawl(mirror_server(tmp_path / "mirror"), out, *window)
    assert rerun.returncode == exitcodes.OK, rerun.stderr[-3000:]
    assert list(out.rglob("*.part")) == []
    report = manifests(out)[-1]["counts"]
    assert (report["skipped_archived"], report["new"]) == (written, len(expected) - written)
    records = read_archive(out)
    assert Counter(r["url"] for r in records).most_common(1)[0][1] == 1  # each article exactly once
    assert sorted(r["url"] for r in records) == sorted(e["url"] for e in expected)
    by_url = {r["url"]: r for r in records}
    for e in expected:
        assert (by_url[e["url"]]["title"], by_url[e["url"]]["text"]) == (e["title"], e["text"])
        assert by_url[e["url"]]["version"] == 1
    check = verify(out)
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"verified {len(expected)} records in 2 files" in check.stderr


def test_second_run_refuses_while_first_runs(tmp_path: Path, mirror_server: Callable[..., str]) -> None:
    articles = archive_mirror.build(tmp_path / "mirror", 4)
    gate, waiting = threading.Event(), threading.Event()
    mirror = mirror_server(tmp_path / "mirror", gate=gate, waiting=waiting)
    out = tmp_path / "out"
    first = run_crawl("eurointegration", "lang=uk", mirror=mirror, output=out, settings=SLOW, wait=False)
    assert isinstance(first, subprocess.Popen)
    try:
        assert waiting.wait(60), "the first crawl never asked for an article"
        before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
        started = time.monotonic()
        # As from cron, with the log going to LOG_FILE: stderr is the one line.
        second = crawl(mirror, out, settings={"LOG_FILE": str(tmp_path / "second.log")})
        assert time.monotonic() - started < 15
        assert second.returncode == exitcodes.LOCKED
        assert second.stderr.splitlines() == [
            f"newscrawl: error: eurointegration: another crawl holds {out}/.newscrawl/eurointegration.lock; "
            "not starting (exit 3)"
        ]
        # The refused run touched nothing: same files, same bytes (the first crawl is parked at the gate).
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
        assert first.poll() is None
        gate.set()
        _, stderr = first.communicate(timeout=120)
    finally:
        gate.set()
        if first.poll() is None:
            first.kill()
            first.communicate(timeout=30)
    assert first.returncode == exitcodes.OK, stderr[-3000:]
    assert sorted(r["key"] for r in read_archive(out)) == sorted(a.key for a in articles)
    assert len(manifests(out)) == 1  # the refused run left no report


def test_changed_page_becomes_version_2(tmp_path: Path, mirror_server: Callable[..., str]) -> None:
    articles = archive_mirror.build(tmp_path / "mirror", 4)
    mirror = mirror_server(tmp_path / "mirror")
    out = tmp_path / "out"
    assert crawl(mirror, out).returncode == exitcodes.OK
    [v1] = [r for r in read_archive(out) if r["key"] == articles[1].key]

    edited = archive_mirror.Article(
        article_id=articles[1].article_id,
        day=articles[1].day,
        title=articles[1].title,
        paragraphs=(*articles[1].paragraphs[:2], "Оновлено: МЗС України прокоментувало рішення.",
                    articles[1].paragraphs[2]),
        modified="2023-05-27T15:40:00+03:00",
    )
    archive_mirror.write_article(tmp_path / "mirror", edited)
    second = crawl(mirror, out, "refresh=1")
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    records = read_archive(out)
    assert len(records) == 5
    [v2] = [r for r in records if r["key"] == articles[1].key and r["version"] == 2]
    assert v2["previous_hash"] == v1["content_hash"]
    assert v2["text"] == edited.text
    assert v2["modified"] == "2023-05-27T15:40:00+03:00"
    assert v2["content_hash"] != v1["content_hash"]
    report = manifests(out)[-1]["counts"]
    assert (report["new"], report["updated"], report["unchanged"], report["rechecked"]) == (0, 1, 3, 4)

    third = crawl(mirror, out, "refresh=1")  # nothing changed since: nothing written, all counted
    assert third.returncode == exitcodes.OK
    assert len(read_archive(out)) == 5
    assert manifests(out)[-1]["counts"]["unchanged"] == 4
    check = verify(out)
    assert check.returncode == 0, check.stdout + check.stderr


def test_mirror_down_exits_no_articles_and_leaves_archive_untouched(
    tmp_path: Path, mirror_server: Callable[..., str]
) -> None:
    archive_mirror.build(tmp_path / "mirror", 3)
    mirror = mirror_server(tmp_path / "mirror")
    out = tmp_path / "out"
    assert crawl(mirror, out).returncode == exitcodes.OK

    def snapshot() -> dict[str, Any]:
        files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.jsonl*")}
        db = sqlite3.connect(out / ".newscrawl" / "index.sqlite")
        tables = {t: db.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in ("articles", "files", "meta")}
        db.close()
        return {"files": files, "index": tables}

    before = snapshot()
    down = "http://127.0.0.1:9"  # discard port: nothing listens, every request is refused
    result = crawl(down, out, settings={"RETRY_TIMES": "1"})
    assert result.returncode == exitcodes.NO_ARTICLES, result.stderr[-3000:]
    assert snapshot() == before
    report = manifests(out)[-1]
    assert report["exit_code"] == exitcodes.NO_ARTICLES
    assert report["exit_meaning"] == "no articles"
    assert report["counts"]["failed_requests"] == {"feed": 2, "homepage": 1, "listing": 2, "sitemap": 1}
    assert report["counts"]["failed_by_reason"] == {"connection_refused": 6}
    assert report["files"] == []


def test_everyday_runs_stop_at_archived_articles_on_the_whole_site(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    build_mirror(tmp_path / "mirror")
    mirror = serve_mirror(tmp_path / "mirror")
    out = tmp_path / "out"
    pager = "/www.eurointegration.com.ua/news/page_2/"

    first = crawl(mirror.url, out, "lang=uk,ru,en")
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    first_requests = mirror.requested()
    assert pager in first_requests  # an empty archive: the listing is followed to its next page
    archived = len(read_archive(out))
    assert manifests(out)[-1]["counts"]["new"] == archived > 0

    second = crawl(mirror.url, out, "lang=uk,ru,en")
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    requested = mirror.requested()[len(first_requests):]
    articles = [p for p in requested if p.rstrip("/").rsplit("/", 1)[-1].isdigit()]
    assert articles == []  # everything found is archived and older than the re-check window
    assert pager not in requested  # the first listing page reached archived articles: no next page
    report = manifests(out)[-1]
    assert (report["counts"]["new"], report["counts"]["parsed"], report["exit_code"]) == (0, 0, exitcodes.OK)
    assert report["counts"]["skipped_archived"] > 0
    assert len(read_archive(out)) == archived


FULL_DISK = """
import os, sys
from newscrawl.archive import store
real, calls = os.write, []
def write(fd, data):  # the disk fills up at the third record: write(2) writes part of it
    if not os.readlink(f"/proc/self/fd/{fd}").endswith(".jsonl.part"):
        return real(fd, data)  # os is shared: only the archive's run file fills up
    calls.append(fd)
    return real(fd, data if len(calls) < 3 else data[: len(data) // 2])
os.write = write
from scrapy.cmdline import execute
execute(["scrapy", "crawl", "eurointegration", *sys.argv[1:]])
"""


def test_a_full_disk_stops_the_run_with_no_torn_line(tmp_path: Path, mirror_server: Callable[..., str]) -> None:
    archive_mirror.build(tmp_path / "mirror", 6)
    mirror = mirror_server(tmp_path / "mirror")
    out = tmp_path / "out"
    args = ["-a", "lang=uk", "-s", f"NEWSCRAWL_OUTPUT={out}", "-s", f"NEWSCRAWL_MIRROR={mirror}",
            "-s", "CONCURRENT_REQUESTS=1", "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0"]
    result = subprocess.run([sys.executable, "-c", FULL_DISK, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == exitcodes.FAILED, result.stderr[-3000:]
    assert "No space left on device" in result.stderr
    report = manifests(out)[-1]
    assert (report["finish_reason"], report["exit_code"], report["counts"]["new"]) == ("archive_error", 1, 2)
    [path] = list(out.rglob("*.jsonl"))
    assert path.read_bytes().count(b"\n") == 2 and path.read_bytes().endswith(b"\n")
    assert len(read_archive(out)) == 2
    check = verify(out)
    assert check.returncode == 0, check.stdout + check.stderr
