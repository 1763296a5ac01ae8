"""The one line on stderr that says why a crawl exited non-zero, for cron's mail.

``scrapy crawl`` prints it whether or not ``LOG_FILE`` takes the log, so a cron job whose log goes to a file
still mails its owner one line naming the site, the reason and what to do.
"""

from __future__ import annotations

from typing import Any

from newscrawl import exitcodes


def _listing(counts: dict[str, int], limit: int = 4) -> str:
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return ", ".join(f"{name} {n}" for name, n in top)


def _where(stats: dict[str, Any], log_file: str | None) -> str:
    report = stats.get("newscrawl/run_report")
    if report:
        return f"see the run report {report}"
    return f"see the log {log_file}" if log_file else "see the log above"


def exit_line(site: str, code: int, stats: dict[str, Any], *, log_file: str | None = None) -> str:
    """``newscrawl: error: SITE: REASON; WHAT TO DO (exit CODE)`` for a run that ended with ``code`` != 0."""
    reason = stats.get("finish_reason")
    if code == exitcodes.NO_ARTICLES and stats.get("newscrawl/unreachable/reason"):
        what = stats["newscrawl/unreachable/reason"]
        mirror = stats.get("newscrawl/unreachable/mirror")
        if mirror:
            text = f"mirror unreachable ({what}); is `newscrawl mirror serve` running at {mirror}?"
        else:
            text = f"site unreachable ({what}); no network? crawl a local mirror with -s NEWSCRAWL_MIRROR=URL"
    elif code == exitcodes.NO_ARTICLES:
        failed = {
            key.removeprefix("newscrawl/failed/"): int(value)
            for key, value in stats.items()
            if key.startswith("newscrawl/failed/")
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
