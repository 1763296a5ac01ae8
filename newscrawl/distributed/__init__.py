"""Distributed crawling: many ``scrapy crawl`` workers, on one machine or many, sharing one Redis.

``NEWSCRAWL_REDIS_URL`` switches a crawl to distributed mode. The :class:`DistributedAddon` (always
listed in ``ADDONS``) then installs scrapy-redis's scheduler and duplicate filter with a leasing queue
(:mod:`newscrawl.distributed.scheduler`) of JSON requests (:mod:`newscrawl.distributed.serializer`, never
pickle), the worker extension and spider middleware (:mod:`newscrawl.distributed.worker`), per-host
politeness shared in Redis (:mod:`newscrawl.distributed.politeness`), and the archive extension of a
worker, which writes through the Redis seen-index (:mod:`newscrawl.distributed.archive`), in the place of
the embedded one. Without the setting this module imports nothing from Redis.

Settings (``-s NAME=VALUE`` or environment variables of the same name):

- ``NEWSCRAWL_REDIS_URL``: ``redis://user:password@host:port/db`` (``rediss://`` for TLS); empty (default) is
  the embedded single-process mode; the password is never shown (``***``);
- ``NEWSCRAWL_REDIS_IDLE_CLOSE``: seconds a worker waits with no work left anywhere before it closes;
- ``NEWSCRAWL_REDIS_LEASE``: seconds a popped request stays leased to a worker that stopped renewing it
  (killed) before another worker takes it back; claims of articles expire after half of it;
- ``NEWSCRAWL_REDIS_RETRY``: seconds a worker keeps retrying an unreachable Redis mid-crawl.
"""

from __future__ import annotations

import fcntl
from contextlib import suppress
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object

from newscrawl import config, exitcodes
from newscrawl.archive.crawl import ArchiveExtension
from newscrawl.archive.store import ArchiveLocked, SiteLock, try_flock

REDIS_SCHEMES = ("redis", "rediss", "unix")
PREFIX = "newscrawl"


def redacted(url: str) -> str:
    """The URL as it may be shown (stderr, logs): its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return parts._replace(netloc=f"{user}:***@{host}{port}").geturl()


def enabled(settings: Any) -> bool:
    return bool(settings.get("NEWSCRAWL_REDIS_URL"))


def lease_seconds(settings: Any) -> float:
    return config.get_float(settings, "NEWSCRAWL_REDIS_LEASE")


def redis_params(settings: Any) -> dict[str, Any]:
    """Connection parameters for scrapy-redis: every command retried while Redis restarts."""
    from redis.backoff import ExponentialBackoff
    from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError
    from redis.retry import Retry

    cap = 1.0
    retries = max(1, int(config.get_float(settings, "NEWSCRAWL_REDIS_RETRY") / cap))
    return {
        "socket_timeout": 30,
        "socket_connect_timeout": 5,
        "retry": Retry(
            ExponentialBackoff(cap=cap, base=0.05), retries, (ConnectionError, TimeoutError, BusyLoadingError)
        ),
        "retry_on_error": [ConnectionError, TimeoutError, BusyLoadingError],
        "health_check_interval": 10,
    }


class DistributedAddon:
    """Switches the crawl to distributed mode when ``NEWSCRAWL_REDIS_URL`` is set; else does nothing."""

    def update_settings(self, settings: Any) -> None:
        url = settings.get("NEWSCRAWL_REDIS_URL")
        if not url:
            return
        settings.set("REDIS_URL", url, "addon")
        settings.set("REDIS_PARAMS", redis_params(settings), "addon")
        settings.set("SCHEDULER", "newscrawl.distributed.scheduler.LeasingScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", "addon")
        # scrapy-redis pickles requests by default; unpickling runs code from whoever can write to Redis.
        settings.set("SCHEDULER_SERIALIZER", "newscrawl.distributed.serializer", "addon")
        # A worker that closes must not clear the queue the others still work on.
        settings.set("SCHEDULER_PERSIST", True, "addon")
        settings.set("SCHEDULER_QUEUE_KEY", f"{PREFIX}:%(spider)s:requests", "addon")
        settings.set("SCHEDULER_DUPEFILTER_KEY", f"{PREFIX}:%(spider)s:dupefilter", "addon")
        settings.set_in_component_priority_dict("EXTENSIONS", "newscrawl.distributed.worker.DistributedWorker", 90)
        # The worker's archive (lock shared, seen-index in Redis) in the place of the embedded one; named by
        # its path like the components above, since it imports this package.
        shared = load_object("newscrawl.distributed.archive.SharedArchiveExtension")
        with suppress(KeyError):  # the archive extension is not installed: nothing to replace
            settings.replace_in_component_priority_dict("EXTENSIONS", ArchiveExtension, shared)
        settings.set_in_component_priority_dict(
            "SPIDER_MIDDLEWARES", "newscrawl.distributed.worker.LeaseMiddleware", 50
        )
        # Per-host politeness across all workers (newscrawl.distributed.politeness): after robots.txt (100)
        # and the HTTP cache (900), so only requests that go to the site wait; first to see each response.
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", "newscrawl.distributed.politeness.SharedPoliteness", 950
        )


class SharedSiteLock(SiteLock):
    """The site lock taken shared: any number of workers write one output folder, an embedded run none."""

    def __init__(self, root: Path, site: str) -> None:
        super().__init__(root, site)
        self._fh: IO[str] | None = None

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def acquire(self) -> None:
        refusal = f"a single-process crawl of this site is writing {self.path.parent.parent}"
        self._fh = try_flock(self.path, fcntl.LOCK_SH, refusal)


def preflight(settings: Any, site_key: str) -> tuple[int, str] | None:
    """Before a worker starts: the Redis URL is well-formed and answers, the output is not locked.

    Returns (exit code, one-line message) for a problem, None if the worker may start.
    """
    url = str(settings.get("NEWSCRAWL_REDIS_URL"))
    try:
        shown = redacted(url)
    except ValueError:  # a port that is not a number
        shown = "a malformed URL"
    if urlsplit(url).scheme not in REDIS_SCHEMES:
        return (
            exitcodes.USAGE,
            f"NEWSCRAWL_REDIS_URL must be a redis:// URL such as redis://127.0.0.1:6379/0, not {shown!r}",
        )
    from redis import Redis
    from redis.backoff import NoBackoff
    from redis.exceptions import RedisError
    from redis.retry import Retry

    try:
        server = Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3, retry=Retry(NoBackoff(), 0))
        server.ping()
        server.close()
    except ValueError as exc:
        return exitcodes.USAGE, f"NEWSCRAWL_REDIS_URL {shown!r}: {str(exc).replace(url, shown)}"
    except RedisError as exc:
        return exitcodes.FAILED, f"cannot reach Redis at {shown}: {exc}"
    lock = SharedSiteLock(Path(settings.get("NEWSCRAWL_OUTPUT") or "output"), site_key)
    if lock.path.parent.exists():
        try:
            lock.acquire()
        except ArchiveLocked as exc:
            return exitcodes.LOCKED, f"{site_key}: {exc}; not starting"
        lock.release()
    return None
