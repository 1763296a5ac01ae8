"""How a run ended, from its stats alone: its counts, its exit code for cron, and the one line on stderr.

The exit code is decided here and nowhere else, from facts the rest of the crawl records in the stats (the
finish reason, articles found and lost, the quality guard's drifted sites, whether another worker sent the
start requests); :class:`RunStats` records the decision as ``newscrawl/exit_code`` once the spider has
closed, after every ``spider_closed`` handler and before the stats are dumped, and the run report and
``scrapy crawl`` read it with :func:`exit_code`.

``scrapy crawl`` prints the stderr line whether or not ``LOG_FILE`` takes the log, so a cron job whose log
goes to a file still mails its owner one line naming the site, the reason and what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy import Spider
from scrapy.statscollectors import MemoryStatsCollector

from newscrawl import exitcodes, statnames
from newscrawl.blocking import FINISH_REASON as BLOCKED_REASON
from newscrawl.blocking import blocked_hosts
from newscrawl.failures import SITE_UNREACHABLE
from newscrawl.lost import lost_by_reason
from newscrawl.statnames import (
    ARCHIVE_NEW,
    ARCHIVE_UPDATED,
    ARTICLES_FAILED,
    ARTICLES_PARSED,
    ARTICLES_RECHECKED,
    DISCOVERY_FAILED,
    DRIFTED,
    DROPPED,
    FAILED,
    RUN_REPORT,
    SEEDED,
    SITEMAP_ENTRIES_UNCHANGED,
    SITEMAP_UNCHANGED,
    SKIPPED_ARCHIVED,
    UNCHANGED,
    UNREACHABLE_MIRROR,
    UNREACHABLE_REASON,
    count_in,
    stat,
)

EXIT_CODE = stat(statnames.EXIT_CODE)  # the one key this module owns: written by RunStats, read back here


def counts(stats: Mapping[str, Any]) -> dict[str, Any]:
    """The run's counts, from the crawl stats alone."""

    dropped = {
        key.removeprefix(stat(DROPPED)): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(stat(DROPPED)) and key != stat(UNCHANGED)
    }
    failed = {"articles": articles} if (articles := count_in(stats, ARTICLES_FAILED)) else {}
    failed.update(
        {
            key.removeprefix(stat(DISCOVERY_FAILED)): int(value)
            for key, value in sorted(stats.items())
            if key.startswith(stat(DISCOVERY_FAILED))
        }
    )
    failed_by_reason = {
        key.removeprefix(stat(FAILED)): int(value)
        for key, value in sorted(stats.items())
        if key.startswith(stat(FAILED))
    }
    return {
        "sitemap_unchanged": count_in(stats, SITEMAP_ENTRIES_UNCHANGED) + count_in(stats, SITEMAP_UNCHANGED),
        "new": count_in(stats, ARCHIVE_NEW),
        "updated": count_in(stats, ARCHIVE_UPDATED),
        "unchanged": count_in(stats, UNCHANGED),
        "skipped_archived": count_in(stats, SKIPPED_ARCHIVED),
        "rechecked": count_in(stats, ARTICLES_RECHECKED),
        "parsed": count_in(stats, ARTICLES_PARSED),
        "dropped": dropped,
        "lost": lost_by_reason(stats),  # newscrawl.lost: fetched, then neither archived nor dropped
        "failed_requests": failed,  # by source
        "failed_by_reason": failed_by_reason,  # newscrawl.failures: timeout, connection_refused, http_404, ...
        "requests": int(stats.get("downloader/request_count") or 0),
        "blocked": blocked_hosts(stats),  # newscrawl.blocking: bot-wall responses by "<kind>@<host>"
    }


def decide(stats: Mapping[str, Any]) -> int:
    """The run's exit code (``newscrawl.exitcodes``), from its stats.

    NO_ARTICLES when the site could not be reached at all (``site_unreachable``) or a host kept walling us
    (``blocked``); FAILED unless the run finished (or stopped at a CLOSESPIDER_* limit) without losing an
    article (``newscrawl.lost``); for a finished run, OK for a worker that joined a distributed run
    (``newscrawl/distributed/seeded`` 0) and parsed no article, since judging the sources is the seeding
    worker's job, and DRIFT when the quality guard found a site's figures fell (``newscrawl/quality/drifted``);
    NO_ARTICLES when nothing the sources gave was an article, archived or archivable (site down, changed, or
    blocking us; articles and sitemaps skipped as seen by an earlier run count as found); else OK.
    """
    reason = stats.get("finish_reason")
    run = counts(stats)
    if reason == SITE_UNREACHABLE:
        return exitcodes.NO_ARTICLES  # the site (or the mirror) did not answer at all
    if reason == BLOCKED_REASON:
        return exitcodes.FAILED if run["lost"] else exitcodes.NO_ARTICLES  # a host kept walling us
    if reason != "finished" and not (reason or "").startswith("closespider_"):
        return exitcodes.FAILED
    if run["lost"]:
        return exitcodes.FAILED  # an article was fetched and then lost (newscrawl.lost); the next run retries it
    if reason == "finished":
        if stats.get(stat(SEEDED)) == 0 and not run["parsed"]:
            return exitcodes.OK  # another worker seeded the run and the others did the work
        if stats.get(stat(DRIFTED)):
            return exitcodes.DRIFT  # the records were archived, but a site's layout changed
    found = ("new", "updated", "unchanged", "skipped_archived", "sitemap_unchanged")
    if not any(run[name] for name in found):
        return exitcodes.NO_ARTICLES
    return exitcodes.OK


