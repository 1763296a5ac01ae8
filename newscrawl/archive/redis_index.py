"""The seen-index in Redis, shared by the workers of a distributed crawl, and the archive a worker writes.

``RedisIndex`` implements :class:`newscrawl.archive.index.SeenIndex` over one Redis hash (article key ->
JSON entry) plus one short-lived claim key per article being written. ``RedisArchive`` is what a worker
writes through: its own run file (no two processes append to one file), each record claimed in Redis
before it is written, fsynced, and only then committed to the index. A claim expires after
``claim_ttl`` seconds, so the claims of a killed worker free themselves and the others can finish.

Records of a killed worker: its ``.part`` file is published by the next worker that opens the same
output folder (or closes in it), keeping only the lines the Redis index says that file holds; a line
written but never committed is dropped there, because another worker re-archives that article, and
a line that is not a record at all (garbage a crash left) is dropped with one warning.

A Redis that comes back empty (no persistence, restarted, flushed) has forgotten which articles are
archived. The seen-index therefore carries an epoch (``<prefix>:epoch``, a random token set when the
index is built) that each output folder records too (``.newscrawl/redis-epoch``). A worker that finds
no epoch in Redis rebuilds the index from the archive files of its folder before it crawls; one whose
folder recorded another epoch merges its files into the index; a worker whose epoch vanishes mid-run
writes nothing more (its claims are refused) and stops with ``redis_lost``.

Redis unreachable for longer than the client's retries: the record in hand is not written, or, when
the commit's answer was lost, its line stays in the run file, which is then left as a ``.part`` for
the next worker to reconcile against the index; nothing is ever marked archived without its line.

Imported only in distributed mode (``NEWSCRAWL_REDIS_URL``).
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from scrapy.crawler import Crawler

from newscrawl.archive import warc as warcfile
from newscrawl.archive.index import Entry, SeenIndex
from newscrawl.archive.store import (
    PART,
    STATE_DIR,
    ArchiveError,
    Captures,
    archive_files,
    entry_of,
    fsync_dir,
    iter_lines,
    run_folder,
)
from newscrawl.drops import DuplicateArticle
from newscrawl.record import dumps, loads

logger = logging.getLogger(__name__)

EPOCH_FILE = "redis-epoch"
EPOCH_LOCK_MS = 600_000  # a rebuilding worker that dies frees the others after this long

# KEYS: index hash, claim key, epoch key. ARGV: article key, worker, version, ttl ms, epoch ('' = any).
# Refused when the index is not the one the worker started with (Redis lost it: 'lost'), when the index
# already holds this version or a later one (another worker archived it), or when another live worker
# holds the claim. Re-running it for the same worker is harmless.
CLAIM = """
if ARGV[5] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[5] then return 'lost' end
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


# KEYS: index hash. ARGV: key, entry JSON, key, entry JSON, ... Adds entries rebuilt from archive files;
# an entry the index holds at the same or a later version stays.
MERGE = """
local added = 0
for i = 1, #ARGV, 2 do
  local e = redis.call('HGET', KEYS[1], ARGV[i])
  if not e or tonumber(cjson.decode(e)['version']) < tonumber(cjson.decode(ARGV[i + 1])['version']) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
    added = added + 1
  end
end
return added
"""

# KEYS: lock. ARGV: token.
UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisFailure(ArchiveError):
    """The record could not be recorded in Redis; ``reason`` is the crawl's finish reason."""

    reason = "redis_unavailable"


class RedisUnavailable(RedisFailure):
    """Redis did not answer within the client's retries (``NEWSCRAWL_REDIS_RETRY``)."""


class RedisLost(RedisFailure):
    """Redis no longer holds the seen-index this worker started with (restarted empty, flushed)."""

    reason = "redis_lost"


