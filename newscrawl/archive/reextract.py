"""``newscrawl archive reextract``: today's extraction re-run on the captured responses, without the network.

In place, the latest version of every article whose record points at a capture (``capture``: a gzip
member of a WARC ``response`` record) is extracted again from the captured bytes, with the capture's
``WARC-Date`` as the crawl time and the crawl's arguments from the WARC file's ``warcinfo`` record (``tz``).
When the title, the text, or the publication or modification time now come out different, version N+1 is
appended through the archive's own writer (``newscrawl.archive.store.Archive``: fsync before the index
learns of it, crash-safe like a crawl), numbered by the crawl's ``decide``; it keeps the capture pointer
of the version it was extracted from, that capture's ``crawled_at`` and today's ``parser`` and
``extractor`` labels. An unchanged article writes nothing, so a second run writes nothing.

``into`` builds a fresh archive in an empty folder from the WARC files alone: they are hard-linked (or
copied) to the same relative paths, so the pointers stay valid, and every response record is extracted
in crawl order and numbered against the new archive's index, as the crawl numbered it.

Extraction runs in worker processes (one per CPU), chunks of pages at a time; records are compared and
written in the main process in archive order, so the output does not depend on the workers' timing.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import shutil
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from newscrawl.archive.store import (
    STATE_DIR,
    Archive,
    ArchiveLocked,
    SiteLock,
    capture_files,
    sites_in,
    try_flock,
)
from newscrawl.drops import ArticleDropped, UnchangedArticle

# What makes a re-extracted article a new version (the other fields follow along when it is one).
COMPARED = ("title", "text", "published", "modified")
CHUNK = 16  # pages per task sent to a worker: large enough to amortise the pickling, small for a smooth bar


class ReextractError(ValueError):
    """A bad argument (folder, site, date): one line for the user."""


@dataclass(frozen=True)
class Job:
    """One capture to extract: the archived article it is a version of (in place), or a WARC record (into)."""

    capture: dict[str, Any]
    key: str | None = None  # the archived article's key (in place)
    old: tuple[Any, ...] | None = None  # its COMPARED fields (in place)
    where: str = ""  # how a skip line names the capture


@dataclass
class Outcome:
    kind: str  # changed | unchanged | dropped | damaged | failed
    job: Job
    record: dict[str, Any] | None = None
    fields: tuple[str, ...] = ()
    reason: str = ""


@dataclass
class Summary:
    read: int = 0  # captures extracted (or tried)
    changed: int = 0  # new versions written (or, in a dry run, that would be)
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # reason -> articles
    damaged: int = 0  # captures missing or damaged, or pages extraction failed on: the run's exit is non-zero
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.damaged

    def line(self, dry_run: bool = False) -> str:
        rate = self.read / self.seconds if self.seconds else 0.0
        skipped = sum(self.skipped.values())
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        verb = "would change" if dry_run else "changed"
        return (
            f"reextract: read {self.read} pages in {self.seconds:.1f} s ({rate:,.0f} pages/s): "
            f"{self.changed} {verb}, {self.unchanged} unchanged, {skipped} skipped"
            + (f" ({reasons})" if reasons else "")
        )


def changed_fields(old: Mapping[str, Any] | tuple[Any, ...], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Which of ``COMPARED`` differ between an archived record (or its compared values) and a new one."""
    values = tuple(old.get(name) for name in COMPARED) if isinstance(old, Mapping) else old
    return tuple(name for name, value in zip(COMPARED, values, strict=True) if value != new.get(name))


# --- extraction (in the workers) ------------------------------------------------------------------------
_arguments: dict[Path, dict[str, str] | str] = {}


def crawl_arguments(path: Path) -> dict[str, str]:
    """The crawl's extraction-relevant arguments a WARC file's ``warcinfo`` record holds (cached per file).

    Raises ``CaptureError`` for a file that does not start with one: without the crawl's arguments (``tz``)
    a page could come out different for no fault of the parser.
    """
    from newscrawl.archive.warc import CaptureError, read_warcinfo

    found = _arguments.get(path)
    if found is None:
        try:
            found = read_warcinfo(path)
        except (CaptureError, OSError) as exc:
            found = str(exc) if isinstance(exc, CaptureError) else f"{path.name}: cannot read ({exc.strerror})"
        _arguments[path] = found
    if isinstance(found, str):
        raise CaptureError(found)
    return found


def capture_time(warc_date: str) -> datetime:
    """A ``WARC-Date`` (``2026-11-29T06:00:00Z``, maybe with a fraction) as an aware UTC datetime."""
    return datetime.fromisoformat(warc_date.strip().replace("Z", "+00:00")).astimezone(UTC)


