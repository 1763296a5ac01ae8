"""Bad arguments and settings, end to end: one line, exit 2, no request sent, an existing archive untouched.

``test_crawl_arguments.py`` covers the spider arguments one by one against an empty output folder; this
file runs each kind of bad input (unknown argument, unknown site, unwritable or non-folder output,
malformed mirror, bad numeric settings) against a folder that already holds an archive, with the fault
server as the mirror, and checks byte for byte that nothing in the archive changed.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl import exitcodes
from tests.conftest import run_crawl
from tests.faultserver import FaultServer, hostile_eurointegration

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    srv = FaultServer(hostile_eurointegration().routes).start()
    yield srv
    srv.stop()


def existing_archive(root: Path) -> Path:
    out = root / "archive"
    (out / "eurointegration" / "2026").mkdir(parents=True)
    (out / "eurointegration" / "2026" / "eurointegration-20261101T000000Z-1.jsonl").write_text('{"url": "x"}\n')
    (out / ".newscrawl").mkdir()
    (out / ".newscrawl" / "index.sqlite").write_bytes(b"SQLite format 3\x00 pretend")
    return out


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


BAD = [
    pytest.param("eurointegration", ["colour=red"], {}, "unknown argument 'colour'", id="unknown-argument"),
    pytest.param("eurointegration", ["lang=uk", "pages=3"], {}, "unknown argument 'pages'", id="unknown-argument-2"),
    pytest.param("nosuchsite", [], {}, "unknown spider 'nosuchsite' (known: ", id="unknown-site"),
    pytest.param("eurointegration", [], {"NEWSCRAWL_MIRROR": "127.0.0.1:8000"}, "NEWSCRAWL_MIRROR must be", id="mirror-no-scheme"),
    pytest.param("eurointegration", [], {"NEWSCRAWL_MIRROR": "ftp://127.0.0.1:8000"}, "NEWSCRAWL_MIRROR must be", id="mirror-ftp"),
    pytest.param("eurointegration", [], {"NEWSCRAWL_MIRROR": "http://"}, "NEWSCRAWL_MIRROR must be", id="mirror-no-host"),
    pytest.param("eurointegration", [], {"NEWSCRAWL_MIRROR": "http://127.0.0.1:99999"}, "NEWSCRAWL_MIRROR must be an http(s) URL such as http://127.0.0.1:8000, or empty, not 'http://127.0.0.1:99999'", id="mirror-port"),
    pytest.param("eurointegration", [], {"NEWSCRAWL_MAX_LISTING_PAGES": "many"}, "NEWSCRAWL_MAX_LISTING_PAGES must be a whole number from 1 to 100000, not 'many'", id="max-pages"),
    pytest.param("eurointegration", [], {"NEWSCRAWL_RETRY_AFTER_MAX": "-5"}, "NEWSCRAWL_RETRY_AFTER_MAX must be a finite number from 0 to 86400 (seconds), not '-5'", id="retry-after-max"),
]


@pytest.mark.parametrize(("spider", "args", "settings", "message"), BAD)
def test_bad_input_fails_fast_and_touches_nothing(
    spider: str, args: list[str], settings: dict[str, str], message: str, tmp_path: Path, server: FaultServer
) -> None:
    out = existing_archive(tmp_path)
    before = snapshot(out)
    requests_before = len(server.paths())
    mirror = None if "NEWSCRAWL_MIRROR" in settings else server.url  # run_crawl's mirror would override it
    result = run_crawl(spider, *args, mirror=mirror, output=out, settings=settings, timeout=60)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.USAGE, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert errors == [errors[0]] and re.match(rf"newscrawl: error: [\w.-]+: {re.escape(message)}", errors[0]), result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert len(server.paths()) == requests_before
    assert snapshot(out) == before


def test_output_that_is_a_file(tmp_path: Path, server: FaultServer) -> None:
    blocker = tmp_path / "archive"
    blocker.write_text("not a folder")
    requests_before = len(server.paths())
    for out in (blocker, blocker / "sub"):
        result = run_crawl("eurointegration", mirror=server.url, output=out, timeout=60)
        assert isinstance(result, subprocess.CompletedProcess)
        assert result.returncode == exitcodes.USAGE
        assert f"newscrawl: error: eurointegration: NEWSCRAWL_OUTPUT: {out} is not a folder" in result.stderr
    assert blocker.read_text() == "not a folder"
    assert len(server.paths()) == requests_before


def test_unwritable_output(tmp_path: Path, server: FaultServer) -> None:
    requests_before = len(server.paths())
    if os.geteuid() == 0:
        out = Path("/proc/1/newscrawl-archive")  # not writable even for root
        before: dict[str, tuple[bytes, int]] = {}
    else:
        out = existing_archive(tmp_path)
        before = snapshot(out)
        for folder in [out, *[p for p in out.rglob("*") if p.is_dir()]]:
            folder.chmod(0o555)
    try:
        result = run_crawl("eurointegration", mirror=server.url, output=out, timeout=60)
    finally:
        if os.geteuid() != 0:
            for folder in [out, *[p for p in out.rglob("*") if p.is_dir()]]:
                folder.chmod(0o755)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.USAGE, result.stderr[-2000:]
    assert f"newscrawl: error: eurointegration: NEWSCRAWL_OUTPUT: {out} is not writable" in result.stderr
    assert len(server.paths()) == requests_before
    if before:
        assert snapshot(out) == before
