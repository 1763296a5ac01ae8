"""The archive tools behind ``newscrawl archive stats|verify|export|reindex``.

They read the closed run files (``*.jsonl``; a running crawl's ``.part`` file is not part of the archive
yet) and the seen-index beside them. ``reindex`` rebuilds the index from the files under every site's
lock, into a new file swapped in whole. ``stats``, ``verify`` and ``export`` write nothing in the archive
folder: they open the index read-only, and when it is missing, damaged or does not account for every
file they build one from the files in a temporary folder outside the archive (``index_for_reading``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import sqlite3
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newscrawl.archive.check import record_check
from newscrawl.archive.index import SIDECARS, IndexDamaged, SqliteIndex, header_damage
from newscrawl.archive.store import (
    BadLine,
    SiteLock,
    archive_files,
    capture_files,
    fsync_dir,
    index_file,
    index_path,
    iter_lines,
    part_files,
    rebuild_site,
    scan_lines,
    sites_in,
    unaccounted,
)
from newscrawl.archive.warc import CaptureError, check_capture, check_file, close_files
from newscrawl.record import content_hash, loads


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def lock_all(root: Path, stack: ExitStack) -> None:
    """Hold every site's lock (raises ``ArchiveLocked`` if a crawl is running)."""
    for site in sites_in(root):
        stack.enter_context(SiteLock(root, site))


# --- reindex ------------------------------------------------------------------------------------------
@dataclass
class Reindexed:
    records: int = 0  # good records read (and indexed)
    articles: int = 0
    bad: list[BadLine] = field(default_factory=list)