def encode_entry(entry: Entry) -> str:
    return json.dumps(dataclasses.asdict(entry), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode_entry(raw: str | bytes) -> Entry:
    return Entry(**json.loads(raw))


class RedisIndex:
    """The seen-index as one Redis hash ``<prefix>:index`` plus claim keys ``<prefix>:claim:<key>``."""

    def __init__(self, server: Redis, prefix: str = "newscrawl") -> None:
        self.server = server
        self.prefix = prefix
        self.key = f"{prefix}:index"
        self.claim_prefix = f"{prefix}:claim:"
        self.epoch_key = f"{prefix}:epoch"
        self.epoch_lock_key = f"{prefix}:epoch_lock"
        self._claim = server.register_script(CLAIM)
        self._merge = server.register_script(MERGE)
        self._unlock = server.register_script(UNLOCK)
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

    def merge(self, entries: Iterable[Entry], batch: int = 500) -> int:
        """Add entries read back from archive files where the index has no later version; returns how many."""
        added = 0
        args: list[str] = []
        for entry in entries:
            args += [entry.key, encode_entry(entry)]
            if len(args) >= 2 * batch:
                added += int(self._merge(keys=[self.key], args=args))
                args = []
        if args:
            added += int(self._merge(keys=[self.key], args=args))
        return added

    def epoch(self) -> str | None:
        raw = self.server.get(self.epoch_key)
        return raw.decode() if isinstance(raw, bytes) else raw  # type: ignore[return-value]

    def close(self) -> None:
        self.server.close()

    def count(self) -> int:
        return int(self.server.hlen(self.key))  # type: ignore[arg-type]

    # --- claims -----------------------------------------------------------------------------------
    def claim(self, key: str, worker: str, version: int, ttl: float, epoch: str | None = None) -> str:
        """``claimed``, ``archived`` (the index holds this version already), ``busy`` (another worker's),
        or ``lost`` (the index is not the one of ``epoch``: Redis lost it)."""
        verdict = self._claim(
            keys=[self.key, self.claim_prefix + key, self.epoch_key],
            args=[key, worker, version, int(ttl * 1000), epoch or ""],
        )
        return verdict.decode() if isinstance(verdict, bytes) else str(verdict)

    def commit(self, entry: Entry, worker: str) -> bool:
        """Record ``entry`` under the worker's claim; False if the claim was lost (expired, taken)."""
        keys = [self.key, self.claim_prefix + entry.key]
        return bool(self._commit(keys=keys, args=[entry.key, worker, encode_entry(entry)]))

    def release(self, key: str, worker: str) -> None:
        self._release(keys=[self.claim_prefix + key], args=[worker])


def _record(line: bytes) -> dict[str, Any] | None:
    """The record a run-file line holds, or None for a line that is not one (garbage a crash left)."""
    try:
        record = loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in ("key", "content_hash")):
        return None
    return record


def worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisArchive(Captures):
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
        self.epoch: str | None = None  # the seen-index this worker started with (see ``start``)
        self.unavailable = False  # Redis failed past its retries: write nothing more
        self.uncertain = False  # a line whose commit's answer was lost: the index decides, not us
        self.warc: warcfile.WarcWriter | None = None  # the worker's own WARC file beside its run file
        self.captures_written: list[Path] = []

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

    # --- start-up: the seen-index is the one of this folder's files ---------------------------------
    def start(self) -> None:
        """Before the first request: make sure Redis holds this folder's index, then publish dead files."""
        self.sync_epoch()
        self.reconcile()

    @property
    def epoch_path(self) -> Path:
        return self.root / STATE_DIR / EPOCH_FILE

    def sync_epoch(self) -> None:
        """Rebuild the index from the archive files if Redis lost it; merge this folder's files into an
        index they are not in yet (another epoch). Serialized among workers by a lock in Redis."""
        server = self.index.server
        token = uuid.uuid4().hex
        while not server.set(self.index.epoch_lock_key, token, nx=True, px=EPOCH_LOCK_MS):
            time.sleep(0.1)  # another worker is rebuilding: wait for its index
        try:
            current = self.index.epoch()
            local = self.epoch_path.read_text("utf-8").strip() if self.epoch_path.exists() else None
            if current is None or current != local:
                # This folder knew an index that Redis no longer has: restarted empty, or flushed.
                lost = current is None and local is not None and self.index.count() == 0
                if lost:
                    # Whatever the workers of the run that lost it queued since means nothing now.
                    lock = self.index.epoch_lock_key.encode()
                    stale = [k for k in server.scan_iter(f"{self.index.prefix}:*") if k != lock]
                    if stale:
                        server.delete(*stale)
                files, entries = self._entries_from_files()
                added = self.index.merge(entries)
                if current is None:
                    current = uuid.uuid4().hex
                    server.set(self.index.epoch_key, current)
                self.count("distributed/index_rebuilt", added)
                if lost:
                    logger.warning(
                        "Redis holds no seen-index for this archive: rebuilt it from %d files (%d articles)",
                        len(files),
                        added,
                    )
                elif files:
                    logger.info("merged %d files of this folder into the seen-index (%d new)", len(files), added)
                self._write_epoch(current)
            self.epoch = current
        finally:
            self.index._unlock(keys=[self.index.epoch_lock_key], args=[token])

    def _entries_from_files(self) -> tuple[list[Path], list[Entry]]:
        """Entries for every record of the folder's closed files and of dead workers' ``.part`` files
        (credited to the name they are published under), highest version first per key."""
        files = archive_files(self.root)
        for part in sorted(self.root.rglob(f"*.jsonl{PART}")):
            if STATE_DIR not in part.parts and not self._writer_alive(part):
                files.append(part)
        best: dict[str, Entry] = {}
        for path in files:
            name = self.rel(self.final_name(path))
            for _, line in iter_lines(path):
                record = _record(line)
                if record is None:
                    continue
                try:
                    entry = entry_of(record, name)
                except (KeyError, TypeError, ValueError):
                    continue
                if entry.key not in best or best[entry.key].version < entry.version:
                    best[entry.key] = entry
        return files, list(best.values())

    @staticmethod
    def _writer_alive(path: Path) -> bool:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return True  # published meanwhile: it is among the closed files of the next look
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def _write_epoch(self, epoch: str) -> None:
        self.epoch_path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.epoch_path.with_name(f".{EPOCH_FILE}.new")
        with fresh.open("w", encoding="utf-8") as fh:
            fh.write(epoch + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(fresh, self.epoch_path)
        fsync_dir(self.epoch_path.parent)

    def index_lost(self) -> bool:
        """Whether Redis no longer holds the seen-index this worker started with."""
        return self.epoch is not None and self.index.epoch() != self.epoch

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
        captures = path.with_name(path.name.removesuffix(f".jsonl{PART}") + warcfile.SUFFIX + PART)
        if captures.exists():  # its writer is dead too (the run file's lock says so): before the lines
            warcfile.publish_part(captures)
        name = self.rel(final)
        kept: list[bytes] = []
        dropped = 0
        unreadable: list[tuple[int, bytes]] = []
        for number, (_, line) in enumerate(iter_lines(path), 1):
            record = _record(line)
            if record is None:
                unreadable.append((number, line))
                continue
            entry = self.index.get(record["key"])
            if entry is not None and entry.file == name and entry.content_hash == record["content_hash"]:
                kept.append(line)
            else:
                dropped += 1  # written but never committed: another worker archives that article
        if unreadable:
            # Reported once: the file is rewritten without them, so no later worker meets them again.
            first, line = unreadable[0]
            logger.warning(
                "%s%s: dropped %d unreadable line%s (first at line %d: %r)",
                name,
                PART,
                len(unreadable),
                "s" if len(unreadable) > 1 else "",
                first,
                line.rstrip(b"\n")[:80],
            )
            self.count("distributed/reconciled_unreadable", len(unreadable))
        if kept and not dropped and not unreadable:
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
    def _warc_name(self) -> str:
        if self.fd is None:
            self._open_run_file()  # the WARC file takes the run file's name, and the lock it holds
        assert self.path is not None
        return self.rel(self.final_name(self.path)).removesuffix(".jsonl") + warcfile.SUFFIX

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
        if self.unavailable:
            raise RedisUnavailable(f"{key} not recorded: Redis was unreachable before")
        try:
            verdict = self.index.claim(key, self.worker, version, self.claim_ttl, self.epoch)
        except RedisError as exc:
            self.unavailable = True
            raise RedisUnavailable(f"Redis unreachable: {exc}") from exc
        if verdict == "lost":
            raise RedisLost(f"{key} not recorded: Redis lost the seen-index this worker started with")
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
            if self.warc is not None:
                self.warc.sync()  # the capture the line points at, first
            os.fsync(fd)
            self.size += written
            committed = self.index.commit(entry_of(record, self.rel(self.final_name(self.path))), self.worker)
        except RedisError as exc:
            # The commit may have happened with its answer lost: the line stays, and the file is left as
            # a .part for the next worker to keep exactly what the index credits to it.
            self.unavailable = self.uncertain = True
            raise RedisUnavailable(f"Redis unreachable: {exc}") from exc
        except BaseException as exc:
            os.ftruncate(fd, before)  # nothing uncommitted stays in the file
            self.size = before
            try:
                self.index.release(key, self.worker)
            except RedisError:
                self.unavailable = True  # the claim expires by itself
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
        if self.warc is not None:
            if self.uncertain:
                self.warc.abandon()  # published with the run file by the next worker's reconcile
            else:
                self.captures_written.append(self.warc.close())
            self.warc = None
        if self.fd is not None and self.path is not None and self.uncertain:
            logger.warning("left %s for the next worker to reconcile against the seen-index", self.rel(self.path))
            os.close(self.fd)  # the lock goes with it: the file is a dead worker's now
            self.fd = None
            self.path = None
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
        if not self.unavailable:
            try:
                self.reconcile()
            except RedisError as exc:
                logger.warning("could not publish dead workers' files: %s", exc)
        self.index.close()


def _implements_seen_index(index: RedisIndex) -> SeenIndex:
    return index  # mypy checks here that RedisIndex implements the SeenIndex protocol
