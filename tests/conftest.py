"""Shared test helpers: a mirror server on 127.0.0.1, ``scrapy crawl`` in a subprocess, archive readers."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newscrawl.core.record import schema
from newscrawl.mirror import make_server
from tests.redis_server import RedisServer, redis_server

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"


@dataclass
class Mirror:
    root: Path
    url: str
    log_path: Path
    _server: Any = field(repr=False, default=None)

    def requested(self) -> list[str]:
        if not self.log_path.exists():
            return []
        return [line for line in self.log_path.read_text("utf-8").splitlines() if line]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def serve_mirror(tmp_path: Path) -> Iterator[Callable[[Path], Mirror]]:
    """Start a mirror server for a folder; every server is stopped after the test."""
    started: list[Mirror] = []

    def start(root: Path) -> Mirror:
        log_path = tmp_path / f"mirror-{len(started)}.log"
        log = log_path.open("a", encoding="utf-8")
        server = make_server(root, 0, "127.0.0.1", log)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        mirror = Mirror(root, f"http://127.0.0.1:{server.server_address[1]}", log_path, server)
        started.append(mirror)
        return mirror

    yield start
    for mirror in started:
        mirror.stop()


def run_crawl(
    spider: str,
    *args: str,
    mirror: str | None = None,
    output: Path,
    settings: dict[str, str] | None = None,
    timeout: float = 300,
    wait: bool = True,
) -> subprocess.CompletedProcess[str] | subprocess.Popen[str]:
    """Run ``scrapy crawl`` in a subprocess from the project folder (one reactor per process)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for arg in args:
        cmd += ["-a", arg]
    all_settings = {"NEWSCRAWL_OUTPUT": str(output), "LOG_LEVEL": "INFO", "AUTOTHROTTLE_ENABLED": "0",
                    "DOWNLOAD_DELAY": "0", "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
                    "NEWSCRAWL_QUIET_LOG": "0",  # tests read Scrapy's stats dump from the log
                    **(settings or {})}
    if mirror:
        all_settings["NEWSCRAWL_MIRROR"] = mirror
    for key, value in all_settings.items():
        cmd += ["-s", f"{key}={value}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    if wait:
        return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def read_archive(output: Path) -> list[dict[str, Any]]:
    """Every record of every closed archive file below ``output``, validated against the schema."""
    records = []
    for path in sorted(output.rglob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            record_validator().validate(record)
            records.append(record)
    return records


@functools.cache
def record_validator() -> Any:
    """The schema's validator, built (and the schema checked) once: 300 records validate in milliseconds."""
    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    return cls(schema())


def validate_record(record: dict[str, Any]) -> None:
    jsonschema.validate(record, schema())


class PeakRss:
    """The peak resident memory (KiB) of a child process since its exec: ``VmHWM`` in /proc/PID/status, read
    until the process is gone (the value only grows, so the last reading is the peak, short of the last
    20 ms). Start it right after ``Popen`` returns, which is after the exec.

    Not ``ru_maxrss`` from ``wait4``: at exec Linux records the high-water mark of the memory the child had
    before it, which for a child made by fork or vfork is its parent's, so ``ru_maxrss`` is at least the
    resident size of pytest or of a benchmark holding its pages, whatever the child used.
    """

    def __init__(self, pid: int) -> None:
        self.path = Path(f"/proc/{pid}/status")
        self.kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def sample(self) -> bool:
        """Read the child's high-water mark now; False once it is gone."""
        try:
            status = self.path.read_text()
        except OSError:
            return False  # gone
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                self.kib = max(self.kib, int(line.split()[1]))
                return True
        return False  # a zombie has no memory lines

    def _watch(self) -> None:
        while self.sample() and not self._stop.wait(0.02):
            pass

    def stop(self) -> int:
        """Stop watching (call after the child has been waited for); the peak in KiB."""
        self._stop.set()
        self._thread.join(timeout=10)
        return self.kib


def run_crawl_measured(
    spider: str, *args: str, kill_after: float = 300, **kwargs: Any
) -> tuple[int, str, Any, int]:
    """``run_crawl`` in the background; returns its exit code, its log, its own ``resource`` usage (wait4: use
    its CPU times) and its peak resident memory in KiB (``PeakRss``)."""
    proc = run_crawl(spider, *args, wait=False, **kwargs)
    assert isinstance(proc, subprocess.Popen)
    peak = PeakRss(proc.pid)
    logs: dict[str, str] = {}

    def drain(name: str) -> None:
        logs[name] = getattr(proc, name).read()

    readers = [threading.Thread(target=drain, args=(name,), daemon=True) for name in ("stdout", "stderr")]
    for reader in readers:
        reader.start()
    timer = threading.Timer(kill_after, proc.kill)  # bounded even if the crawl hangs
    timer.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    return proc.returncode, logs.get("stderr", ""), usage, peak.stop()


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A private redis-server on a free port for one test (the distributed and fault tests)."""
    with redis_server(tmp_path / "redis") as server:
        yield server
