"""The seen-index in Redis, shared by the workers of a distributed crawl, and the archive a worker writes.

``RedisIndex`` implements :class:`newscrawl.archive.index.SeenIndex` over one Redis hash (article key ->
JSON entry) plus one short-lived claim key per article being written. ``RedisArchive`` is what a worker
writes through: its own run file (no two processes append to one file), each record claimed in Redis
before it is written, fsynced, and only then committed to the index. A claim expires after
``claim_ttl`` seconds, so the claims of a killed worker free themselves and the others can finish.

Records of a killed worker: its ``.part`` file is published by the next worker that opens the same
output folder (or closes in it), keeping only the lines the Redis index says that file holds; a line
written but never committed is dropped there, because another worker re-archives that article.

Imported only in distributed mode (``NEWSCRAWL_REDIS_URL``).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import socket
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis import Redis
from scrapy.crawler import Crawler

from newscrawl.archive.index import Entry, SeenIndex
from newscrawl.archive.store import PART, ArchiveError, entry_of, fsync_dir, iter_lines, run_folder
from newscrawl.drops import DuplicateArticle
from newscrawl.record import dumps

# KEYS: index hash, claim key. ARGV: article key, worker, version, ttl ms.
# A claim is refused when the index already holds this version or a later one (another worker archived
# it), or when another live worker holds the claim. Re-running it for the same worker is harmless.
CLAIM = """
local e = redis.call('HGET', KEYS[1], ARGV[1])
if e and tonumber(cjson.decode(e)['version']) >= tonumber(ARGV[3]) then return 'archived' end
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then return 'busy' end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
return 'claimed'
"""

# KEYS: index hash, claim key. ARGV: article key, worker, entry JSON.
# Commits only under the worker's own claim; a retry after a lost reply finds its own entry and agrees.
COMMIT = """
if redis.call('GET', KEYS[2]) ~= ARGV[2] then
  if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[3] then return 1 end
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('DEL', KEYS[2])
return 1
"""

# KEYS: claim key. ARGV: worker. Gives up a claim without writing (the record could not be written).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def encode_entry(entry: Entry) -> str:
    return json.dumps(dataclasses.asdict(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode_entry(raw: str | bytes) -> Entry:
    return Entry(**json.loads(raw))


class RedisIndex:
    """The seen-index as one Redis hash ``<prefix>:index`` plus claim keys ``<prefix>:claim:<key>``."""

    def __init__(self, server: Redis, prefix: str = "newscrawl") -> None:
        self.server = server
        self.key = f"{prefix}:index"
        self.claim_prefix = f"{prefix}:claim:"
        self._claim = server.register_script(CLAIM)
        self._commit = server.register_script(COMMIT)
        self._release = server.register_script(RELEASE)

    # --- SeenIndex ------------------------------------------------------------------------------
    def get(self, key: str) -> Entry | None:
        raw = self.server.hget(self.key, key)
        return decode_entry(raw) if raw else None  # type: ignore[arg-type]

    def put(self, entries: Iterable[Entry]) -> None:
        """Store entries unconditionally (rebuilding the index from archive files); writers use ``commit``."""
        pipe = self.server.pipeline()
        for entry in entries:
            pipe.hset(self.key, entry.key, encode_entry(entry))
        pipe.execute()

    def touch(self, keys: Iterable[str], checked_at: str) -> None:
        for key in keys:
            entry = self.get(key)
            if entry is not None:
                self.server.hset(self.key, key, encode_entry(dataclasses.replace(entry, checked_at=checked_at)))

    def close(self) -> None:
        self.server.close()

    def count(self) -> int:
        return int(self.server.hlen(self.key))  # type: ignore[arg-type]

    # --- claims -----------------------------------------------------------------------------------
    def claim(self, key: str, worker: str, version: int, ttl: float) -> str:
        """``claimed``, ``archived`` (the index holds this version already) or ``busy`` (another worker's)."""
        verdict = self._claim(keys=[self.key, self.claim_prefix + key], args=[key, worker, version, int(ttl * 1000)])
        return verdict.decode() if isinstance(verdict, bytes) else str(verdict)

    def commit(self, entry: Entry, worker: str) -> bool:
        """Record ``entry`` under the worker's claim; False if the claim was lost (expired, taken)."""
        keys = [self.key, self.claim_prefix + entry.key]
        return bool(self._commit(keys=keys, args=[entry.key, worker, encode_entry(entry)]))

    def release(self, key: str, worker: str) -> None:
        self._release(keys=[self.claim_prefix + key], args=[worker])


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisArchive:
    """One worker's share of the archive of a site: its own run file, every record claimed and committed."""

    def __init__(
        self,
        root: Path,
        site: str,
        index: RedisIndex,
        *,
        worker: str,
        claim_ttl: float,
        count: Callable[[str, int], None] = lambda name, value: None,
    ) -> None:
        self.root = Path(root)
        self.site = site
        self.index = index
        self.worker = worker
        self.claim_ttl = claim_ttl
        self.count = count
        self.path: Path | None = None  # the .part path while open
        self.fd: int | None = None
        self.size = 0
        self.files_written: list[Path] = []
        # Workers read every source whole: a distributed run never stops early at archived articles.
        self.previous_run_complete = False

    @classmethod
    def from_crawler(cls, crawler: Crawler, root: Path, site: str) -> RedisArchive:
        from scrapy_redis.connection import get_redis_from_settings

        from newscrawl.distributed import PREFIX, lease_seconds

        stats = crawler.stats

        def count(name: str, value: int) -> None:
            if stats is not None and value:
                stats.inc_value(f"newscrawl/{name}", value)

        return cls(
            root,
            site,
            RedisIndex(get_redis_from_settings(crawler.settings), PREFIX),
            worker=crawler.settings.get("NEWSCRAWL_WORKER_ID") or worker_name(),
            claim_ttl=lease_seconds(crawler.settings) / 2,
            count=count,
        )

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    @staticmethod
    def final_name(path: Path) -> Path:
        return path.with_name(path.name.removesuffix(PART))

    # --- start-up and close: publish what killed workers left -----------------------------------
    def reconcile(self) -> int:
        """Publish the ``.part`` files of dead writers, keeping only the lines the index credits to them.

        A file whose writer lives is locked (``flock``) and left alone. Returns the lines kept.
        """
        kept_total = 0
        base = self.root / self.site
        for path in sorted(base.rglob(f"*.jsonl{PART}")) if base.exists() else []:
            if path == self.path:
                continue
            try:
                fd = os.open(path, os.O_RDWR)
            except FileNotFoundError:
                continue  # another worker published it meanwhile
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its writer is alive
                if not path.exists() or os.stat(path).st_ino != os.fstat(fd).st_ino:
                    continue  # published by another worker while we waited
                kept_total += self._publish_dead(path, fd)
            finally:
                os.close(fd)
        return kept_total

    def _publish_dead(self, path: Path, fd: int) -> int:
        final = self.final_name(path)
        name = self.rel(final)
        kept: list[bytes] = []
        dropped = 0
        for _, line in iter_lines(path):
            record = json.loads(line)
            entry = self.index.get(record["key"])
            if entry is not None and entry.file == name and entry.content_hash == record["content_hash"]:
                kept.append(line)
            else:
                dropped += 1  # written but never committed: another worker archives that article
        if kept and not dropped:
            os.ftruncate(fd, sum(len(line) for line in kept))  # only a torn tail goes
            os.fsync(fd)
            os.replace(path, final)
        elif kept:
            # Rewritten beside, then swapped in: a reconcile killed half-way leaves the .part to redo.
            fresh = final.with_name(f".{final.name}.new")
            with fresh.open("wb") as fh:
                fh.write(b"".join(kept))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(fresh, final)
            path.unlink()
        else:
            path.unlink()
        fsync_dir(path.parent)
        self.count("distributed/reconciled_files", 1)
        self.count("distributed/reconciled_records", len(kept))
        self.count("distributed/reconciled_dropped", dropped)
        return len(kept)

    # --- writing ----------------------------------------------------------------------------------
    def _open_run_file(self) -> int:
        now = datetime.now(UTC)
        folder = run_folder(self.root, self.site, now)
        host = socket.gethostname().replace("-", "_")
        path = folder / f"{self.site}-{now:%Y%m%dT%H%M%SZ}-{host}-{os.getpid()}.jsonl{PART}"
        # Locked before it takes its .part name: the lock tells other workers' reconcile its writer lives.
        hidden = path.with_name(f".{path.name}.new")
        fd = os.open(hidden, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.replace(hidden, path)
        self.path = path
        self.fd = fd
        return fd

    def write(self, record: dict[str, Any]) -> None:
        """Claim the article, append and fsync its line, then commit it; a lost race drops the record."""
        key, version = record["key"], int(record["version"])
        verdict = self.index.claim(key, self.worker, version, self.claim_ttl)
        if verdict != "claimed":
            self.count(f"distributed/claim_{verdict}", 1)
            raise DuplicateArticle(
                f"{key} {'archived' if verdict == 'archived' else 'being archived'} by another worker"
            )
        fd = self.fd if self.fd is not None else self._open_run_file()
        assert self.path is not None
        line = dumps(record)
        before = self.size
        try:
            written = os.write(fd, line)
            if written != len(line):
                raise OSError(28, "No space left on device")
            os.fsync(fd)
            self.size += written
            committed = self.index.commit(entry_of(record, self.rel(self.final_name(self.path))), self.worker)
        except BaseException as exc:
            os.ftruncate(fd, before)  # nothing uncommitted stays in the file
            self.size = before
            self.index.release(key, self.worker)
            if isinstance(exc, OSError):
                raise ArchiveError(f"cannot write {self.path}: {exc.strerror}") from exc
            raise
        if not committed:
            os.ftruncate(fd, before)
            self.size = before
            self.count("distributed/claim_lost", 1)
            raise DuplicateArticle(f"{key}: claim expired before commit; another worker archives it")

    def mark_checked(self, key: str, when: str) -> None:
        """An unchanged re-check: the shared index remembers it at once."""
        self.index.touch([key], when)

    def flush(self) -> None:
        """Every record is durable and committed as it is written."""

    def close(self, complete: bool = False) -> None:
        """Publish the run file under its final name, then publish what dead workers left.

        ``complete`` is the embedded archive's run mark; workers always read every source whole.
        """
        if self.fd is not None and self.path is not None:
            os.fsync(self.fd)
            final = self.final_name(self.path)
            if self.size:
                os.replace(self.path, final)
                self.files_written.append(final)
            else:
                self.path.unlink()  # every record it was opened for went to another worker
            fsync_dir(final.parent)
            os.close(self.fd)
            self.fd = None
            self.path = None
        self.reconcile()
        self.index.close()


def _implements_seen_index(index: RedisIndex) -> SeenIndex:
    return index  # mypy checks here that RedisIndex implements the SeenIndex protocol
