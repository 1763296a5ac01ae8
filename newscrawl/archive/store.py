"""Writing the archive: one JSONL file per run and site, published whole, indexed only once durable.

Layout under the output folder (``NEWSCRAWL_OUTPUT``, default ``output/``)::

    <site>/<YYYY>/<site>-<YYYYMMDDTHHMMSSZ>-<pid>.jsonl   closed run files, never rewritten
    <site>/<YYYY>/<...>.jsonl.part                       the file a running crawl appends to
    <site>/<YYYY>/<...>.warc.gz(.part)                   the run's raw captures (``newscrawl.archive.warc``)
    .newscrawl/index.sqlite                              the seen-index
    .newscrawl/<site>.lock                               held by the running crawl of that site

A line is appended with one ``write`` of the whole encoded record; a short write (a full disk) is cut
back so no torn line stays. Every ``flush_every`` records the file is fsynced and only then are its
index rows committed. At close the ``.part`` file is renamed to ``.jsonl``. A run killed with SIGKILL
leaves a ``.part`` file that the next run's ``reconcile`` cuts back to its last whole line, indexes and
publishes, so the archive is complete and nothing is written twice. The run's WARC file goes in step: it is
fsynced before the JSONL file at every flush (a record never points at a capture that is not durable),
renamed before it at close, and a killed run's WARC ``.part`` is cut back to its last whole record and
published by the next run before its JSONL file is read.

The index is a cache of the files. Before a crawl's first request ``reconcile`` compares the index's list of
the site's files (name, state, bytes read) with a listing of ``<site>/<YYYY>/``; any file it does not account
for (no index, an empty or damaged one, a file it never read, one grown or cut since, a ``.part`` it does
not list, a file gone) makes it rebuild the site's part of the index from the files (``rebuild_site``),
so an archived article is never fetched and written a second time.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ClassVar

from newscrawl.archive import warc as warcfile
from newscrawl.archive.index import Entry, SqliteIndex, names_digest, open_index
from newscrawl.record import dumps, loads

STATE_DIR = ".newscrawl"
PART = ".part"


class ArchiveLocked(RuntimeError):
    """Another run holds the site's lock."""


class ArchiveError(RuntimeError):
    """The archive cannot be written (unwritable folder, full disk, ...)."""


def index_path(root: Path) -> Path:
    return root / STATE_DIR / "index.sqlite"


CLOSED_SUFFIXES = (".jsonl", ".jsonl.gz")


