"""Writing the archive: one JSONL file per run and site, published whole, indexed only once durable.

Layout under the output folder (``NEWSCRAWL_OUTPUT``, default ``output/``)::

    <site>/<YYYY>/<site>-<YYYYMMDDTHHMMSSZ>-<pid>.jsonl   closed run files, never rewritten
    <site>/<YYYY>/<...>.jsonl.part                       the file a running crawl appends to
    .newscrawl/index.sqlite                              the seen-index
    .newscrawl/<site>.lock                               held by the running crawl of that site

A line is appended with one ``write`` of the whole encoded record; a short write (a full disk) is cut
back so no torn line stays. Every ``flush_every`` records the file is fsynced and only then are its
index rows committed. At close the ``.part`` file is renamed to ``.jsonl``. A run killed with SIGKILL
leaves a ``.part`` file that the next run's ``reconcile`` cuts back to its last whole line, indexes and
publishes, so the archive is complete and nothing is written twice.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar

from newscrawl.archive.index import Entry, SqliteIndex
from newscrawl.record import dumps, loads

STATE_DIR = ".newscrawl"
PART = ".part"


class ArchiveLocked(RuntimeError):
    """Another run holds the site's lock."""


class ArchiveError(RuntimeError):
    """The archive cannot be written (unwritable folder, full disk, ...)."""


def index_path(root: Path) -> Path:
    return root / STATE_DIR / "index.sqlite"


def archive_files(root: Path, site: str | None = None) -> list[Path]:
    """Every closed archive file below ``root`` (``*.jsonl`` and ``*.jsonl.gz``), sorted by name."""
    base = root / site if site else root
    if not base.exists():
        return []
    found = [p for p in base.rglob("*.jsonl") if STATE_DIR not in p.parts]
    found += [p for p in base.rglob("*.jsonl.gz") if STATE_DIR not in p.parts]
    return sorted(found)


def iter_lines(path: Path, start: int = 0) -> Iterator[tuple[int, bytes]]:
    """(offset after the line, line) for every whole line of a file from ``start``; a torn tail is skipped."""
    if path.name.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as fh:
            offset = 0
            for line in fh:
                offset += len(line)
                if line.endswith(b"\n"):
                    yield offset, line
        return
    with path.open("rb") as fh:
        fh.seek(start)
        offset = start
        for line in fh:
            if not line.endswith(b"\n"):
                return
            offset += len(line)
            yield offset, line


def entry_of(record: dict[str, Any], file: str) -> Entry:
    return Entry(
        key=record["key"],
        site=record["site"],
        lang=record["lang"],
        url=record["url"],
        content_hash=record["content_hash"],
        version=int(record.get("version") or 1),
        published=record.get("published"),
        modified=record.get("modified"),
        file=file,
        checked_at=record.get("crawled_at") or "",
    )


def run_folder(root: Path, site: str, now: datetime) -> Path:
    """The folder a run file started at ``now`` goes to (``<site>/<YYYY>/``), created if need be."""
    folder = root / site / f"{now:%Y}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArchiveError(f"cannot create {folder}: {exc.strerror}") from exc
    return folder


