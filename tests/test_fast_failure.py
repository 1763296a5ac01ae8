"""Fast, loud failures: an unreachable site ends the run in seconds with exit 4, and every non-zero exit
prints one line on stderr, also when LOG_FILE takes the log (what cron mails)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.cli import main
from newscrawl.outcome import exit_line
from tests.newcomer import crawl_at_defaults

pytestmark = pytest.mark.e2e


@pytest.fixture
def refusing_port() -> Iterator[int]:
    """A loopback port bound but not listening: a connection to it is refused, and no one else can take it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def _unreachable(tmp_path: Path, mirror: str) -> tuple[float, str, Path]:
    out, log = tmp_path / "out", tmp_path / "crawl.log"
    started = time.monotonic()
    result = crawl_at_defaults(
        "eurointegration", output=out, settings={"NEWSCRAWL_MIRROR": mirror, "LOG_FILE": str(log)}, timeout=240
    )
    elapsed = time.monotonic() - started
    assert result.returncode == exitcodes.NO_ARTICLES, log.read_text("utf-8")[-3000:]
    assert result.stdout == ""
    (report,) = (out / ".newscrawl" / "runs").glob("*.json")
    manifest = json.loads(report.read_text("utf-8"))
    assert (manifest["finish_reason"], manifest["exit_code"]) == ("site_unreachable", 4)
    assert manifest["duration_s"] < 30, manifest["duration_s"]  # the crawl itself; ~6 s measured
    text = log.read_text("utf-8")
    assert "Retrying" not in text and "Gave up retrying" not in text and "Traceback" not in text
    return elapsed, result.stderr, out


def test_refused_connection_fails_fast_with_one_stderr_line(tmp_path: Path, refusing_port: int) -> None:
    """A refused connection to the mirror is not retried: exit 4 within 30 s, one line on stderr with LOG_FILE."""
    mirror = f"http://127.0.0.1:{refusing_port}"
    elapsed, stderr, _ = _unreachable(tmp_path, mirror)
    assert stderr.splitlines() == [
        f"newscrawl: error: eurointegration: mirror unreachable (connection refused for 127.0.0.1:{refusing_port}); "
        f"is `newscrawl mirror serve` running at {mirror}? (exit 4)"
    ]
    assert elapsed < 90, elapsed  # the whole process, start-up included (fail-safe; 13-16 s measured, 42 s before)


def test_unresolvable_host_fails_fast_with_one_stderr_line(tmp_path: Path) -> None:
    """A host that cannot resolve (.invalid never does, and fails without the network) ends the run: exit 4
    within 30 s, one line on stderr."""
    elapsed, stderr, _ = _unreachable(tmp_path, "http://nonexistent.invalid:1/")
    assert stderr.splitlines() == [
        "newscrawl: error: eurointegration: mirror unreachable (DNS lookup failed for nonexistent.invalid:1); "
        "is `newscrawl mirror serve` running at http://nonexistent.invalid:1/? (exit 4)"
    ]
    assert elapsed < 90, elapsed  # the whole process, start-up included (fail-safe; 13-16 s measured)


def test_layout_drift_prints_one_line_with_log_file(tmp_path: Path, serve_mirror) -> None:
    """Exit 5 (layout drift) prints one line on stderr even with LOG_FILE set; stdout stays empty."""
    root = tmp_path / "mirror"
    assert main(["mirror", "build", "eurointegration", str(root)]) == 0
    mirror = serve_mirror(root)
    out, log = tmp_path / "out", tmp_path / "crawl.log"
    result = crawl_at_defaults(
        "eurointegration",
        output=out,
        settings={
            "NEWSCRAWL_MIRROR": mirror.url,
            "LOG_FILE": str(log),
            "NEWSCRAWL_QUALITY": '{"min_sample": 5, "min_body_chars": 100000}',
        },
    )
    assert result.returncode == exitcodes.DRIFT, log.read_text("utf-8")[-3000:]
    assert result.stdout == ""
    (report,) = (out / ".newscrawl" / "runs").glob("*.json")
    assert result.stderr.splitlines() == [
        "newscrawl: error: eurointegration: layout drift: extraction quality fell below the thresholds "
        "(eurointegration: body_share); the records were archived; check the site's parser: "
        f"see the run report {report} (exit 5)"
    ]


