"""The seen-index: which article keys the archive holds, at which version and content hash.

An embedded SQLite database (``<output>/.newscrawl/index.sqlite``) beside the JSONL files. Opening it
costs the same whatever the archive's size; lookups are by primary key. The index never claims a record
that is not durably written: the archive writer fsyncs a file before the index rows that describe it
are committed, and ``reconcile`` indexes whatever a killed run wrote after its last commit.

The index is a cache of the files, never the source of truth. ``open_index`` sets a damaged index aside
(``index.sqlite.corrupt``) and starts an empty one, which the crawl's start-up then rebuilds from the files
(``newscrawl.archive.store.Archive.reconcile``); the archive tools open it read-only (``open_readonly``).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    key TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    lang TEXT NOT NULL,
    url TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    version INTEGER NOT NULL,
    published TEXT,
    modified TEXT,
    file TEXT NOT NULL,
    checked_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    name TEXT PRIMARY KEY,
    state TEXT NOT NULL,          -- 'open' while a run writes it (as <name>.part), 'closed' after
    indexed_bytes INTEGER NOT NULL,
    records INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS files_open ON files(state) WHERE state = 'open';
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Entry:
    key: str
    site: str
    lang: str
    url: str
    content_hash: str
    version: int
    published: str | None
    modified: str | None
    file: str
    checked_at: str


class SeenIndex(Protocol):
    """What the crawl needs from an index; the SQLite one is the default, others (Redis) implement it too."""

    def get(self, key: str) -> Entry | None: ...

    def put(self, entries: Iterable[Entry]) -> None: ...

    def touch(self, keys: Iterable[str], checked_at: str) -> None: ...

    def close(self) -> None: ...


# The columns every query reads: an index of an older layout fails this probe and is rebuilt.
PROBE = (
    "SELECT key, site, lang, url, content_hash, version, published, modified, file, checked_at FROM articles LIMIT 1",
    "SELECT name, state, indexed_bytes, records FROM files LIMIT 1",
    "SELECT name, value FROM meta LIMIT 1",
)
# What SQLite says of a file that is no (whole) index: garbage, a torn page, a table of another layout.
DAMAGE_CODES = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_ERROR"}
SIDECARS = ("", "-wal", "-shm")


class IndexDamaged(RuntimeError):
    """The index file is not a whole index of this layout (what is wrong is the message)."""


class SqliteIndex:
    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            self.db = open_readonly(path)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

    def probe(self) -> None:
        """Raise ``IndexDamaged`` unless the tables hold the columns this code reads."""
        try:
            for query in PROBE:
                self.db.execute(query).fetchall()
        except sqlite3.DatabaseError as exc:
            raise damaged_or_raise(exc) from exc

    def site_files(self, site: str) -> dict[str, tuple[str, int]]:
        """name -> (state, indexed_bytes) of one site's files (a primary-key range: no scan)."""
        rows = self.db.execute(
            "SELECT name, state, indexed_bytes FROM files WHERE name >= ? AND name < ?", (f"{site}/", f"{site}0")
        )
        return {r[0]: (r[1], r[2]) for r in rows}

    def listing_digest(self, site: str) -> str:
        """A digest of the names of the site's closed files, as :func:`names_digest` makes it."""
        rows = self.db.execute(
            "SELECT name FROM files WHERE name >= ? AND name < ? AND state = 'closed' ORDER BY name",
            (f"{site}/", f"{site}0"),
        )
        return names_digest(r[0] for r in rows)

    def note_listing(self, site: str) -> None:
        """Remember the digest of the site's closed files (after their set changed), for the start-up check."""
        self.set_meta(f"listing:{site}", self.listing_digest(site))

    def files_named(self, names: list[str]) -> dict[str, tuple[str, int]]:
        """name -> (state, indexed_bytes) of the named files the index lists."""
        found: dict[str, tuple[str, int]] = {}
        for i in range(0, len(names), 500):
            chunk = names[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.db.execute(f"SELECT name, state, indexed_bytes FROM files WHERE name IN ({marks})", chunk):
                found[row[0]] = (row[1], row[2])
        return found

    def clear_site(self, site: str) -> None:
        """Forget one site's articles and files; unchanged re-check times are kept aside in ``kept`` for
        :meth:`restore_checked` (they are the one thing the files do not hold)."""
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS kept (key TEXT PRIMARY KEY, version INTEGER, content_hash TEXT, "
            "checked_at TEXT) WITHOUT ROWID"
        )
        self.db.execute("DELETE FROM kept")
        self.db.execute(
            "INSERT INTO kept SELECT key, version, content_hash, checked_at FROM articles WHERE site = ?", (site,)
        )
        self.db.execute("DELETE FROM articles WHERE site = ?", (site,))
        self.db.execute("DELETE FROM files WHERE name >= ? AND name < ?", (f"{site}/", f"{site}0"))

    def restore_checked(self) -> None:
        """Put back the later re-check times :meth:`clear_site` kept, for the versions still indexed."""
        self.db.execute(
            "UPDATE articles SET checked_at = kept.checked_at FROM kept WHERE articles.key = kept.key "
            "AND articles.version = kept.version AND articles.content_hash = kept.content_hash "
            "AND kept.checked_at > articles.checked_at"
        )
        self.db.execute("DELETE FROM kept")

    def quick_check(self) -> str | None:
        """SQLite's own ``PRAGMA quick_check`` (reads every page): None when the file is sound."""
        try:
            rows = [str(r[0]) for r in self.db.execute("PRAGMA quick_check(5)")]
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return None if rows == ["ok"] else "; ".join(rows)

    def get(self, key: str) -> Entry | None:
        row = self.db.execute(
            "SELECT key, site, lang, url, content_hash, version, published, modified, file, checked_at "
            "FROM articles WHERE key = ?",
            (key,),
        ).fetchone()
        return Entry(*row) if row else None

    def put(self, entries: Iterable[Entry]) -> None:
        self.db.executemany(
            "INSERT INTO articles VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET "
            "url=excluded.url, content_hash=excluded.content_hash, version=excluded.version, "
            "published=excluded.published, modified=excluded.modified, file=excluded.file, "
            "checked_at=excluded.checked_at WHERE excluded.version >= articles.version",
            [
                (
                    e.key,
                    e.site,
                    e.lang,
                    e.url,
                    e.content_hash,
                    e.version,
                    e.published,
                    e.modified,
                    e.file,
                    e.checked_at,
                )
                for e in entries
            ],
        )

    def touch(self, keys: Iterable[str], checked_at: str) -> None:
        self.db.executemany("UPDATE articles SET checked_at = ? WHERE key = ?", [(checked_at, k) for k in keys])

    # Files: which archive files the index has read, and how far.
    def file_state(self, name: str) -> tuple[str, int, int] | None:
        row = self.db.execute("SELECT state, indexed_bytes, records FROM files WHERE name = ?", (name,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def set_file(self, name: str, state: str, indexed_bytes: int, records: int) -> None:
        self.db.execute(
            "INSERT INTO files VALUES (?,?,?,?) ON CONFLICT(name) DO UPDATE SET state=excluded.state, "
            "indexed_bytes=excluded.indexed_bytes, records=excluded.records",
            (name, state, indexed_bytes, records),
        )

    def open_files(self, site: str | None = None) -> list[str]:
        """Files a run registered and has not closed; only ``site``'s own when given (another site's run
        may be writing its file right now)."""
        names = [r[0] for r in self.db.execute("SELECT name FROM files WHERE state = 'open'")]
        return [n for n in names if site is None or n.startswith(f"{site}/")]

    def files(self) -> dict[str, tuple[str, int, int]]:
        return {r[0]: (r[1], r[2], r[3]) for r in self.db.execute("SELECT * FROM files")}

    def keys(self, site: str | None = None) -> Iterator[tuple[str, str, int]]:
        query = "SELECT key, content_hash, version FROM articles"
        rows = self.db.execute(query + " WHERE site = ?", (site,)) if site else self.db.execute(query)
        yield from rows

    def count(self) -> int:
        """Articles indexed (a full scan: for the archive tools, never on a crawl's start-up path)."""
        return int(self.db.execute("SELECT count(*) FROM articles").fetchone()[0])

    def transaction(self) -> sqlite3.Connection:
        """``with index.transaction():`` groups writes into one durable commit."""
        self.db.execute("BEGIN IMMEDIATE")
        return _Commit(self.db)  # type: ignore[return-value]

    def meta(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO meta VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", (name, value)
        )

    def clear(self) -> None:
        self.db.execute("DELETE FROM articles")
        self.db.execute("DELETE FROM files")

    def close(self) -> None:
        self.db.close()


def names_digest(names: Iterable[str]) -> str:
    """A short digest of sorted file names: equal digests, equal listings (the start-up check's fast path)."""
    import hashlib

    return hashlib.blake2b("\n".join(names).encode(), digest_size=16).hexdigest()


def damaged_or_raise(exc: sqlite3.DatabaseError) -> Exception:
    """``IndexDamaged`` for an error that says the file is no index; the error itself for one that does not
    (a busy database, a full disk, no permission), which a rebuild would not cure."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in DAMAGE_CODES or (not name and not isinstance(exc, sqlite3.OperationalError)):
        return IndexDamaged(str(exc))
    return exc


def header_damage(path: Path) -> str | None:
    """What the first 100 bytes of an index file say is wrong with it (None: nothing, or nothing to read).

    A cut-off file still opens and answers until a query reaches a page past its end; the header's page
    count (valid when its change counters agree) gives the cut away for one ``stat``. With a WAL beside the
    file the main file may lawfully lag behind (a checkpoint the next open finishes), so it is not judged.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(100)
    except FileNotFoundError:
        return None
    if size == 0:
        return None  # an empty file is an empty database to SQLite
    if len(head) < 100 or not head.startswith(b"SQLite format 3\x00"):
        return "not an SQLite database"
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        return None
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    (counter, pages), (valid_for,) = struct.unpack(">II", head[24:32]), struct.unpack(">I", head[92:96])
    if pages and counter == valid_for and pages * page_size > size:
        return f"cut short: {size} bytes of {pages * page_size}"
    return None


def open_index(path: Path) -> tuple[SqliteIndex, str | None]:
    """The index at ``path`` for writing, and what was wrong with it if it had to be set aside.

    A damaged index (garbage, cut short, of an older layout) is renamed with its WAL to
    ``index.sqlite.corrupt*`` and an empty one takes its place; the caller rebuilds it from the files.
    Done under an exclusive ``flock`` on ``index.lock``, so two crawls starting together set aside one
    damaged index once, and never the fresh one the other just made.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with (path.parent / "index.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        problem = header_damage(path)
        if problem is None:
            index: SqliteIndex | None = None
            try:
                index = SqliteIndex(path)
                index.probe()
                return index, None
            except (sqlite3.DatabaseError, IndexDamaged) as exc:
                if index is not None:
                    index.close()
                error = damaged_or_raise(exc) if isinstance(exc, sqlite3.DatabaseError) else exc
                if not isinstance(error, IndexDamaged):
                    raise
                problem = str(error)
        set_aside(path)
        return SqliteIndex(path), problem


def set_aside(path: Path) -> None:
    """Rename a damaged index and its WAL out of the way (a stale WAL must never meet a new file)."""
    for suffix in SIDECARS:
        old = path.with_name(path.name + suffix)
        if old.exists():
            os.replace(old, path.with_name(f"{path.name}.corrupt{suffix}"))


def open_readonly(path: Path) -> sqlite3.Connection:
    """A connection that writes nothing at all, not even beside the file.

    ``mode=ro`` alone makes SQLite create ``-wal`` and ``-shm`` files beside a WAL database that has none
    (and leave them); ``immutable=1`` reads the main file only, which is whole when no WAL exists (the
    last writer checkpointed and removed it). With a WAL present (a crawl is running) ``mode=ro`` reads it.
    """
    wal = path.with_name(path.name + "-wal")
    if not path.exists():
        raise FileNotFoundError(path)
    uri = f"file:{path}?mode=ro" if wal.exists() else f"file:{path}?mode=ro&immutable=1"
    db = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db.close()  # a WAL we may not read (a read-only folder): the main file, as of the last checkpoint
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, isolation_level=None)
    return db


class _Commit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