def try_flock(path: Path, mode: int, refusal: str) -> IO[str]:
    """Open ``path`` and take ``mode`` (``LOCK_EX`` or ``LOCK_SH``) at once, or raise ``ArchiveLocked`` with
    ``refusal`` and the holder the file names."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = path.open("a+")
    try:
        fcntl.flock(fh, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        raise ArchiveLocked(f"{refusal}{f' ({holder})' if holder else ''}") from None
    return fh


class SiteLock:
    """An exclusive ``flock`` per site and archive; the kernel drops it when the process dies.

    Re-entrant within one process (``scrapy crawl`` takes it before the crawler starts and the archive
    extension takes it again), since two ``flock`` calls on separate opens of one file would refuse each
    other even in the same process.
    """

    _held: ClassVar[dict[str, tuple[IO[str], int]]] = {}

    def __init__(self, root: Path, site: str) -> None:
        self.path = root / STATE_DIR / f"{site}.lock"
        self._mine = False

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        name = str(self.path.resolve())
        if name in self._held:
            fh, count = self._held[name]
            self._held[name] = (fh, count + 1)
            self._mine = True
            return
        fh = try_flock(self.path, fcntl.LOCK_EX, f"another crawl holds {self.path}")
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC).isoformat(timespec='seconds')}\n")
        fh.flush()
        self._held[name] = (fh, 1)
        self._mine = True

    def release(self) -> None:
        if not self._mine:
            return
        self._mine = False
        name = str(self.path.resolve())
        fh, count = self._held.pop(name)
        if count > 1:
            self._held[name] = (fh, count - 1)
            return
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()

    def held_elsewhere(self) -> bool:
        """Whether another process holds the lock (probed without writing anything)."""
        if str(self.path.resolve()) in self._held or not self.path.exists():
            return False
        with self.path.open("rb") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(fh, fcntl.LOCK_UN)
        return False

    def __enter__(self) -> SiteLock:
        self.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


@dataclass
class RunFile:
    name: str  # the final name relative to the archive root; the index only ever uses this one
    path: Path  # the .part path while open
    fd: int
    records: int = 0
    size: int = 0
    pending: list[Entry] = field(default_factory=list)


class Archive:
    """The archive of one site inside an output folder, opened by one crawl."""

    def __init__(self, root: Path, site: str, *, flush_every: int = 50) -> None:
        self.root = Path(root)
        self.site = site
        self.flush_every = flush_every
        self.index = SqliteIndex(index_path(self.root))
        self.run: RunFile | None = None
        self.files_written: list[Path] = []
        self.checked: list[tuple[str, str]] = []  # unchanged re-checks not yet in the index
        self.previous_run_complete = True
        self._complete_mark = True

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # --- start-up -------------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Finish what a killed run of this site left: cut torn tails, index unindexed lines, publish files.

        Only the files the index lists as open are read (from where the index stopped), so this costs
        nothing on a healthy archive whatever its size. Returns the number of records indexed.
        """
        indexed = 0
        for name in self.index.open_files(self.site):
            indexed += finish_file(self.root, self.index, name)
        return indexed

    def begin_run(self) -> bool:
        """Whether the previous run of this site completed (read only: a run that archives nothing
        leaves the index as it found it; the mark goes down when the first record is written).

        Only after a complete run may an incremental crawl stop at archived articles: a run that was
        killed or lost articles may have archived newer articles but not older ones.
        """
        self._complete_mark = self.index.meta(f"complete:{self.site}") != "0"
        return self._complete_mark

    def end_run(self, complete: bool) -> None:
        if complete != self._complete_mark:
            with self.index.transaction():
                self.index.set_meta(f"complete:{self.site}", "1" if complete else "0")
            self._complete_mark = complete

    # --- writing ----------------------------------------------------------------------------------
    def _open_run_file(self) -> RunFile:
        now = datetime.now(UTC)
        folder = run_folder(self.root, self.site, now)
        stem = f"{self.site}-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}"
        final = folder / f"{stem}.jsonl"
        k = 1
        while final.exists() or final.with_name(final.name + PART).exists():  # a second archive in one process
            k += 1
            final = folder / f"{stem}-{k}.jsonl"
        name = self.rel(final)
        # Registered before the first byte, so a kill at any point leaves a file reconcile will find.
        with self.index.transaction():
            self.index.set_file(name, "open", 0, 0)
            self.index.set_meta(f"complete:{self.site}", "0")
        self._complete_mark = False
        path = final.with_name(final.name + PART)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        except OSError as exc:
            raise ArchiveError(f"cannot create {path}: {exc.strerror}") from exc
        return RunFile(name=name, path=path, fd=fd)

    def write(self, record: dict[str, Any]) -> None:
        """Append one whole record; it is indexed at the next flush."""
        if self.run is None:
            self.run = self._open_run_file()
        run = self.run
        line = dumps(record)
        try:
            written = os.write(run.fd, line)
        except OSError as exc:
            os.ftruncate(run.fd, run.size)
            raise ArchiveError(f"cannot write {run.path}: {exc.strerror}") from exc
        if written != len(line):
            os.ftruncate(run.fd, run.size)  # a full disk: no torn line stays behind
            raise ArchiveError(f"cannot write {run.path}: {os.strerror(errno.ENOSPC)}")
        run.size += written
        run.records += 1
        run.pending.append(entry_of(record, run.name))
        if len(run.pending) >= self.flush_every:
            self.flush()

    def mark_checked(self, key: str, when: str) -> None:
        """An unchanged re-check of ``key`` at ``when``: the next one waits (``archive.incremental``)."""
        self.checked.append((key, when))
        if len(self.checked) >= self.flush_every:
            self._flush_checked()

    def _flush_checked(self) -> None:
        if self.checked:
            with self.index.transaction():
                for key, when in self.checked:
                    self.index.touch([key], when)
            self.checked.clear()

    def flush(self) -> None:
        """Make written records durable, then let the index claim them."""
        run = self.run
        if run is None or not run.pending:
            return
        os.fsync(run.fd)
        with self.index.transaction():
            self.index.put(run.pending)
            self.index.set_file(run.name, "open", run.size, run.records)
        run.pending.clear()

    def close(self, complete: bool = False) -> None:
        """Flush, publish the run file under its final name, release the index.

        ``complete``: the run finished and lost nothing (see :meth:`begin_run`).
        """
        run = self.run
        try:
            if run is not None:
                self.flush()
                os.close(run.fd)
                final = self.root / run.name
                os.replace(run.path, final)
                fsync_dir(final.parent)
                with self.index.transaction():
                    self.index.set_file(run.name, "closed", run.size, run.records)
                self.files_written.append(final)
                self.run = None
            self._flush_checked()
            self.end_run(complete)
        finally:
            self.index.close()


