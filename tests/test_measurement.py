"""The tests' and benchmarks' memory figure for a child process measures that child, not its parent."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import PeakRss

MIB = 1 << 20
# A child that makes N MiB resident, says so, and exits when its stdin closes.
CHILD = "import sys; b = bytearray({n} << 20); b[::4096] = b'x' * len(b[::4096]); print('ready', flush=True); sys.stdin.read()"


def measure(mib: int) -> tuple[int, int]:
    """(wait4's ru_maxrss, PeakRss) in KiB for a Python child holding ``mib`` MiB."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(n=mib)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    peak = PeakRss(proc.pid)
    assert proc.stdout is not None and proc.stdin is not None
    assert proc.stdout.readline() == "ready\n"  # the event: its memory is resident now
    assert peak.sample()
    proc.stdin.close()
    _pid, _status, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()
    return usage.ru_maxrss, peak.stop()


def test_peak_rss_is_the_childs_own_where_wait4_reports_the_parents() -> None:
    held = bytearray(300 * MIB)  # the parent's resident set: pytest holding pages, a benchmark its corpus
    held[::4096] = b"x" * len(held[::4096])
    small_maxrss, small_peak = measure(0)
    _, big_peak = measure(150)
    del held
    assert small_maxrss > 300 * 1024  # the cause: the parent's memory, recorded at the child's exec
    assert small_peak < 60 * 1024  # an idle interpreter
    assert 150 * 1024 < big_peak < 220 * 1024  # its own 150 MiB, and none of the parent's 300
