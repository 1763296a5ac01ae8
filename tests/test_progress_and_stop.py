"""Progress lines during a run, a quiet INFO log, and Ctrl-C: a message on the first, a fast stop on the second."""

from __future__ import annotations

import asyncio
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler
from twisted.internet.error import ConnectionLost

from newscrawl import settings as project_settings
from newscrawl.cli import main
from newscrawl.politeness import BackoffRetryMiddleware
from newscrawl.progress import clock, progress_line
from newscrawl.shutdown import begin_stop
from tests.conftest import ROOT, read_archive
from tests.newcomer import start_crawl_at_defaults

pytestmark = pytest.mark.e2e

PROGRESS = re.compile(r"\[newscrawl\.progress\] INFO: (progress: \d+ new, \d+ revised, \d+ skipped, \d+ failed, \d+ queued.*)$")


class Lines:
    """A process's stderr read line by line in a thread, so a test can wait for a line (an event)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 240) -> str:
        """The first new line matching ``pattern``; fails if the process ends first (timeout: a fail-safe)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"process ended before {pattern!r}:\n" + "\n".join(self.seen[-40:]))
            self.seen.append(line)
            if re.search(pattern, line):
                return line

    def rest(self) -> list[str]:
        self.thread.join(timeout=60)
        while (line := self.lines.get_nowait() if not self.lines.empty() else None) is not None:
            self.seen.append(line)
        return self.seen


@pytest.fixture
def sample_mirror(tmp_path: Path, serve_mirror):
    root = tmp_path / "mirror"
    assert main(["mirror", "build", "eurointegration", str(root)]) == 0
    return serve_mirror(root)


def test_progress_line_text() -> None:
    """The progress line counts new, revised, skipped, failed and queued; a backfill adds days and time left."""
    stats = {
        "newscrawl/archive/new": 12,
        "newscrawl/archive/updated": 2,
        "newscrawl/articles/skipped_archived": 5,
        "newscrawl/dropped/unchanged_article": 1,
        "newscrawl/failed/http_404": 3,
        "newscrawl/failed/timeout": 1,
        "downloader/response_count": 36,
        "newscrawl/discovery/date_archive/requests": 62,
        "newscrawl/discovery/date_archive/responses": 20,
        "newscrawl/discovery/failed/date_archive": 1,
    }
    assert progress_line(stats, 80, 60.0) == ("progress: 12 new, 2 revised, 6 skipped, 4 failed, 80 queued", 40, 120)
    line, _, _ = progress_line(stats, 80, 60.0, (date(2023, 5, 1), date(2023, 5, 31)))
    assert line == "progress: 12 new, 2 revised, 6 skipped, 4 failed, 80 queued; days 10 of 31 done, about 2 min left"
    assert [clock(s) for s in (0.4, 42, 89, 3599, 7500)] == ["0 s", "42 s", "1 min", "1 h 00 min", "2 h 05 min"]


def test_backfill_logs_progress_and_a_quiet_log(tmp_path: Path, sample_mirror) -> None:
    """A backfill logs progress lines with the days done; the INFO log has no banner and no stats dump, and
    ends with the summary table."""
    proc = start_crawl_at_defaults(
        "eurointegration", "since=2023-05-10", "until=2023-05-11", output=tmp_path / "out",
        settings={"NEWSCRAWL_MIRROR": sample_mirror.url, "NEWSCRAWL_PROGRESS_INTERVAL": "1",
                  "DOWNLOAD_DELAY": "0.3", "LOG_LEVEL": "INFO"},
    )
    lines = Lines(proc)
    first = PROGRESS.search(lines.wait_for(r"newscrawl\.progress"))
    assert first is not None and re.search(r"; days [0-2] of 2 done", first.group(1)), first
    assert proc.wait(timeout=240) == 0
    log = lines.rest()
    text = "\n".join(log)
    for banner in ("Versions:", "Enabled addons", "Enabled extensions", "Enabled downloader middlewares",
                   "Overridden settings", "Dumping Scrapy stats"):
        assert banner not in text
    assert "Spider opened" in text and "run summary (" in text
    table = log[next(i for i, line in enumerate(log) if "run summary (" in line) + 1:]
    assert table[0].split() == ["site", "eurointegration"] and table[-1].split()[0] == "files"
    assert all(line.startswith("  ") for line in table)  # the table is the end of the log