def sites_in(root: Path) -> list[str]:
    """Site folders of an archive (every folder below it but the state folder)."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


SIZED = 100  # the newest closed files of a site whose size the start-up check compares with the index's


def site_listing(root: Path, site: str, *, sizes: int | None = None) -> tuple[dict[str, int], dict[str, int]]:
    """(closed files, ``.part`` files) of a site as {final name relative to ``root``: bytes on disk}.

    The layout's two folder levels (``<site>/<YYYY>/``) are listed, nothing deeper. ``sizes``: stat only
    the newest that many closed files (names sort by start time) and give the others size -1; a ``stat``
    costs ~35 µs on a busy machine, ~1 s for a year of 15-minute runs, while a listing of names is cheap.
    """
    closed: dict[str, int] = {}
    parts: dict[str, int] = {}
    try:
        years = sorted(e.name for e in os.scandir(root / site) if e.is_dir(follow_symlinks=False))
    except (FileNotFoundError, NotADirectoryError):
        return closed, parts
    for year in years:
        folder = root / site / year
        for name in sorted(os.listdir(folder)):
            if name.endswith(CLOSED_SUFFIXES):
                closed[f"{site}/{year}/{name}"] = -1
            elif name.endswith(".jsonl" + PART):
                parts[f"{site}/{year}/{name.removesuffix(PART)}"] = (folder / name).stat().st_size
    names = list(closed)
    for name in names if sizes is None else names[-sizes:] if sizes else ():
        try:
            closed[name] = (root / name).stat().st_size
        except FileNotFoundError:  # published and gone between the listing and the stat: not ours to judge
            del closed[name]
    return closed, parts


def archive_files(root: Path, site: str | None = None) -> list[Path]:
    """Every closed archive file (``<site>/<YYYY>/*.jsonl`` and ``*.jsonl.gz``), sorted by name."""
    names = [name for s in ([site] if site else sites_in(root)) for name in site_listing(root, s)[0]]
    return [root / name for name in sorted(names)]


def part_files(root: Path, site: str | None = None) -> list[Path]:
    """The ``.part`` files (a running or killed run's) of the archive, sorted by name."""
    names = [name for s in ([site] if site else sites_in(root)) for name in site_listing(root, s)[1]]
    return [root / (name + PART) for name in sorted(names)]


def capture_files(root: Path, site: str | None = None, *, parts: bool = False) -> list[Path]:
    """The WARC files (``<site>/<YYYY>/*.warc.gz``; with ``parts``, the ``.warc.gz.part`` ones) by name."""
    suffix = warcfile.SUFFIX + (PART if parts else "")
    found: list[Path] = []
    for s in [site] if site else sites_in(root):
        try:
            years = sorted(e.path for e in os.scandir(root / s) if e.is_dir(follow_symlinks=False))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for year in years:
            found += [Path(year) / name for name in sorted(os.listdir(year)) if name.endswith(suffix)]
    return found


def publish_captures(root: Path, site: str) -> int:
    """Cut the torn tail of every WARC ``.part`` of ``site`` and publish it (the caller holds the site's
    lock, so their writers are dead); returns the files published."""
    parts = capture_files(root, site, parts=True)
    for path in parts:
        warcfile.publish_part(path)
    return len(parts)


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


class Captures:
    """The run's WARC file, opened on the first capture (an archive of a crawl run, embedded or distributed)."""

    root: Path
    warc: warcfile.WarcWriter | None

    def _warc_name(self) -> str:
        """The run's WARC file relative to the root: its JSONL file's name with ``.warc.gz``."""
        raise NotImplementedError

    def _capture_file(self, info: dict[str, str]) -> warcfile.WarcWriter:
        if self.warc is None:
            try:
                self.warc = warcfile.WarcWriter(self.root, self._warc_name(), info)
            except OSError as exc:
                raise ArchiveError(str(exc.strerror)) from exc
        return self.warc

    def capture(self, exchange: warcfile.Exchange, date: str, info: dict[str, str]) -> dict[str, Any]:
        """Append an article's exchange to the run's WARC file (opened with ``info`` as its warcinfo on
        first use); returns the record's ``capture`` pointer. It is made durable before the record is."""
        writer = self._capture_file(info)
        try:
            return writer.write_exchange(exchange, date)
        except OSError as exc:
            raise ArchiveError(f"cannot write {writer.path}: {exc.strerror}") from exc

    def revisit(
        self, exchange: warcfile.Exchange, date: str, info: dict[str, str], refers_to: dict[str, str] | None
    ) -> None:
        """Append a ``revisit`` record for an unchanged re-check (see ``newscrawl.capture``)."""
        writer = self._capture_file(info)
        try:
            if refers_to is None:
                writer.write_exchange(exchange, date)
            else:
                writer.write_revisit(exchange, date, refers_to)
        except OSError as exc:
            raise ArchiveError(f"cannot write {writer.path}: {exc.strerror}") from exc


class Archive(Captures):
    """The archive of one site inside an output folder, opened by one crawl."""

    def __init__(self, root: Path, site: str, *, flush_every: int = 50) -> None:
        self.root = Path(root)
        self.site = site
        self.flush_every = flush_every
        self.index, self.damage = open_index(index_path(self.root))
        self.rebuilt: Rebuilt | None = None  # set when reconcile had to rebuild the index from the files
        self.run: RunFile | None = None
        self.files_written: list[Path] = []
        self.checked: list[tuple[str, str]] = []  # unchanged re-checks not yet in the index
        self.previous_run_complete = True
        self._complete_mark = True
        self._stem: Path | None = None  # <folder>/<run name> shared by the run's JSONL and WARC files
        self.warc: warcfile.WarcWriter | None = None
        self.captures_written: list[Path] = []

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # --- start-up -------------------------------------------------------------------------------
    def reconcile(self) -> int:
        """Finish what a killed run of this site left: cut torn tails, index unindexed lines, publish files.

        Only the files the index lists as open are read (from where the index stopped), so this costs
        nothing on a healthy archive whatever its size; when the index does not account for every file of
        the site (see :func:`unaccounted`) the site's part of it is rebuilt from the files instead
        (``self.rebuilt`` says why and what was read). Returns the number of records indexed.
        """
        publish_captures(self.root, self.site)  # before the JSONL lines that point into them are read
        reason = self.damage or unaccounted(self.index, self.root, self.site, crawl=True)
        if reason is not None:
            self.rebuilt = rebuild_site(self.index, self.root, self.site, reason)
            return self.rebuilt.records
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
    def _run_stem(self) -> Path:
        """``<site>/<YYYY>/<run name>`` (no suffix), chosen once per run for its JSONL and WARC files."""
        if self._stem is None:
            now = datetime.now(UTC)
            folder = run_folder(self.root, self.site, now)
            stem = f"{self.site}-{now:%Y%m%dT%H%M%SZ}-{os.getpid()}"
            final = folder / stem
            k = 1
            while any(  # a second archive in one process
                final.with_name(final.name + suffix).exists()
                for suffix in (".jsonl", ".jsonl" + PART, warcfile.SUFFIX, warcfile.SUFFIX + PART)
            ):
                k += 1
                final = folder / f"{stem}-{k}"
            self._stem = final
        return self._stem

    def _warc_name(self) -> str:
        return self.rel(self._run_stem()) + warcfile.SUFFIX

    def _open_run_file(self) -> RunFile:
        stem = self._run_stem()
        final = stem.with_name(stem.name + ".jsonl")
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
        # Working keys (``_capture``: the raw exchange) ride along an item but are never archived.
        line = dumps({k: v for k, v in record.items() if not k.startswith("_")})
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
        if self.warc is not None:
            self.warc.sync()  # the captures the pending records point at, first
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
            self.flush()
            if self.warc is not None:
                self.captures_written.append(self.warc.close())  # before the JSONL that points into it
                self.warc = None
            if run is not None:
                os.close(run.fd)
                final = self.root / run.name
                os.replace(run.path, final)
                fsync_dir(final.parent)
                with self.index.transaction():
                    self.index.set_file(run.name, "closed", run.size, run.records)
                    self.index.note_listing(self.site)
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


def read_tail(path: Path, start: int, root: Path | None = None) -> tuple[list[dict[str, Any]], int]:
    """The records of ``path`` from byte ``start`` (see :func:`iter_records`), and where they end.

    With ``root``, reading also stops at the first record whose capture is not whole on disk: a power cut
    can keep a line whose WARC record the disk never got (the WARC file is fsynced first, but pages reach
    the disk in any order between two fsyncs). That article is fetched again by the next run.
    """
    records: list[dict[str, Any]] = []
    end = start
    sizes: dict[str, int] = {}
    for after, record in iter_records(path, start):
        if root is not None and not _capture_on_disk(root, record.get("capture"), sizes):
            break
        records.append(record)
        end = after
    return records, end


def _capture_on_disk(root: Path, capture: object, sizes: dict[str, int]) -> bool:
    if not isinstance(capture, dict):
        return True  # no capture (NEWSCRAWL_WARC=0, a rendered page): nothing to wait for
    name = str(capture.get("file") or "")
    if name not in sizes:
        found = warcfile.capture_path(root, name) if name else None
        # Its torn tail is cut already (``publish_captures`` runs before any run file is finished).
        sizes[name] = found.stat().st_size if found is not None else -1
    offset, length = capture.get("offset"), capture.get("length")
    return isinstance(offset, int) and isinstance(length, int) and offset + length <= sizes[name]


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
    found, end = read_tail(path, start, root)
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
        index.note_listing(name.split("/", 1)[0])
    return len(found)


# --- the index as a cache of the files ----------------------------------------------------------------
def unaccounted(index: SqliteIndex, root: Path, site: str, *, crawl: bool) -> str | None:
    """The first file of ``site`` the index does not account for, as a sentence; None when it accounts
    for every one. Every file's name is compared. A crawl whose listing matches the digest of names the
    index keeps compares the sizes of the newest ``SIZED`` files only (those a crash can have cut or
    grown; an old file changed by hand since is found by ``verify``); otherwise, and for the tools, the
    size of every file.

    ``crawl``: the check of a crawl that holds the site's lock, which also wants every ``.part`` file
    listed as open and every file the index lists present. Without it (the read-only tools, while a
    crawl may be running) files the index has open are a running crawl's business and pass.
    """
    closed, parts = site_listing(root, site, sizes=SIZED if crawl else None)
    if crawl and index.meta(f"listing:{site}") == names_digest(closed):
        # The index's closed files are the files on disk (by name): check the open ones and the sizes
        # of the newest only, without reading every file's row.
        opened = set(index.open_files(site))
        if not (set(parts) <= opened):
            return f"{min(set(parts) - opened)}{PART} is not in the index"
        sized = [name for name, size in closed.items() if size >= 0]
        known = index.files_named(sized + sorted(opened))
        for name in sized:
            if known[name][0] == "closed" and known[name][1] != closed[name]:
                return f"{name} has {closed[name]} bytes, the index read {known[name][1]}"
        for name in opened:
            if name not in closed and name not in parts:
                return f"{name} is in the index but not on disk"
        return None
    if crawl:  # the listing changed, or an index of before the digest: compare every file's size too
        closed, parts = site_listing(root, site)
    known = index.site_files(site)
    if crawl:
        for name in parts:
            if known.get(name, ("", 0))[0] != "open":
                return f"{name}{PART} is not in the index"
    for name, size in closed.items():
        state, indexed = known.get(name, ("", 0))
        if not state:
            return f"{name} is not in the index"
        if state == "closed" and size >= 0 and indexed != size:
            return f"{name} has {size} bytes, the index read {indexed}"
        if state not in ("open", "closed"):
            return f"{name} is {state} in the index"
    for name, (state, _) in known.items():
        if name not in closed and name not in parts and (crawl or state == "closed"):
            return f"{name} is in the index but not on disk"
    if crawl:
        with index.transaction():
            index.note_listing(site)  # every file checked: the next start-ups take the fast path
    return None


@dataclass(frozen=True)
class BadLine:
    name: str  # the file, relative to the archive root
    lineno: int
    reason: str

    def __str__(self) -> str:
        return f"{self.name}:{self.lineno}: {self.reason}"


def record_problem(record: object) -> str | None:
    """What keeps a parsed line from being an archive record the index can hold (None: nothing)."""
    if not isinstance(record, dict):
        return "not a JSON object"
    for name in ("key", "site", "lang", "url", "content_hash"):
        value = record.get(name, ...)
        if value is ...:
            return f"no {name}"
        if value is None:
            return f"{name} is null"
        if not isinstance(value, str):
            return f"{name} is {json.dumps(value)[:40]}, not a string"
        if not value:
            return f"{name} is empty"
    version = record.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return f"version is {json.dumps(version)[:40]}, not a whole number from 1"
    for name in ("published", "modified", "crawled_at"):
        if not isinstance(record.get(name), str | None):
            return f"{name} is not a string"
    return None


def scan_lines(path: Path, name: str) -> Iterator[tuple[int, bytes, dict[str, Any] | BadLine]]:
    """(line number, line, record or what is wrong with it) for every line of a closed file.

    Unlike :func:`iter_records` (a killed run's ``.part``, where nothing after a bad line was durable),
    a bad line of a closed file ends nothing: every line is read.
    """
    lineno = 0
    for lineno, line in _all_lines(path):
        if not line.endswith(b"\n"):
            yield lineno, line, BadLine(name, lineno, "torn: the last line has no newline")
            continue
        try:
            record = loads(line)
        except ValueError:
            yield lineno, line, BadLine(name, lineno, "not JSON")
            continue
        problem = record_problem(record)
        yield lineno, line, BadLine(name, lineno, problem) if problem else record


def _all_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    if path.name.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as fh:
            yield from enumerate(fh, 1)
        return
    with path.open("rb") as fh:
        yield from enumerate(fh, 1)


def index_file(index: SqliteIndex, root: Path, name: str) -> tuple[int, list[BadLine]]:
    """Index every good record of the closed file ``name`` (inside the caller's transaction); returns
    (records, bad lines). The file is noted with its size on disk, which the start-up check compares."""
    path = root / name
    size = path.stat().st_size
    bad: list[BadLine] = []
    count = 0
    batch: list[Entry] = []
    for _, _, found in scan_lines(path, name):
        if isinstance(found, BadLine):
            bad.append(found)
            continue
        batch.append(entry_of(found, name))
        count += 1
        if len(batch) >= 5000:
            index.put(batch)
            batch.clear()
    index.put(batch)
    index.set_file(name, "closed", size, count)
    return count, bad


@dataclass
class Rebuilt:
    reason: str  # why: the first file the index did not account for, or what was wrong with the index
    files: int = 0
    records: int = 0
    bad: list[BadLine] = field(default_factory=list)


def rebuild_site(index: SqliteIndex, root: Path, site: str, reason: str) -> Rebuilt:
    """Rebuild one site's rows of the index from its files (the caller holds the site's lock).

    A killed run's ``.part`` files are finished first, as ``reconcile`` would; then every line of every
    closed file is read and every good record indexed, one transaction per file (other sites' crawls
    may be writing the same index), so a rebuild cut short leaves files the next start-up rebuilds
    again. What the files do not hold: the time of an unchanged re-check (kept from the old rows when
    they could be read; else the next runs re-check those articles once more) and whether the site's
    last run was complete (set to no: the next run reads every source whole). Neither can cause a
    duplicate; both cost only fetches.
    """
    result = Rebuilt(reason)
    publish_captures(root, site)
    with index.transaction():
        index.clear_site(site)
        index.set_meta(f"complete:{site}", "0")
    closed, parts = site_listing(root, site)
    for name in sorted(parts):
        with index.transaction():
            index.set_file(name, "open", 0, 0)
        result.records += finish_file(root, index, name)
        result.files += 1
    # Commits every ~20,000 records, not per file: a commit is an fsync, and years of runs are many files.
    index.db.execute("BEGIN IMMEDIATE")
    try:
        since_commit = 0
        for name in sorted(set(closed) - set(parts)):
            count, bad = index_file(index, root, name)
            result.records += count
            result.bad += bad
            result.files += 1
            since_commit += count + 1
            if since_commit >= 20_000:
                index.db.execute("COMMIT")
                index.db.execute("BEGIN IMMEDIATE")
                since_commit = 0
        index.restore_checked()
        index.note_listing(site)
    except BaseException:
        index.db.execute("ROLLBACK")
        raise
    index.db.execute("COMMIT")
    return result


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