def exit_code(stats: Mapping[str, Any]) -> int:
    """The exit code decided when the spider closed; decided now for a run that never got that far (it could
    not start, or a second Ctrl-C stopped it at once)."""
    code = stats.get(EXIT_CODE)
    return int(code) if code is not None else decide(stats)


class RunStats(MemoryStatsCollector):
    """``STATS_CLASS``: Scrapy's stats, with the exit code decided once the spider has closed.

    The stats collector is closed after every ``spider_closed`` handler has run (the archive closed, the
    quality guard judged) and before the stats are dumped, so the decision sees every fact and the dump
    shows it.
    """

    # Scrapy 2.19's StatsCollector.__getattribute__ looks up every attribute through Python code and hands
    # out its stats methods wrapped in a check for the deprecated ``spider`` argument
    # (scrapy/statscollectors.py): some twenty counts per article pay both. Nothing in newscrawl passes
    # ``spider``, nor does Scrapy's own code, so the collector is read as a plain object.
    __getattribute__ = object.__getattribute__

    def close_spider(self, spider: Spider | None = None, reason: str | None = None) -> None:
        self.set_value(EXIT_CODE, decide(self.get_stats()))
        super().close_spider(spider, reason)


def _listing(counts: dict[str, int], limit: int = 4) -> str:
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return ", ".join(f"{name} {n}" for name, n in top)


def _where(stats: Mapping[str, Any], log_file: str | None) -> str:
    report = stats.get(stat(RUN_REPORT))
    if report:
        return f"see the run report {report}"
    return f"see the log {log_file}" if log_file else "see the log above"


def exit_line(site: str, code: int, stats: Mapping[str, Any], *, log_file: str | None = None) -> str:
    """``newscrawl: error: SITE: REASON; WHAT TO DO (exit CODE)`` for a run that ended with ``code`` != 0."""
    reason = stats.get("finish_reason")
    if code == exitcodes.NO_ARTICLES and stats.get(stat(UNREACHABLE_REASON)):
        what = stats[stat(UNREACHABLE_REASON)]
        mirror = stats.get(stat(UNREACHABLE_MIRROR))
        if mirror:
            text = f"mirror unreachable ({what}); is `newscrawl mirror serve` running at {mirror}?"
        else:
            text = f"site unreachable ({what}); no network? crawl a local mirror with -s NEWSCRAWL_MIRROR=URL"
    elif code == exitcodes.NO_ARTICLES:
        failed = {
            key.removeprefix(stat(FAILED)): int(value)
            for key, value in stats.items()
            if key.startswith(stat(FAILED))
        }
        requests = int(stats.get("downloader/request_count") or 0)
        detail = f"{requests} requests" + (f"; failures: {_listing(failed)}" if failed else "")
        text = (
            f"no article found ({detail}); the site may be down, changed or blocking us: "
            f"{_where(stats, log_file)}"
        )
    elif code == exitcodes.DRIFT:
        fell = {
            key.removeprefix("newscrawl/quality/").removesuffix("/fell"): value
            for key, value in stats.items()
            if key.startswith("newscrawl/quality/") and key.endswith("/fell") and value
        }
        detail = "; ".join(f"{name}: {', '.join(map(str, figures))}" for name, figures in sorted(fell.items()))
        text = (
            f"layout drift: extraction quality fell below the thresholds ({detail or 'see the log'}); the "
            f"records were archived; check the site's parser: {_where(stats, log_file)}"
        )
    elif code == exitcodes.FAILED:
        if reason is None and stats.get("start_time"):
            text = f"the run was stopped at once, before it finished (a second Ctrl-C): {_where({}, log_file)}"
        elif reason is None:
            text = f"the crawl could not start: {_where({}, log_file)}"
        elif reason == "shutdown":
            text = f"the run was interrupted before it finished (finish reason: shutdown): {_where(stats, log_file)}"
        else:
            text = f"the run did not finish (finish reason: {reason}): {_where(stats, log_file)}"
    else:
        text = f"exit {code}: {_where(stats, log_file)}"
    return f"newscrawl: error: {site}: {text} (exit {code})"