def extract_capture(root: Path, capture: Mapping[str, Any]) -> dict[str, Any]:
    """The record today's extraction makes of one captured response, as the crawl would have made it then.

    Raises ``CaptureError`` for a capture that is missing or damaged, the drop reason for a page that would
    not be archived.
    """
    from newscrawl import extract
    from newscrawl.archive.warc import read_capture

    captured = read_capture(root, capture)  # first: a missing file is named as read_capture names it
    tz = crawl_arguments(root / str(capture["file"])).get("tz") or None
    record = extract(
        captured.body, captured.url, capture_time(captured.warc_date), content_type=captured.content_type, tz=tz
    )
    record["capture"] = dict(capture)
    return record


def _outcome(root: Path, job: Job) -> Outcome:
    from newscrawl.archive.warc import CaptureError

    try:
        record = extract_capture(root, job.capture)
    except CaptureError as exc:
        return Outcome("damaged", job, reason=str(exc))
    except ArticleDropped as drop:
        return Outcome("dropped", job, reason=f"today's extraction drops it ({drop.reason})")
    except Exception as exc:
        return Outcome("failed", job, reason=f"extraction failed: {type(exc).__name__}: {exc}")
    if job.old is None:
        return Outcome("changed", job, record)
    if job.key is not None and record["key"] != job.key:
        return Outcome("dropped", job, reason=f"today's extraction gives it the key {record['key']}")
    fields = changed_fields(job.old, record)
    # An unchanged page goes back without its record: most pages are, and the text is the bulk of a pickle.
    return Outcome("changed", job, record, fields) if fields else Outcome("unchanged", job)


def _die_with_parent(parent: int) -> None:
    """A worker's start: ask Linux to kill it when the run dies (``kill -9`` included).

    A pool worker waits for work on a pipe its sibling workers also hold open, so it would never see the
    end of a killed run and would wait forever.
    """
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: a killed run's workers end with their next task
        pass
    if os.getppid() != parent:  # the run died before the request took effect
        os._exit(1)


def _run_chunk(task: tuple[Path, list[Job]]) -> list[Outcome]:
    root, jobs = task
    return [_outcome(root, job) for job in jobs]


def _chunks(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    chunk: list[Job] = []
    for job in jobs:
        chunk.append(job)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class Extractor:
    """Extraction of jobs in ``workers`` processes, results in the order of the jobs.

    The pool is started (forked) when this is made, before the caller opens the archive's index, so no
    SQLite connection or lock is carried into a worker. At most ``2 * workers`` chunks are in flight: the
    jobs are read lazily, so memory does not grow with the archive.
    """

    def __init__(self, root: Path, workers: int) -> None:
        self.root = root
        self.workers = max(1, workers)
        self.pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            self.pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            self.pool.submit(int).result()  # a fork context starts every worker at the first task

    def run(self, jobs: Iterable[Job]) -> Iterator[Outcome]:
        if self.pool is None:
            for chunk in _chunks(jobs, CHUNK):
                yield from _run_chunk((self.root, chunk))
            return
        window: deque[Future[list[Outcome]]] = deque()
        for chunk in _chunks(jobs, CHUNK):
            window.append(self.pool.submit(_run_chunk, (self.root, chunk)))
            if len(window) >= 2 * self.workers:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)
            self.pool = None


# --- the run ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Selection:
    """Which captures a run re-extracts: a site, and crawl days (UTC, ``crawled_at``) from ``since`` to ``until``."""

    site: str | None = None
    since: date | None = None
    until: date | None = None

    def keep_day(self, crawled_at: str | None) -> bool:
        if self.since is None and self.until is None:
            return True
        if not crawled_at:
            return False
        try:
            day = capture_time(crawled_at).date()
        except ValueError:  # a damaged date: kept, so that extracting it names the damage in one line
            return True
        return not ((self.since and day < self.since) or (self.until and day > self.until))


Report = Callable[[str], None]


def _print_err(line: str) -> None:
    print(line, file=sys.stderr)


def _print_out(line: str) -> None:
    print(line)


