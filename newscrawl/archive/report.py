"""The run report: a JSON manifest per run, a short summary table in the log, and the exit code for cron.

The manifest goes to ``<output>/.newscrawl/runs/<site>-<YYYYMMDDTHHMMSSZ>-<pid>.json`` (written whole
through a temporary file). It holds the newscrawl version, the start and end, the finish reason, counts of
new / updated / unchanged articles, articles skipped as archived, drops by reason, failed requests by source, and the
files written with their sha256. The exit code (``newscrawl.exitcodes``) is put in the stats as
``newscrawl/exit_code`` for the ``crawl`` command to return.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from newscrawl import __version__, exitcodes
from newscrawl.archive.crawl import archive_enabled, output_dir, site_key
from newscrawl.archive.store import STATE_DIR, fsync_dir
from newscrawl.archive.tools import sha256_of
from newscrawl.blocking import FINISH_REASON as BLOCKED_REASON
from newscrawl.blocking import blocked_hosts
from newscrawl.failures import SITE_UNREACHABLE
from newscrawl.lost import lost_by_reason

logger = logging.getLogger(__name__)

MEANING = {
    exitcodes.OK: "ok",
    exitcodes.FAILED: "failed",
    exitcodes.LOCKED: "locked",
    exitcodes.NO_ARTICLES: "no articles",
    exitcodes.DRIFT: "layout drift",
}


def counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The run's counts, from the crawl stats alone."""

    def n(name: str) -> int:
        return int(stats.get(f"newscrawl/{name}") or 0)

    dropped = {
        key.removeprefix("newscrawl/dropped/"): int(value)
        for key, value in sorted(stats.items())
        if key.startswith("newscrawl/dropped/") and key != "newscrawl/dropped/unchanged_article"
    }
    failed = {"articles": n("articles/failed")} if n("articles/failed") else {}
    failed.update(
        {
            key.removeprefix("newscrawl/discovery/failed/"): int(value)
            for key, value in sorted(stats.items())
            if key.startswith("newscrawl/discovery/failed/")
        }
    )
    failed_by_reason = {
        key.removeprefix("newscrawl/failed/"): int(value)
        for key, value in sorted(stats.items())
        if key.startswith("newscrawl/failed/")
    }
    return {
        "sitemap_unchanged": n("sitemap/entries_unchanged") + n("sitemap/unchanged"),
        "new": n("archive/new"),
        "updated": n("archive/updated"),
        "unchanged": n("dropped/unchanged_article"),
        "skipped_archived": n("articles/skipped_archived"),
        "rechecked": n("articles/rechecked"),
        "parsed": n("articles/parsed"),
        "dropped": dropped,
        "lost": lost_by_reason(stats),  # newscrawl.lost: fetched, then neither archived nor dropped
        "failed_requests": failed,  # by source
        "failed_by_reason": failed_by_reason,  # newscrawl.failures: timeout, connection_refused, http_404, ...
        "requests": int(stats.get("downloader/request_count") or 0),
        "blocked": blocked_hosts(stats),  # newscrawl.blocking: bot-wall responses by "<kind>@<host>"
    }


def exit_code(reason: str | None, run: dict[str, Any], preset: int | None = None) -> int:
    """NO_ARTICLES when the site could not be reached at all (``site_unreachable``) or a host kept walling us
    (``blocked``); FAILED unless the run finished (or stopped at a CLOSESPIDER_* limit) without losing an
    article (``newscrawl.lost``); NO_ARTICLES when nothing the sources gave was an article, archived or
    archivable (site down, changed, or blocking us; articles and sitemaps skipped as seen by an earlier run
    count as found), unless another part of the crawl set the code of a finished run (``preset``: DRIFT from
    the quality guard, OK from a worker that joined a distributed run whose work was done); else OK."""
    if reason == SITE_UNREACHABLE:
        return exitcodes.NO_ARTICLES  # the site (or the mirror) did not answer at all
    if reason == BLOCKED_REASON:
        return exitcodes.FAILED if run.get("lost") else exitcodes.NO_ARTICLES  # a host kept walling us
    if reason != "finished" and not (reason or "").startswith("closespider_"):
        return exitcodes.FAILED
    if run.get("lost"):
        return exitcodes.FAILED  # an article was fetched and then lost (newscrawl.lost); the next run retries it
    if preset is not None:
        return preset  # decided by the part of the crawl that knows (drift guard, a joining worker)
    found = ("new", "updated", "unchanged", "skipped_archived", "sitemap_unchanged")
    if not any(run[name] for name in found):
        return exitcodes.NO_ARTICLES
    return exitcodes.OK