def reindex(root: Path, on_bad: Callable[[BadLine], None] | None = None) -> Reindexed:
    """Rebuild the seen-index from scratch: a new file, swapped in whole (``os.replace``) when complete.

    Every line of every file is read; a bad line (not JSON, not a record, ``"key": null``, torn) is passed
    to ``on_bad`` and skipped, every good record is indexed. Unfinished ``.part`` files (a killed run's) are
    finished first, as a crawl's start would. A reindex that is interrupted leaves the old index in place.
    """
    result = Reindexed()
    with ExitStack() as stack:
        lock_all(root, stack)
        path = index_path(root)
        new = path.with_name(path.name + ".new")
        for suffix in SIDECARS:
            new.with_name(new.name + suffix).unlink(missing_ok=True)
        index = SqliteIndex(new)
        try:
            index.db.execute("PRAGMA synchronous = OFF")  # not live until swapped in, after one fsync
            index.db.execute("PRAGMA cache_size = -65536")  # 64 MB: a million random-key inserts stay in memory
            for site in sites_in(root):
                rebuilt = rebuild_site(index, root, site, "reindex")
                result.records += rebuilt.records
                for bad in rebuilt.bad:
                    result.bad.append(bad)
                    if on_bad is not None:
                        on_bad(bad)
            result.articles = index.count()
            index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            index.close()  # the last connection: SQLite removes the new file's WAL
        with new.open("rb+") as fh:
            os.fsync(fh.fileno())
        with (path.parent / "index.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # no crawl is opening the index (``open_index``) meanwhile
            # The old WAL must never meet the new file: every site's lock is held, so no crawl has it open.
            for suffix in SIDECARS[1:]:
                path.with_name(path.name + suffix).unlink(missing_ok=True)
            os.replace(new, path)
            fsync_dir(path.parent)
    return result


@contextmanager
def index_for_reading(root: Path, *, stale: bool = False) -> Iterator[tuple[SqliteIndex, str | None]]:
    """The archive's index, opened read-only, and None; or, when it is missing, damaged or (unless
    ``stale``) does not account for every closed file, an index built from the files in a temporary
    folder (outside the archive, removed afterwards) and what was wrong with the archive's own."""
    path = index_path(root)
    problem: str | None = None
    index: SqliteIndex | None = None
    if not path.exists():
        problem = f"no index at {path}"
    elif path.stat().st_size == 0:
        problem = f"the index {path} is empty"
    elif (damage := header_damage(path)) is not None:
        problem = f"the index {path} is damaged ({damage})"
    else:
        try:
            index = SqliteIndex(path, readonly=True)
            index.probe()
            for site in sites_in(root) if not stale else ():
                if (missing := unaccounted(index, root, site, crawl=False)) is not None:
                    problem = f"the index {path} is out of date ({missing})"
                    break
        except (sqlite3.DatabaseError, IndexDamaged) as exc:
            problem = f"the index {path} is damaged ({exc})"
        except OSError as exc:
            problem = f"the index {path} cannot be read ({exc.strerror or exc})"
    if problem is None and index is not None:
        try:
            yield index, None
        finally:
            index.close()
        return
    if index is not None:
        index.close()
    with tempfile.TemporaryDirectory(prefix="newscrawl-index-") as folder:
        temp = SqliteIndex(Path(folder) / "index.sqlite")
        try:
            temp.db.execute("PRAGMA synchronous = OFF")
            with temp.transaction():
                for file in archive_files(root):
                    index_file(temp, root, file.relative_to(root).as_posix())
            yield temp, problem
        finally:
            temp.close()


# --- stats --------------------------------------------------------------------------------------------
@dataclass
class Stats:
    articles: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (site, lang, YYYY-MM)
    records: int = 0
    revised: int = 0
    files: int = 0
    problem: str | None = None  # what was wrong with the index, when the counts come from the files


def stats(root: Path) -> Stats:
    """Articles by site, language and month of publication, from the index (fast at any size; from the
    files when the index does not account for them, ``Stats.problem`` then says why)."""
    out = Stats()
    with index_for_reading(root) as (index, out.problem):
        rows = index.db.execute(
            "SELECT site, lang, coalesce(substr(published, 1, 7), 'unknown'), count(*), sum(version > 1) "
            "FROM articles GROUP BY 1, 2, 3"
        )
        for site, lang, month, count, revised in rows:
            out.articles[(site, lang, month)] = count
            out.revised += revised
        files = index.db.execute("SELECT count(*), coalesce(sum(records), 0) FROM files WHERE state = 'closed'")
        out.files, out.records = files.fetchone()
    return out


def format_stats(result: Stats) -> str:
    lines = [f"{'site':<20} {'lang':<4} {'month':<8} {'articles':>9}"]
    for (site, lang, month), count in sorted(result.articles.items()):
        lines.append(f"{site:<20} {lang:<4} {month:<8} {count:>9}")
    by_site: Counter[str] = Counter()
    by_lang: Counter[str] = Counter()
    for (site, lang, _), count in result.articles.items():
        by_site[site] += count
        by_lang[lang] += count
    lines.append("")
    lines += [f"site {site}: {count} articles" for site, count in sorted(by_site.items())]
    lines += [f"lang {lang}: {count} articles" for lang, count in sorted(by_lang.items())]
    lines.append(
        f"total: {sum(result.articles.values())} articles ({result.revised} revised), "
        f"{result.records} records in {result.files} files"
    )
    return "\n".join(lines)


# --- verify -------------------------------------------------------------------------------------------
# Problems listed in full, not five examples: a capture that does not resolve is one line per article, so
# that the articles whose raw page is lost can be named (and re-fetched).
UNCAPPED = frozenset({"capture"})


@dataclass
class Verdict:
    records: int = 0
    files: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def problem(self, kind: str, message: str) -> None:
        self.problems[kind] += 1
        if self.problems[kind] <= 5 or kind in UNCAPPED:
            self.examples.append(f"{kind}: {message}")

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(root: Path, jobs: int | None = None) -> Verdict:
    """Check schema, content hashes, torn lines, duplicates (one key and version twice), the index, and the
    raw captures: every record's ``capture`` pointer resolves to a response record whose payload has the
    pointer's digest, and every WARC file reads cleanly to its end with every record's digest right.

    Files are checked in ``jobs`` worker processes (default: one per CPU), each looking records up in
    the index in batches. Memory holds 8 bytes of hash per record for the duplicate check; a suspected
    duplicate is confirmed exactly by a second pass that only runs when there are suspects.
    """
    verdict = Verdict()
    # A stale index is checked as it is (every disagreement is a finding); a missing or damaged one is
    # reported once and the files are checked against one built from them.
    with index_for_reading(root, stale=True) as (index, problem):
        if problem is None:
            problem = index.quick_check()
            if problem is not None:
                problem = f"the index {index.path} fails PRAGMA quick_check: {problem}"
        if problem is not None:
            verdict.problem("index", f"{problem} (run: newscrawl archive reindex)")
        _verify_files(root, index, jobs, verdict)
    return verdict


def _verify_files(root: Path, index: SqliteIndex, jobs: int | None, verdict: Verdict) -> None:
    indexed_files = index.files()
    indexed = index.count()
    running = {site for site in sites_in(root) if not _is_free(root, site)}
    for part in part_files(root):
        site = part.relative_to(root).parts[0]
        if site not in running:
            verdict.problem("unfinished", f"{part}: left by a killed run (the next crawl or reindex finishes it)")
    for part in capture_files(root, parts=True):
        site = part.relative_to(root).parts[0]
        if site not in running:
            verdict.problem("unfinished", f"{part}: left by a killed run (the next crawl or reindex finishes it)")
    for name, (state, _, _) in indexed_files.items():
        if state == "open" and name.split("/", 1)[0] not in running:
            verdict.problem("unfinished", f"{name}: the index still has it open")
        if state == "closed" and not (root / name).exists():
            verdict.problem("index", f"{name}: in the index but not on disk")

    names = [p.relative_to(root).as_posix() for p in archive_files(root)]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(names)))
    if jobs == 1:
        results: Iterator[FileResult] = map(_check_file, [(root, index.path, n) for n in names])
        pool = None
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
        results = pool.map(_check_file, [(root, index.path, n) for n in names])
    seen: set[int] = set()
    suspects: set[int] = set()
    current = 0
    try:
        for result in results:
            verdict.files += 1
            verdict.records += result.count
            current += result.current
            for kind, message in result.problems:
                verdict.problem(kind, message)
            for (h,) in struct.iter_unpack("<Q", result.digests):
                if h in seen:
                    suspects.add(h)
                else:
                    seen.add(h)
            known = indexed_files.get(result.name)
            if known is None:
                verdict.problem("index", f"{result.name}: not in the index")
            elif known[0] == "closed" and (known[1], known[2]) != (result.size, result.count):
                verdict.problem(
                    "index",
                    f"{result.name}: index says {known[2]} records/{known[1]} bytes, "
                    f"file has {result.count}/{result.size}",
                )
        warcs = [p.relative_to(root).as_posix() for p in capture_files(root)]
        for problems in (pool.map if pool is not None else map)(_check_warc, [(root, n) for n in warcs]):
            for message in problems:
                verdict.problem("capture", message)
    finally:
        if pool is not None:
            pool.shutdown()
        _close_worker_index()  # never carry an open SQLite connection into a later fork
    if suspects:
        _confirm_duplicates(root, suspects, verdict)
    if current != indexed and not running:
        verdict.problem("index", f"the index holds {indexed} articles, the files hold {current} of their versions")


