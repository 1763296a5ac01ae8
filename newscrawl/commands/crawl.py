"""``scrapy crawl`` with the checks a cron job needs.

Spider arguments and project settings are checked before the crawler starts (one line on stderr, exit
2, nothing requested, the archive untouched); a site already being crawled into the same archive exits
3 at once; the exit code then tells cron how the run went (``newscrawl.exitcodes``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.exceptions import UsageError as ScrapyUsageError

from newscrawl import exitcodes
from newscrawl.archive.store import ArchiveLocked, SiteLock
from newscrawl.blocking import check_settings as check_blocking
from newscrawl.blocking import exit_line
from newscrawl.errors import UsageError
from newscrawl.mirror import validate_mirror
from newscrawl.politeness import check_settings as check_politeness
from newscrawl.quality import parse_overrides
from newscrawl.render.browser import check_chromium_setting


def check_settings(settings: Any) -> None:
    mirror = settings.get("NEWSCRAWL_MIRROR")
    if mirror:
        try:
            validate_mirror(mirror)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    try:
        check_chromium_setting(settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(settings.get("NEWSCRAWL_OUTPUT") or "output")
    probe = out
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise UsageError(f"NEWSCRAWL_OUTPUT: {out} is not a folder")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise UsageError(f"NEWSCRAWL_OUTPUT: {out} is not writable")
    parse_overrides(settings.get("NEWSCRAWL_QUALITY"))  # raises UsageError naming a bad threshold
    for name in ("NEWSCRAWL_MAX_LISTING_PAGES", "NEWSCRAWL_FLUSH_EVERY"):
        raw = settings.get(name)
        try:
            if int(str(raw)) < 1:
                raise ValueError
        except ValueError:
            raise UsageError(f"{name}: {raw!r} is not a positive whole number") from None
    try:
        check_politeness(settings)
        check_blocking(settings)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def exit_code(crawler: Crawler) -> int:
    """The code the run report decided (``newscrawl.archive.report``), or decided the same way from the
    stats when the report is switched off."""
    from newscrawl.archive import report

    stats = crawler.stats.get_stats() if crawler.stats else {}
    if stats.get("newscrawl/run_report") is not None and stats.get("newscrawl/exit_code") is not None:
        return int(stats["newscrawl/exit_code"])
    preset = stats.get("newscrawl/exit_code")
    return report.exit_code(stats.get("finish_reason"), report.counts(stats), int(preset) if preset else None)


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise ScrapyUsageError("give exactly one spider name")
        assert self.crawler_process is not None
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            known = ", ".join(sorted(self.crawler_process.spider_loader.list()))
            return self._fail(exitcodes.USAGE, f"unknown spider {args[0]!r} (known: {known})")
        try:
            check_settings(self.settings)
            checker = getattr(spidercls, "check_arguments", None)
            if checker is not None:
                checker(opts.spargs)
        except UsageError as exc:
            return self._fail(exitcodes.USAGE, str(exc))
        site_key = getattr(spidercls, "site_key_for", lambda kw: spidercls.name)(opts.spargs)
        assert self.settings is not None
        lock: SiteLock | None = None
        if self.settings.get("NEWSCRAWL_REDIS_URL"):
            # Workers share the site's archive; each worker's archive extension takes the lock shared.
            from newscrawl.distributed import preflight

            problem = preflight(self.settings, site_key)
            if problem is not None:
                return self._fail(*problem)
        else:
            lock = SiteLock(Path(self.settings.get("NEWSCRAWL_OUTPUT") or "output"), site_key)
            if lock.held_elsewhere():
                return self._fail(exitcodes.LOCKED, f"{site_key}: another crawl holds {lock.path}; not starting")
            try:
                # Held for the whole process (the archive extension re-enters it), so two runs that start
                # together cannot both pass the check above.
                lock.acquire()
            except ArchiveLocked:
                return self._fail(exitcodes.LOCKED, f"{site_key}: another crawl holds {lock.path}; not starting")
        try:
            crawler = self.crawler_process.create_crawler(spidercls)
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            if lock is not None:
                lock.release()
        self.exitcode = exitcodes.FAILED if self.crawler_process.bootstrap_failed else exit_code(crawler)
        if self.exitcode == exitcodes.NO_ARTICLES:
            line = exit_line(crawler)
            if line is not None:  # what blocked the run, instead of "site down"
                print(f"newscrawl: {line}", file=sys.stderr)

    def _fail(self, code: int, message: str) -> None:
        print(f"newscrawl: error: {message}", file=sys.stderr)
        self.exitcode = code