def iter_records(path: Path, start: int = 0) -> Iterator[tuple[int, dict[str, Any]]]:
    """(offset after the line, record) for the whole, well-formed records of ``path`` from byte ``start``.

    Reading stops at the first line that is torn (no newline: a SIGKILL or a full disk mid-write) or is
    not a record (zeros or garbage a power cut left after the last fsync); nothing after it was durable.
    """
    for offset, line in iter_lines(path, start):
        try:
            record = loads(line)
        except ValueError:
            return
        if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ("key", "content_hash")):
            return
        yield offset, record


def read_tail(path: Path, start: int) -> tuple[list[dict[str, Any]], int]:
    """The records of ``path`` from byte ``start`` (see :func:`iter_records`), and where they end."""
    records: list[dict[str, Any]] = []
    end = start
    for end, record in iter_records(path, start):  # noqa: B007 - end is used after the loop
        records.append(record)
    return records, end


def finish_file(root: Path, index: SqliteIndex, name: str) -> int:
    """Index and publish one run file a killed run left open; returns the records newly indexed.

    ``name`` is the file's final name (the index never names the ``.part``). Safe to repeat at any point:
    the file is cut back only past what is whole; its rows go in while it is still marked open, then it
    is renamed, then marked closed, so a kill between any two steps leaves work the next call finishes.
    """
    state = index.file_state(name)
    start, records = (state[1], state[2]) if state else (0, 0)
    final = root / name
    part = final.with_name(final.name + PART)
    path = part if part.exists() else final if final.exists() else None
    if path is None:
        with index.transaction():
            index.set_file(name, "missing", start, records)
        return 0
    found, end = read_tail(path, start)
    with path.open("r+b") as fh:
        if path.stat().st_size != end:
            fh.truncate(end)  # only the unfinished tail of a file that was never closed
        os.fsync(fh.fileno())  # the killed run's last records may be in the page cache only
    if found:
        with index.transaction():
            index.put([entry_of(r, name) for r in found])
            index.set_file(name, "open", end, records + len(found))
    if path == part:
        os.replace(part, final)
        fsync_dir(final.parent)
    with index.transaction():
        index.set_file(name, "closed", end, records + len(found))
    return len(found)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
