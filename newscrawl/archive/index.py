"""The seen-index: which article keys the archive holds, at which version and content hash.

An embedded SQLite database (``<output>/.newscrawl/index.sqlite``) beside the JSONL files. Opening it
costs the same whatever the archive's size; lookups are by primary key. The index never claims a record
that is not durably written: the archive writer fsyncs a file before the index rows that describe it
are committed, and ``reconcile`` indexes whatever a killed run wrote after its last commit.
"""

from __future__ import annotations

import sqlite3
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


class SqliteIndex:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)

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


class _Commit:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, exc_type: object, *_: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