@dataclass
class _Bar:
    """A tqdm bar on stderr when it is a terminal (as a crawl's, ``newscrawl.progress``); nothing otherwise."""

    total: int | None
    bar: Any = None

    def __post_init__(self) -> None:
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit="page", file=sys.stderr, dynamic_ncols=True, leave=False)

    def step(self, summary: Summary) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(f"{summary.changed} changed, {summary.unchanged} unchanged", refresh=False)
            self.bar.update(1)

    def write(self, line: str, report: Report) -> None:
        if self.bar is not None:
            self.bar.clear()
        report(line)
        if self.bar is not None:
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def reextract(
    root: Path,
    selection: Selection = Selection(),
    *,
    dry_run: bool = False,
    into: Path | None = None,
    jobs: int | None = None,
    out: Report = _print_out,
    err: Report = _print_err,
) -> Summary:
    """Re-extract the captures of ``root`` (in place, or into the empty folder ``into``); see the module.

    ``out`` gets one line per article that changes (``key: fields``), ``err`` one line per article skipped
    for a missing or damaged capture or a failed extraction, and one per article today's extraction drops.
    Raises ``ReextractError`` for a bad argument and ``ArchiveLocked`` when a crawl holds a site's lock.
    """
    root = Path(root)
    if not root.is_dir():
        raise ReextractError(f"no archive folder at {root}")
    sites = sites_in(root)
    if selection.site is not None and selection.site not in sites:
        known = ", ".join(sites) or "none"
        raise ReextractError(f"no site {selection.site!r} in {root} (its sites: {known})")
    if into is not None:
        into = Path(into)
        if into.resolve() == root.resolve() or into.resolve().is_relative_to(root.resolve()):
            raise ReextractError(f"--into {into} is inside the archive folder {root}; build it elsewhere")
        if into.exists() and (not into.is_dir() or any(into.iterdir())):
            raise ReextractError(f"--into {into} is not an empty folder")
        if dry_run:
            raise ReextractError("--dry-run compares with an archive's records; --into builds a new archive")
    elif not dry_run and (root / STATE_DIR / "redis-epoch").exists():
        # Its workers number versions against the Redis seen-index, which would not learn of the versions
        # written here: a later re-check could number a second record with the same version.
        raise ReextractError(
            f"{root} is crawled in distributed mode (Redis seen-index); re-extract it --into a new folder "
            "or see --dry-run"
        )
    started = time.perf_counter()
    summary = Summary()
    workers = jobs or os.cpu_count() or 1
    _arguments.clear()  # a file of an earlier call may have been replaced since
    with ExitStack() as stack:
        # Forked before any lock is taken: a worker left behind by a killed run must not hold the site's lock.
        extractor = Extractor(root, workers)
        stack.callback(extractor.close)
        for site in [selection.site] if selection.site else sites:
            lock = SiteLock(root, site)
            if dry_run:  # a shared lock refuses as the run would, and writes nothing, not even a holder's pid
                stack.enter_context(try_flock(lock.path, fcntl.LOCK_SH, f"another crawl holds {lock.path}"))
            else:
                stack.enter_context(lock)  # a running crawl of the site: ArchiveLocked
        if into is None:
            _in_place(root, selection, dry_run, extractor, summary, out, err, stack)
        else:
            _into(root, into, selection, extractor, summary, err, stack)
    summary.seconds = time.perf_counter() - started
    return summary


def _skip(outcome: Outcome, summary: Summary, bar: _Bar, err: Report) -> None:
    job = outcome.job
    name = job.key or job.where
    if outcome.kind == "dropped":
        summary.skipped["dropped by today's extraction"] += 1
        bar.write(f"newscrawl: {name}: not re-extracted: {outcome.reason}", err)
        return
    summary.damaged += 1
    summary.skipped["damaged capture" if outcome.kind == "damaged" else "extraction failed"] += 1
    bar.write(f"newscrawl: {name}: capture skipped: {outcome.reason}", err)


def _numbered(record: dict[str, Any], archive: Archive) -> dict[str, Any] | None:
    """``record`` numbered against the archive's index as a crawl numbers it; None when it is no new version."""
    from newscrawl.archive.versions import decide

    try:
        return decide(record, archive.index.get(record["key"]), published_counts=True)
    except UnchangedArticle:
        return None


def _in_place(
    root: Path,
    selection: Selection,
    dry_run: bool,
    extractor: Extractor,
    summary: Summary,
    out: Report,
    err: Report,
    stack: ExitStack,
) -> None:
    from newscrawl.archive.tools import Filters, latest_records

    archives: dict[str, Archive] = {}
    if not dry_run:
        for site in [selection.site] if selection.site else sites_in(root):
            archive = Archive(root, site)
            archive.reconcile()  # a killed crawl's file finished first, so the index numbers versions right
            complete = archive.begin_run()
            stack.callback(archive.close, complete)  # the site's crawl completeness stays what it was
            archives[site] = archive

    def jobs() -> Iterator[Job]:
        for record, _ in latest_records(root, Filters(site=selection.site)):
            if not selection.keep_day(record.get("crawled_at")):
                continue
            capture = record.get("capture")
            if not isinstance(capture, dict):
                summary.skipped["no capture"] += 1  # archived before captures were kept
                continue
            old = tuple(record.get(name) for name in COMPARED)
            yield Job(capture, record["key"], old, record["key"])

    bar = _Bar(None)
    try:
        for outcome in extractor.run(jobs()):
            summary.read += 1
            bar.step(summary)
            if outcome.kind == "unchanged":
                summary.unchanged += 1
            elif outcome.kind == "changed":
                assert outcome.record is not None and outcome.job.key is not None
                if not dry_run:
                    archive = archives[outcome.record["site"]]
                    record = _numbered(outcome.record, archive)
                    if record is None:  # a second record of one key (a damaged archive), numbered already
                        summary.unchanged += 1
                        continue
                    archive.write(record)
                summary.changed += 1
                bar.write(f"{outcome.job.key}: {', '.join(outcome.fields)}", out)
            else:
                _skip(outcome, summary, bar, err)
    finally:
        bar.close()