def test_exit_lines() -> None:
    """Each non-zero exit has one line naming the site, the reason and what to do."""
    stats = {"finish_reason": "finished", "newscrawl/run_report": "/a/runs/x.json"}
    assert exit_line("pravda", 4, {**stats, "downloader/request_count": 12, "newscrawl/failed/http_403": 9,
                                   "newscrawl/failed/timeout": 2}) == (
        "newscrawl: error: pravda: no article found (12 requests; failures: http_403 9, timeout 2); the site may "
        "be down, changed or blocking us: see the run report /a/runs/x.json (exit 4)"
    )
    unreachable = {"finish_reason": "site_unreachable",
                   "newscrawl/unreachable/reason": "DNS lookup failed for www.pravda.com.ua"}
    assert exit_line("pravda", 4, unreachable) == (
        "newscrawl: error: pravda: site unreachable (DNS lookup failed for www.pravda.com.ua); no network? crawl "
        "a local mirror with -s NEWSCRAWL_MIRROR=URL (exit 4)"
    )
    assert exit_line("pravda", 1, {**stats, "finish_reason": "memusage_exceeded"}) == (
        "newscrawl: error: pravda: the run did not finish (finish reason: memusage_exceeded): see the run report "
        "/a/runs/x.json (exit 1)"
    )
    assert exit_line("pravda", 1, {"finish_reason": "shutdown"}, log_file="/var/log/p.log") == (
        "newscrawl: error: pravda: the run was interrupted before it finished (finish reason: shutdown): see "
        "the log /var/log/p.log (exit 1)"
    )
    assert exit_line("pravda", 1, {}) == "newscrawl: error: pravda: the crawl could not start: see the log above (exit 1)"
    assert exit_line("pravda", 1, {"start_time": 1}) == (
        "newscrawl: error: pravda: the run was stopped at once, before it finished (a second Ctrl-C): see the log "
        "above (exit 1)"
    )


@pytest.mark.parametrize("host", ["refused", "nonexistent.invalid"])
def test_site_without_mirror_fails_fast_without_traceback(tmp_path: Path, refusing_port: int, host: str) -> None:
    """A site (no mirror) that refuses connections or whose name does not resolve: exit 4 within 30 s, no
    traceback in the log, and the last stderr line says the site is unreachable and how to crawl offline."""
    netloc = f"127.0.0.1:{refusing_port}" if host == "refused" else host
    site, what = ("127_0_0_1", "connection refused") if host == "refused" else ("nonexistent_invalid", "DNS lookup failed")
    started = time.monotonic()
    out = tmp_path / "out"
    result = crawl_at_defaults("news", f"url=http://{netloc}/", output=out, timeout=240)
    elapsed = time.monotonic() - started
    assert result.returncode == exitcodes.NO_ARTICLES, result.stderr[-3000:]
    (report,) = (out / ".newscrawl" / "runs").glob("*.json")
    assert json.loads(report.read_text("utf-8"))["duration_s"] < 30  # the crawl itself; ~5 s measured
    assert "Traceback" not in result.stderr and "Retrying" not in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"newscrawl: error: {site}: site unreachable ({what} for {netloc}); "
        "no network? crawl a local mirror with -s NEWSCRAWL_MIRROR=URL (exit 4)"
    )
    assert elapsed < 90, elapsed  # the whole process, start-up included (fail-safe; 13 s measured)


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        ("NEWSCRAWL_UNREACHABLE_AFTER", "0", "newscrawl: error: eurointegration: NEWSCRAWL_UNREACHABLE_AFTER must be a whole number from 1 to 1000000, not '0' (exit 2)"),
        ("NEWSCRAWL_PROGRESS_INTERVAL", "-1", "newscrawl: error: eurointegration: NEWSCRAWL_PROGRESS_INTERVAL must be a finite number from 0 to 86400 (seconds), not '-1' (exit 2)"),
        ("NEWSCRAWL_PROGRESS_INTERVAL", "nan", "newscrawl: error: eurointegration: NEWSCRAWL_PROGRESS_INTERVAL must be a finite number from 0 to 86400 (seconds), not 'nan' (exit 2)"),
    ],
)
def test_bad_new_settings_are_usage_errors(tmp_path: Path, name: str, value: str, line: str) -> None:
    """A bad value of a setting of this feature stops the run before any request: exit 2, one line."""
    result = crawl_at_defaults("eurointegration", output=tmp_path / "out",
                               settings={"NEWSCRAWL_MIRROR": "http://127.0.0.1:9", name: value, "LOG_FILE": str(tmp_path / "log")})
    assert (result.returncode, result.stdout, result.stderr.splitlines()) == (2, "", [line])
    assert not (tmp_path / "out").exists()