@dataclass
class FileResult:
    name: str
    count: int = 0  # records (whole JSON lines)
    size: int = 0  # bytes read
    current: int = 0  # records that are the version the index holds
    problems: list[tuple[str, str]] = field(default_factory=list)
    digests: bytes = b""  # 8 bytes per (key, version), for the duplicate check


def _pair_digest(key: str, version: object) -> bytes:
    return hashlib.blake2b(f"{key}\x00{version}".encode(), digest_size=8).digest()


_BATCH = 500
_worker_index: SqliteIndex | None = None


def _close_worker_index() -> None:
    global _worker_index
    if _worker_index is not None:
        _worker_index.close()
        _worker_index = None


def _check_file(job: tuple[Path, Path, str]) -> FileResult:
    """Every check of one file that needs no other file (the duplicate check is merged by the caller)."""
    global _worker_index
    root, index_file, name = job
    if _worker_index is None or _worker_index.path != index_file:
        _worker_index = SqliteIndex(index_file, readonly=True)
    index = _worker_index
    check = record_check()
    result = FileResult(name)
    digests = bytearray()
    batch: list[tuple[str, int, str, str]] = []

    def against_index() -> None:
        keys = list({k for k, _, _, _ in batch})
        marks = ",".join("?" * len(keys))
        rows = {
            r[0]: r[1:]
            for r in index.db.execute(
                f"SELECT key, version, content_hash, file FROM articles WHERE key IN ({marks})", keys
            )
        }
        for key, version, digest, where in batch:
            row = rows.get(key)
            if row is None:
                result.problems.append(("index", f"{where}: {key} is not in the index"))
            elif version > row[0]:
                message = f"{where}: {key} version {version} is newer than the index's {row[0]}"
                result.problems.append(("index", message))
            elif version == row[0]:
                if row[1] != digest or row[2] != name:
                    result.problems.append(("index", f"{where}: {key} v{version} differs from the index ({row[2]})"))
                else:
                    result.current += 1
        batch.clear()

    files: dict[str, Any] = {}  # the WARC files the records point into, each opened once
    with (root / name).open("rb") as fh, closing_files(files):
        for lineno, line in enumerate(fh, 1):
            result.size += len(line)
            where = f"{name}:{lineno}"
            if not line.endswith(b"\n"):
                result.problems.append(("torn", f"{where}: last line has no newline"))
                break
            try:
                record = loads(line)
            except ValueError as exc:  # UnicodeDecodeError and orjson's errors are ValueErrors too
                result.problems.append(("torn", f"{where}: not JSON ({exc})"))
                continue
            result.count += 1
            error = check(record)
            if error:
                result.problems.append(("schema", f"{where}: {error}"))
                continue
            key, version, digest = record["key"], record["version"], record["content_hash"]
            if content_hash(record["title"], record["text"]) != digest:
                result.problems.append(("hash", f"{where}: content_hash does not match title and text"))
            if "capture" in record:
                try:
                    check_capture(root, record["capture"], files)
                except CaptureError as exc:
                    result.problems.append(("capture", f"{where}: {key} v{version}: {exc}"))
            digests += _pair_digest(key, version)
            batch.append((key, version, digest, where))
            if len(batch) >= _BATCH:
                against_index()
    if batch:
        against_index()
    result.digests = bytes(digests)
    return result


