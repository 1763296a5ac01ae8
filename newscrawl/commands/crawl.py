"""``scrapy crawl`` with the checks a cron job needs.

Spider arguments and project settings are checked before the crawler process exists (the one line on
stderr, exit 2, nothing requested, the archive untouched); a site already being crawled into the same archive exits
3 at once; the exit code then tells cron how the run went (``newscrawl.exitcodes``, decided by
``newscrawl.outcome``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError as ScrapyUsageError
from scrapy.spiderloader import get_spider_loader

from newscrawl import config, exitcodes
from newscrawl.archive.store import ArchiveLocked, SiteLock
from newscrawl.blocking import check_settings as check_blocking
from newscrawl.blocking import exit_line as blocked_exit_line
from newscrawl.errors import UsageError
from newscrawl.mirror import validate_mirror
from newscrawl.outcome import exit_code, exit_line
from newscrawl.quality import parse_overrides
from newscrawl.quietlog import install as quiet_scrapy_banner
from newscrawl.quietlog import skip_records_below
from newscrawl.render.browser import check_chromium_setting


def check_settings(settings: Any) -> None:
    config.validate(settings)  # every NEWSCRAWL_* setting against its type and range (newscrawl.config)
    mirror = settings.get("NEWSCRAWL_MIRROR")
    if mirror:
        try:
            validate_mirror(mirror)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    try:
        check_chromium_setting(settings)
        check_blocking(settings)
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


def refusal(settings: Any, name: str, spargs: dict[str, Any]) -> str | None:
    """Why ``scrapy crawl NAME`` must not start (an unknown spider, a bad setting or argument), or None."""
    loader = get_spider_loader(settings)
    try:
        spidercls = loader.load(name)
    except KeyError:
        return f"unknown spider {name!r} (known: {', '.join(sorted(loader.list()))})"
    try:
        check_settings(settings)
        checker = getattr(spidercls, "check_arguments", None)
        if checker is not None:
            checker(spargs)
    except UsageError as exc:
        return str(exc)
    return None


def site_label(settings: Any, name: str, spargs: dict[str, Any]) -> str:
    """The site a refusal names: the spider's site key (the ``news`` spider's comes from its ``url``), or the
    spider name as given when that cannot be known (an unknown spider, a bad ``url``)."""
    try:
        spidercls = get_spider_loader(settings).load(name)
        key = getattr(spidercls, "site_key_for", None)
        return str(key(spargs)) if key is not None else str(spidercls.name)
    except Exception:  # any refusal is reported by refusal() itself; the label only names the site
        return name


class Command(ScrapyCrawl):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        super().process_options(args, opts)  # applies -s and parses -a
        assert self.settings is not None
        # Checked before scrapy.cmdline builds the crawler process, which starts logging: a refusal is then
        # the only line on stderr, and nothing was requested or opened.
        self._site = site_label(self.settings, args[0], opts.spargs) if len(args) == 1 else "crawl"
        if len(args) == 1 and (problem := refusal(self.settings, args[0], opts.spargs)) is not None:
            self._fail(exitcodes.USAGE, problem)
            sys.exit(self.exitcode)
        # Settings are final here and Scrapy has not logged its banner yet (scrapy.cmdline creates the
        # CrawlerProcess after process_options).
        if config.get_bool(self.settings, "NEWSCRAWL_QUIET_LOG"):
            quiet_scrapy_banner()

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise ScrapyUsageError("give exactly one spider name")
        assert self.crawler_process is not None
        spidercls = self.crawler_process.spider_loader.load(args[0])  # process_options checked it exists
        site_key = getattr(spidercls, "site_key_for", lambda kw: spidercls.name)(opts.spargs)
        assert self.settings is not None
        lock: SiteLock | None = None
        if not config.get_bool(self.settings, "NEWSCRAWL_ARCHIVE_ENABLED"):
            pass  # no archive: nothing to lock (the archive extension is off too)
        elif self.settings.get("NEWSCRAWL_REDIS_URL"):
            # Workers share the site's archive; each worker's archive extension takes the lock shared.
            from newscrawl.distributed import preflight

            problem = preflight(self.settings, site_key)
            if problem is not None:
                return self._fail(*problem)
        else:
            lock = SiteLock(Path(self.settings.get("NEWSCRAWL_OUTPUT") or "output"), site_key)
            if lock.held_elsewhere():
                return self._fail(exitcodes.LOCKED, f"another crawl holds {lock.path}; not starting")
            try:
                # Held for the whole process (the archive extension re-enters it), so two runs that start
                # together cannot both pass the check above.
                lock.acquire()
            except ArchiveLocked:
                return self._fail(exitcodes.LOCKED, f"another crawl holds {lock.path}; not starting")
        try:
            crawler = self.crawler_process.create_crawler(spidercls)
            skip_records_below(crawler)
            self.crawler_process.crawl(crawler, **opts.spargs)
            self.crawler_process.start()
        finally:
            if lock is not None:
                lock.release()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        # The code newscrawl.outcome decided from the stats; a crawler process that failed to start has none.
        self.exitcode = exitcodes.FAILED if self.crawler_process.bootstrap_failed else exit_code(stats)
        if self.exitcode != exitcodes.OK:
            blocked = blocked_exit_line(crawler) if self.exitcode == exitcodes.NO_ARTICLES else None
            if blocked is not None:  # what blocked the run, instead of "site down"
                print(f"newscrawl: error: {site_key}: {blocked} (exit {self.exitcode})", file=sys.stderr)
            else:
                log_file = self.settings.get("LOG_FILE")
                print(exit_line(site_key, self.exitcode, stats, log_file=log_file), file=sys.stderr)

    def _fail(self, code: int, message: str) -> None:
        # The same shape as the line of a run that ended non-zero (newscrawl.outcome): cron mails it.
        print(f"newscrawl: error: {getattr(self, '_site', 'crawl')}: {message} (exit {code})", file=sys.stderr)
        self.exitcode = code