@pytest.mark.parametrize("level", ["INFO", "DEBUG"])
def test_records_below_the_log_level_are_not_even_built(tmp_path: Path, sample_mirror, level: str) -> None:
    """At INFO, Scrapy's per-page DEBUG lines and trafilatura's are never built (newscrawl.quietlog,
    ``skip_records_below``: they cost CPU on every article); at DEBUG they are built and logged."""
    probe = tmp_path / "records.json"
    proc = start_crawl_at_defaults(
        "eurointegration", "since=2023-05-10", "until=2023-05-10", output=tmp_path / "out",
        settings={"NEWSCRAWL_MIRROR": sample_mirror.url, "LOG_LEVEL": level, "TEST_LOG_PROBE": str(probe),
                  "EXTENSIONS": json.dumps({**project_settings.EXTENSIONS, "tests.log_probe.LogProbe": 1000})},
    )
    lines = Lines(proc)
    assert proc.wait(timeout=240) == 0
    text = "\n".join(lines.rest())
    archived = len(read_archive(tmp_path / "out"))
    built = json.loads(probe.read_text())
    assert archived > 0
    assert built["scrapy.core.engine INFO"] >= 1  # the probe sees what is built ("Spider opened", ...)
    if level == "INFO":
        per_page = ("scrapy.core.engine DEBUG", "scrapy.core.scraper DEBUG", "trafilatura DEBUG")
        assert [built.get(name, 0) for name in per_page] == [0, 0, 0]
        assert "Scraped from" not in text
    else:
        assert built["scrapy.core.scraper DEBUG"] == archived
        assert built["scrapy.core.engine DEBUG"] > archived  # "Crawled" per response
        assert built["trafilatura DEBUG"] >= archived
        assert "Versions:" in text and "Dumping Scrapy stats" in text
        assert len(re.findall(r"\[scrapy\.core\.scraper\] DEBUG: Scraped from <200 ", text)) == archived
        assert re.search(r"\[trafilatura\.\w+\] DEBUG: ", text)


def test_http_error_warnings_name_the_status(tmp_path: Path, sample_mirror) -> None:
    """A failed source's warning names the HTTP status instead of "Ignoring non-200 response"."""
    proc = start_crawl_at_defaults(
        "eurointegration", "lang=en", output=tmp_path / "out", settings={"NEWSCRAWL_MIRROR": sample_mirror.url}
    )
    lines = Lines(proc)
    assert proc.wait(timeout=240) == 0
    warnings = [line.split("WARNING: ", 1)[1] for line in lines.rest() if "WARNING: discovery source" in line]
    assert sorted(warnings) == [
        "discovery source feed failed: https://www.eurointegration.com.ua/eng/rss/view_news/ (HTTP 404)",
        "discovery source listing failed: https://www.eurointegration.com.ua/eng/articles/ (HTTP 404)",
    ]


def test_retry_wait_ends_when_the_run_stops() -> None:
    """A retry sleeping its backoff wakes when the run starts stopping, and the failure stands (no retry)."""
    crawler = get_crawler(Spider, settings_dict={"RETRY_TIMES": 2, "NEWSCRAWL_RETRY_BACKOFF": 600.0})
    spider = Spider("t")
    spider.crawler = crawler
    crawler.spider = spider
    middleware = BackoffRetryMiddleware.from_crawler(crawler)

    async def scenario() -> object:
        task = asyncio.ensure_future(middleware.process_exception(Request("https://a.example/"), ConnectionLost()))
        await asyncio.sleep(0.05)
        assert not task.done()  # sleeping its 600 s backoff
        begin_stop(crawler)
        return await asyncio.wait_for(task, 10)

    assert asyncio.run(scenario()) is None


# Live-site politeness toward the mirror (given with -s, so it is kept): AutoThrottle's 2 s start delay
# keeps a queue of requests in the downloader, which a graceful stop used to wait out one by one.
POLITE = {"DOWNLOAD_DELAY": "1", "AUTOTHROTTLE_ENABLED": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
          "NEWSCRAWL_PROGRESS_INTERVAL": "1", "NEWSCRAWL_FLUSH_EVERY": "1"}
FIRST = "newscrawl: eurointegration: stopping: finishing the pages in flight; press Ctrl-C again to stop now"
SECOND = "newscrawl: eurointegration: stopping now; records already committed stay in the archive"