@contextmanager
def closing_files(files: dict[str, Any]) -> Iterator[dict[str, Any]]:
    try:
        yield files
    finally:
        close_files(files)


def _check_warc(job: tuple[Path, str]) -> list[str]:
    """What is wrong with one WARC file (warcio reads every record, checking its digests)."""
    root, name = job
    folder = name.rsplit("/", 1)[0]
    try:
        return [f"{folder}/{line}" for line in check_file(root / name)]
    except OSError as exc:
        return [f"{name}: cannot read ({exc.strerror})"]


def _confirm_duplicates(root: Path, suspects: set[int], verdict: Verdict) -> None:
    places: dict[tuple[str, int], list[str]] = {}
    for path in archive_files(root):
        for lineno, (_, line) in enumerate(iter_lines(path), 1):
            try:
                record = loads(line)
                pair = (record["key"], record["version"])
            except (ValueError, KeyError, TypeError):
                continue
            if struct.unpack("<Q", _pair_digest(*pair))[0] in suspects:
                places.setdefault(pair, []).append(f"{path.relative_to(root).as_posix()}:{lineno}")
    for (key, version), where in places.items():
        if len(where) > 1:
            verdict.problem("duplicate", f"{key} version {version} appears {len(where)} times: {', '.join(where)}")


def _is_free(root: Path, site: str) -> bool:
    return not SiteLock(root, site).held_elsewhere()


# --- export -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    site: str | None = None
    lang: str | None = None
    since: str | None = None  # YYYY-MM-DD, on the publication day (site's local date)
    until: str | None = None

    def keep(self, record: dict[str, Any]) -> bool:
        if self.site and record["site"] != self.site:
            return False
        if self.lang and record["lang"] != self.lang:
            return False
        if self.since or self.until:
            day = (record.get("published") or "")[:10]
            if not day or (self.since and day < self.since) or (self.until and day > self.until):
                return False
        return True