def captures_in(root: Path, path: Path) -> Iterator[tuple[dict[str, Any], str]]:
    """(capture pointer, ``WARC-Date``) of every ``response`` record of one WARC file, in file order.

    Only the WARC headers are read here (the worker reads the record again through ``read_capture``, which
    checks its digest). Raises ``CaptureError`` after the last whole record when the file goes on past it
    (damage, or a torn tail).
    """
    from newscrawl.archive.warc import CaptureError, members

    name = path.relative_to(root).as_posix()
    end = 0
    for offset, length, data in members(path):
        end = offset + length
        head: dict[str, str] = {}
        for line in data.partition(b"\r\n\r\n")[0].decode("utf-8", "replace").split("\r\n")[1:]:
            key, _, value = line.partition(":")
            head[key.strip().lower()] = value.strip()
        if head.get("warc-type") == "response":
            pointer = {"file": name, "offset": offset, "length": length, "digest": head.get("warc-payload-digest", "")}
            yield pointer, head.get("warc-date", "")
    if end != path.stat().st_size:
        raise CaptureError(f"{name} at offset {end}: damaged or torn after the last whole record; the rest is skipped")


def _link(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not allowed: a copy serves as well
        shutil.copy2(source, target)


def _into(
    root: Path,
    into: Path,
    selection: Selection,
    extractor: Extractor,
    summary: Summary,
    err: Report,
    stack: ExitStack,
) -> None:
    from newscrawl.archive.warc import CaptureError

    for site in [selection.site] if selection.site else sites_in(root):
        source = Archive(root, site)  # a killed crawl's WARC .part: cut back and published, as the next crawl would
        try:
            source.reconcile()
        finally:
            source.close(source.begin_run())
    files = capture_files(root, selection.site)
    into.mkdir(parents=True, exist_ok=True)
    for path in files:
        _link(path, into / path.relative_to(root))
    extractor.root = into
    archives: dict[str, Archive] = {}
    damaged_files: list[str] = []

    def jobs() -> Iterator[Job]:
        for path in files:
            try:
                for capture, warc_date in captures_in(into, into / path.relative_to(root)):
                    if selection.keep_day(warc_date):
                        yield Job(capture, where=f"{capture['file']}@{capture['offset']}")
            except CaptureError as exc:
                damaged_files.append(str(exc))

    def report_damaged_files() -> None:
        while damaged_files:
            summary.damaged += 1
            summary.skipped["damaged WARC file"] += 1
            bar.write(f"newscrawl: {damaged_files.pop(0)}", err)

    # A crawl archives an article once per run (``DuplicateArticle``); a WARC file is one run's.
    run_file, seen = "", set[str]()
    bar = _Bar(None)
    try:
        for outcome in extractor.run(jobs()):
            report_damaged_files()
            summary.read += 1
            bar.step(summary)
            if outcome.kind != "changed":
                _skip(outcome, summary, bar, err)
                continue
            record = outcome.record
            assert record is not None
            site = record["site"]
            if selection.site is not None and site != selection.site:
                summary.skipped["other site"] += 1
                continue
            if record["capture"]["file"] != run_file:
                run_file, seen = record["capture"]["file"], set()
                for opened in archives.values():
                    opened.flush()  # the index numbers the next run's versions, as after a crawl's close
            if record["key"] in seen:
                summary.skipped["archived earlier in its run"] += 1
                continue
            seen.add(record["key"])
            archive = archives.get(site)
            if archive is None:
                stack.enter_context(SiteLock(into, site))
                archive = archives[site] = Archive(into, site)
                archive.reconcile()
                stack.callback(archive.close, False)  # built from captures: the next crawl reads every source
            numbered = _numbered(record, archive)
            if numbered is None:
                summary.unchanged += 1  # a re-check the crawl found unchanged
            else:
                summary.changed += 1
                archive.write(numbered)
        report_damaged_files()
    finally:
        bar.close()


__all__ = [
    "COMPARED",
    "ArchiveLocked",
    "ReextractError",
    "Selection",
    "Summary",
    "changed_fields",
    "crawl_arguments",
    "extract_capture",
    "reextract",
]
