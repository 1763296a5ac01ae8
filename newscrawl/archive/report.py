"""The run report: a JSON manifest per run, a short summary table in the log, and the exit code for cron.

The manifest goes to ``<output>/.newscrawl/runs/<site>-<YYYYMMDDTHHMMSSZ>-<pid>.json`` (written whole
through a temporary file). It holds the newscrawl version, the start and end, the finish reason, counts of
new / updated / unchanged articles, articles skipped as archived, drops by reason, failed requests by source, and the
files written with their sha256, and the exit code decided by ``newscrawl.outcome``.
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
from newscrawl.outcome import counts, exit_code
from newscrawl.statnames import ARCHIVE_OPEN_MS, CAPTURES_WRITTEN, FILES_WRITTEN, RUN_REPORT, stat

logger = logging.getLogger(__name__)

MEANING = {
    exitcodes.OK: "ok",
    exitcodes.FAILED: "failed",
    exitcodes.LOCKED: "locked",
    exitcodes.NO_ARTICLES: "no articles",
    exitcodes.DRIFT: "layout drift",
}


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
        # After every spider_closed handler (the archive closes its files there) and the exit code's decision
        # (newscrawl.outcome): engine_stopped. Scrapy keeps weak references to handlers: hold the method.
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
        code = exit_code(stats)
        finished = datetime.now(UTC)

        def described(names: list[str] | None) -> list[dict[str, Any]]:
            return [
                {"path": name, "bytes": (root / name).stat().st_size, "sha256": sha256_of(root / name)}
                for name in names or []
            ]

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
            "archive_open_ms": stats.get(stat(ARCHIVE_OPEN_MS)),
            "files": described(stats.get(stat(FILES_WRITTEN))),
            "captures": described(stats.get(stat(CAPTURES_WRITTEN))),  # the run's WARC files
        }

    def engine_stopped(self) -> None:
        assert self.crawler.stats is not None
        manifest = self.manifest(self.crawler.stats.get_value("finish_reason"))
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
        self.crawler.stats.set_value(stat(RUN_REPORT), str(path))
        logger.info("run summary (%s):\n%s", path, summary_table(manifest))