def latest_records(
    root: Path,
    filters: Filters,
    all_versions: bool = False,
    on_bad: Callable[[BadLine], None] | None = None,
    on_problem: Callable[[str], None] | None = None,
) -> Iterator[tuple[dict[str, Any], bytes]]:
    """(record, its JSONL line) for the records of the closed files, one per article (its latest version)
    unless ``all_versions``.

    The latest version is the one the index holds, looked up in batches; for the few articles whose
    latest version sits in a file a crawl is still writing, the latest closed version is kept instead.
    A bad line is passed to ``on_bad`` and skipped; what was wrong with the index, if it had to be built
    from the files, to ``on_problem``.
    """
    with index_for_reading(root) as (index, problem):
        if problem is not None and on_problem is not None:
            on_problem(problem)
        closed = {name for name, (state, _, _) in index.files().items() if state == "closed"}
        pending: dict[str, tuple[dict[str, Any], bytes]] = {}
        for path in archive_files(root):
            name = path.relative_to(root).as_posix()
            batch: list[tuple[dict[str, Any], bytes]] = []
            for _, line, record in scan_lines(path, name):
                if isinstance(record, BadLine):
                    if on_bad is not None:
                        on_bad(record)
                    continue
                if not filters.keep(record):
                    continue
                if all_versions:
                    yield record, line
                    continue
                batch.append((record, line))
                if len(batch) >= _BATCH:
                    yield from _latest_of(index, batch, name, closed, pending)
            yield from _latest_of(index, batch, name, closed, pending)
        yield from pending.values()


def _latest_of(
    index: SqliteIndex,
    batch: list[tuple[dict[str, Any], bytes]],
    name: str,
    closed: set[str],
    pending: dict[str, tuple[dict[str, Any], bytes]],
) -> Iterator[tuple[dict[str, Any], bytes]]:
    if not batch:
        return
    keys = list({record["key"] for record, _ in batch})
    marks = ",".join("?" * len(keys))
    rows = {
        r[0]: (r[1], r[2])
        for r in index.db.execute(f"SELECT key, version, file FROM articles WHERE key IN ({marks})", keys)
    }
    for record, line in batch:
        row = rows.get(record["key"])
        if row is None:
            continue
        if row == (record["version"], name):
            yield record, line
        elif row[1] not in closed and row[0] > record["version"]:
            best = pending.get(record["key"])
            if best is None or best[0]["version"] < record["version"]:
                pending[record["key"]] = (record, line)
    batch.clear()


PARQUET_COLUMNS = (
    ("url", "string"),
    ("site", "string"),
    ("lang", "string"),
    ("article_id", "string"),
    ("key", "string"),
    ("title", "string"),
    ("authors", "list"),
    ("published", "string"),
    ("modified", "string"),
    ("section", "string"),
    ("tags", "list"),
    ("text", "string"),
    ("alternates", "map"),
    ("content_hash", "string"),
    ("version", "int"),
    ("previous_hash", "string"),
    ("crawled_at", "string"),
    ("parser", "string"),
    ("extractor", "string"),
    ("fallbacks", "list"),
)


def export(records: Iterator[tuple[dict[str, Any], bytes]], out: Path) -> int:
    """Write records to ``out`` (JSONL, or Parquet for ``*.parquet``) via a temporary file; returns the count."""
    tmp = out.with_name(f".{out.name}.tmp")
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        write = _write_parquet if out.suffix == ".parquet" else _write_jsonl
        count = write(records, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return count


def _write_jsonl(records: Iterator[tuple[dict[str, Any], bytes]], path: Path) -> int:
    count = 0
    with path.open("wb") as fh:
        for _, line in records:
            fh.write(line)  # the archived line as it is: records are never re-encoded
            count += 1
    return count


def _write_parquet(records: Iterator[tuple[dict[str, Any], bytes]], path: Path) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise RuntimeError("Parquet export needs pyarrow: pip install 'newscrawl[parquet]'") from None
    kinds = {
        "string": pa.string(),
        "list": pa.list_(pa.string()),
        "map": pa.map_(pa.string(), pa.string()),
        "int": pa.int64(),
    }
    schema = pa.schema([(name, kinds[kind]) for name, kind in PARQUET_COLUMNS])
    count = 0
    batch: list[dict[str, Any]] = []
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for record, _ in records:
            batch.append({**record, "alternates": list(record["alternates"].items())})
            if len(batch) >= 10_000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                count += len(batch)
                batch.clear()
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count