def _verify(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newscrawl.cli", "archive", "verify", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_first_ctrl_c_says_so_and_stops_in_seconds(tmp_path: Path, sample_mirror) -> None:
    """The first Ctrl-C prints what it does and the run stops within seconds despite politeness delays;
    exit 1 with its line; the archive verifies clean with each record once."""
    out = tmp_path / "out"
    proc = start_crawl_at_defaults("eurointegration", output=out,
                                   settings={"NEWSCRAWL_MIRROR": sample_mirror.url, **POLITE})
    lines = Lines(proc)
    lines.wait_for(r"\[newscrawl\.archive\.store\]|progress: [1-9]\d* new")  # a record is being written
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    assert lines.wait_for(re.escape(FIRST)) == FIRST
    assert proc.wait(timeout=120) == 1
    stopped = time.monotonic() - sent
    log = lines.rest()
    assert log[-1].startswith("newscrawl: error: eurointegration: the run was interrupted before it finished "
                              "(finish reason: shutdown): see the run report "), log[-5:]
    assert stopped < 20, stopped  # fail-safe: up to 40 s of queued politeness waits before
    assert _verify(out).returncode == 0
    records = read_archive(out)
    assert records and max(Counter(r["url"] for r in records).values()) == 1


def test_second_ctrl_c_stops_now_without_losing_committed_records(tmp_path: Path, sample_mirror) -> None:
    """A second Ctrl-C stops at once; the records committed before it stay, each once, and verify clean."""
    out = tmp_path / "out"
    proc = start_crawl_at_defaults("eurointegration", output=out,
                                   settings={"NEWSCRAWL_MIRROR": sample_mirror.url, **POLITE})
    lines = Lines(proc)
    lines.wait_for(r"progress: [1-9]\d* new")
    proc.send_signal(signal.SIGINT)
    assert lines.wait_for(re.escape(FIRST)) == FIRST
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    assert lines.wait_for(re.escape(SECOND)) == SECOND
    assert proc.wait(timeout=120) == 1
    assert time.monotonic() - sent < 10
    # Scrapy sets the finish reason early in its close, and the run report may be written before the second
    # Ctrl-C lands: each of these lines is right, depending on when it came
    assert re.fullmatch(
        r"newscrawl: error: eurointegration: (the run was interrupted before it finished \(finish reason: shutdown\)"
        r"|the run was stopped at once, before it finished \(a second Ctrl-C\)): "
        r"see (the log above|the run report \S+\.json) \(exit 1\)",
        lines.rest()[-1],
    ), lines.rest()[-1]
    # The unclean stop leaves unfinished files; the next run recovers them and archives each article once.
    proc = start_crawl_at_defaults("eurointegration", output=out, settings={"NEWSCRAWL_MIRROR": sample_mirror.url})
    assert proc.wait(timeout=240) == 0
    assert _verify(out).returncode == 0
    records = read_archive(out)
    assert len(records) == 35 and max(Counter(r["url"] for r in records).values()) == 1


def test_progress_bar_on_a_terminal(tmp_path: Path, sample_mirror) -> None:
    """With stderr a terminal, a tqdm bar shows the counts between the log lines; the run ends as usual."""
    import fcntl
    import os
    import pty
    import select
    import struct
    import termios

    from tests.newcomer import clean_env, crawl_command

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))  # a new pty is 0 columns wide
    cmd = crawl_command("eurointegration", settings={"NEWSCRAWL_OUTPUT": str(tmp_path / "out"),
                                                     "NEWSCRAWL_MIRROR": sample_mirror.url,
                                                     "NEWSCRAWL_PROGRESS_INTERVAL": "1", "DOWNLOAD_DELAY": "0.2"})
    proc = subprocess.Popen(cmd, cwd=ROOT, env=clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=slave)
    os.close(slave)
    chunks = []
    while True:  # read the terminal until the process closes it
        ready, _, _ = select.select([master], [], [], 240)
        assert ready, "no output for 240 s"
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the process has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=60) == 0
    screen = b"".join(chunks).decode("utf-8", "replace")
    assert "Traceback" not in screen
    assert re.search(r"\d+/\d+ \[[^\]]*req/s, \d+ new, \d+ revised, \d+ skipped, \d+ failed, \d+ queued\]", screen), screen[-3000:]
    assert "run summary (" in screen
