"""The archive writer, the seen-index and the lock, without a crawler: what a kill or a full disk leaves."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newscrawl.archive import store
from newscrawl.archive.index import SqliteIndex
from newscrawl.archive.store import Archive, ArchiveError, ArchiveLocked, SiteLock, index_path
from newscrawl.archive.tools import reindex
from newscrawl.core.record import dumps
from tests.archive_records import record, write_run

SITE = "eurointegration"


def killed_run(root: Path, records: list[dict], flush_every: int) -> Path:
    """A run that wrote ``records`` and was then killed: nothing closed, nothing released."""
    archive = Archive(root, SITE, flush_every=flush_every)
    archive.reconcile()
    archive.begin_run()
    for r in records:
        archive.write(r)
    assert archive.run is not None
    os.close(archive.run.fd)
    archive.index.close()
    return archive.run.path


def index_entries(root: Path) -> dict[str, tuple[int, str]]:
    index = SqliteIndex(index_path(root))
    try:
        return {k: (v, h) for k, h, v in index.keys()}  # noqa: SIM118 - SqliteIndex.keys, not a dict
    finally:
        index.close()


def test_a_complete_run_publishes_one_file_and_indexes_every_record(tmp_path: Path) -> None:
    records = [record(n) for n in range(5)]
    path = write_run(tmp_path, records, flush_every=2)
    assert path.parent == tmp_path / SITE / path.parent.name
    assert path.name.endswith(".jsonl") and path.read_bytes() == b"".join(dumps(r) for r in records)
    index = SqliteIndex(index_path(tmp_path))
    try:
        assert index.count() == 5
        assert index.files() == {path.relative_to(tmp_path).as_posix(): ("closed", path.stat().st_size, 5)}
        entry = index.get(records[3]["key"])
        assert entry is not None
        assert (entry.version, entry.content_hash, entry.file) == (
            1,
            records[3]["content_hash"],
            path.relative_to(tmp_path).as_posix(),
        )
        assert index.meta(f"complete:{SITE}") == "1"
    finally:
        index.close()


def test_reconcile_indexes_what_a_killed_run_wrote_and_cuts_its_torn_line(tmp_path: Path) -> None:
    records = [record(n) for n in range(5)]
    part = killed_run(tmp_path, records, flush_every=2)  # 4 indexed, the 5th only in the file
    with part.open("ab") as fh:
        fh.write(dumps(record(99))[:40])  # the kill landed in the middle of a write
    assert len(index_entries(tmp_path)) == 4

    archive = Archive(tmp_path, SITE)
    assert archive.reconcile() == 1
    assert archive.begin_run() is False  # the killed run was not complete
    archive.close()
    final = part.with_name(part.name.removesuffix(".part"))
    assert not part.exists()
    assert final.read_bytes() == b"".join(dumps(r) for r in records)
    assert set(index_entries(tmp_path)) == {r["key"] for r in records}


def test_reconcile_stops_at_garbage_a_power_cut_left(tmp_path: Path) -> None:
    records = [record(n) for n in range(3)]
    part = killed_run(tmp_path, records, flush_every=10)
    with part.open("ab") as fh:
        fh.write(b"\x00" * 100 + b"\n" + dumps(record(50)))  # zeros after the last fsync, then a line
    archive = Archive(tmp_path, SITE)
    assert archive.reconcile() == 3
    archive.close()
    final = part.with_name(part.name.removesuffix(".part"))
    assert final.read_bytes() == b"".join(dumps(r) for r in records)
    assert set(index_entries(tmp_path)) == {r["key"] for r in records}


def test_reconcile_after_a_kill_between_rename_and_index_update(tmp_path: Path) -> None:
    records = [record(n) for n in range(3)]
    part = killed_run(tmp_path, records, flush_every=1)
    final = part.with_name(part.name.removesuffix(".part"))
    os.replace(part, final)  # the run's close renamed the file, then died
    before = final.read_bytes()
    mtime = final.stat().st_mtime_ns
    archive = Archive(tmp_path, SITE)
    assert archive.reconcile() == 0
    archive.close()
    assert final.read_bytes() == before and final.stat().st_mtime_ns == mtime  # a closed file is never rewritten
    index = SqliteIndex(index_path(tmp_path))
    try:
        assert index.files()[final.relative_to(tmp_path).as_posix()] == ("closed", len(before), 3)
        assert index.open_files() == []
    finally:
        index.close()


def test_reconcile_leaves_other_sites_running_files_alone(tmp_path: Path) -> None:
    other = Archive(tmp_path, "othersite", flush_every=1)
    other.write(record(1, site="othersite"))
    assert other.run is not None
    size = other.run.path.stat().st_size
    mine = Archive(tmp_path, SITE)
    assert mine.reconcile() == 0
    mine.close()
    assert other.run.path.exists() and other.run.path.stat().st_size == size
    other.write(record(2, site="othersite"))
    other.close(complete=True)
    assert len(other.files_written) == 1


def test_a_full_disk_leaves_no_torn_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = Archive(tmp_path, SITE, flush_every=1)
    archive.write(record(1))
    real_write = os.write

    def half_write(fd: int, data: bytes) -> int:
        return real_write(fd, data[: len(data) // 2])  # what write(2) does when the disk fills up

    monkeypatch.setattr(store.os, "write", half_write)
    with pytest.raises(ArchiveError, match="No space left on device"):
        archive.write(record(2))

    def no_space(fd: int, data: bytes) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(store.os, "write", no_space)
    with pytest.raises(ArchiveError, match="No space left on device"):
        archive.write(record(3))
    monkeypatch.setattr(store.os, "write", real_write)
    archive.close(complete=False)
    [path] = archive.files_written
    assert path.read_bytes() == dumps(record(1))
    assert set(index_entries(tmp_path)) == {record(1)["key"]}


def test_reindex_rebuilds_the_index_from_the_files(tmp_path: Path) -> None:
    first = write_run(tmp_path, [record(n) for n in range(4)])
    revised = record(2, version=2, text="Новий текст.", previous_hash=record(2)["content_hash"])
    write_run(tmp_path, [revised, record(10)])
    killed_run(tmp_path, [record(20)], flush_every=50)  # in a .part the index does not know of
    expected = index_entries(tmp_path)
    index_path(tmp_path).unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(index_path(tmp_path)) + suffix).unlink(missing_ok=True)

    result = reindex(tmp_path)
    assert (result.records, result.articles, result.bad) == (7, 6, [])
    rebuilt = index_entries(tmp_path)
    assert rebuilt == {**expected, record(20)["key"]: (1, record(20)["content_hash"])}
    assert rebuilt[record(2)["key"]] == (2, revised["content_hash"])
    assert list(tmp_path.rglob("*.part")) == []
    assert first.exists()


def test_lock_refuses_a_second_process_and_a_killed_holder_never_blocks(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time; from pathlib import Path; from newscrawl.archive.store import SiteLock; "
            f"SiteLock(Path({str(tmp_path)!r}), {SITE!r}).acquire(); print('held', flush=True); time.sleep(60)"
        )],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        lock = SiteLock(tmp_path, SITE)
        assert lock.held_elsewhere()
        with pytest.raises(ArchiveLocked, match=f"another crawl holds {tmp_path}/.newscrawl/{SITE}.lock"):
            lock.acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(timeout=30)
    deadline = time.monotonic() + 5
    while lock.held_elsewhere() and time.monotonic() < deadline:
        time.sleep(0.05)
    with lock:  # the lock file of the killed run is still there and blocks nothing
        again = SiteLock(tmp_path, SITE)
        with again:  # re-entrant in one process
            assert not again.held_elsewhere()
        assert (tmp_path / ".newscrawl" / f"{SITE}.lock").read_text().startswith(f"pid {os.getpid()} since ")