def summary_table(manifest: dict[str, Any]) -> str:
    run = manifest["counts"]
    rows = [
        ("site", manifest["site"]),
        ("finish reason", manifest["finish_reason"]),
        ("exit code", f"{manifest['exit_code']} ({manifest['exit_meaning']})"),
        ("duration", f"{manifest['duration_s']:.1f} s"),
        ("new", run["new"]),
        ("updated", run["updated"]),
        ("unchanged", run["unchanged"]),
        ("skipped (archived)", run["skipped_archived"]),
        ("sitemap entries seen before", run["sitemap_unchanged"]),
        ("dropped", ", ".join(f"{k} {v}" for k, v in run["dropped"].items()) or 0),
        ("lost", ", ".join(f"{k} {v}" for k, v in run["lost"].items()) or 0),
        ("failed requests", ", ".join(f"{k} {v}" for k, v in run["failed_requests"].items()) or 0),
        ("failure reasons", ", ".join(f"{k} {v}" for k, v in run["failed_by_reason"].items()) or "none"),
        ("blocked", ", ".join(f"{k} {v}" for k, v in run.get("blocked", {}).items()) or "no"),
        ("files", ", ".join(f["path"] for f in manifest["files"]) or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"  {name:<{width}}  {value}" for name, value in rows)


class RunReport:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started = datetime.now(UTC)
        # After every spider_closed handler (the archive closes its files there, the quality guard sets
        # its exit code there): engine_stopped. Scrapy keeps weak references to handlers: hold the method.
        self._on_stop = self.engine_stopped
        crawler.signals.connect(self._on_stop, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunReport:
        if not archive_enabled(crawler):
            raise NotConfigured
        return cls(crawler)

    def manifest(self, reason: str | None) -> dict[str, Any]:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        root = output_dir(self.crawler)
        run = counts(stats)
        preset = stats.get("newscrawl/exit_code")
        code = exit_code(reason, run, int(preset) if preset is not None else None)
        finished = datetime.now(UTC)
        files = []
        for name in stats.get("newscrawl/archive/files_written") or []:
            path = root / name
            files.append({"path": name, "bytes": path.stat().st_size, "sha256": sha256_of(path)})
        spider = self.crawler.spider
        return {
            "site": site_key(self.crawler),
            "newscrawl_version": __version__,
            "pid": os.getpid(),
            "started_at": self.started.isoformat(timespec="seconds"),
            "finished_at": finished.isoformat(timespec="seconds"),
            "duration_s": round((finished - self.started).total_seconds(), 3),
            "finish_reason": reason,
            "exit_code": code,
            "exit_meaning": MEANING.get(code, "?"),
            "arguments": {
                "langs": list(getattr(spider, "langs", ()) or ()),
                "since": str(getattr(spider, "since", None) or "") or None,
                "until": str(getattr(spider, "until", None) or "") or None,
                "refresh": bool(getattr(spider, "refresh", False)),
            },
            "counts": run,
            "archive_open_ms": stats.get("newscrawl/archive/open_ms"),
            "files": files,
        }

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        manifest = self.manifest(self.crawler.stats.get_value("finish_reason"))
        self.crawler.stats.set_value("newscrawl/exit_code", manifest["exit_code"])
        root = output_dir(self.crawler)
        folder = root / STATE_DIR / "runs"
        path = folder / f"{manifest['site']}-{self.started:%Y%m%dT%H%M%SZ}-{manifest['pid']}.json"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            os.replace(tmp, path)
            fsync_dir(folder)
        except OSError as exc:
            logger.error("cannot write the run report %s: %s", path, exc.strerror)
        self.crawler.stats.set_value("newscrawl/run_report", str(path))
        logger.info("run summary (%s):\n%s", path, summary_table(manifest))
