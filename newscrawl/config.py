"""The project's settings in one table: name, type, range, default and meaning of every ``NEWSCRAWL_*`` setting.

``newscrawl.settings`` takes its defaults from :data:`SETTINGS`; :func:`validate` checks a crawl's settings
against it before any request (``newscrawl.commands.crawl``); the typed accessors (:func:`get_int`,
:func:`get_float`, ...) read a setting through the table, so no default is written twice; and
``docs/settings.md`` is generated from it (``python -m newscrawl.config > docs/settings.md``). A few standard
Scrapy settings the project relies on are range-checked too (:data:`SCRAPY_CHECKS`), their defaults left to
Scrapy and ``newscrawl.settings``. Pure Python: importing it costs nothing.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from newscrawl.errors import UsageError

INT, FLOAT, BOOL, STR, PATH, URL, JSON = "int", "float", "bool", "str", "path", "url", "json"

DAY = 86_400.0  # seconds


@dataclass(frozen=True)
class Setting:
    """One setting: what it holds, which values are allowed, its default and what it does."""

    name: str
    type: str  # INT, FLOAT, BOOL, STR, PATH, URL or JSON
    default: Any
    meaning: str
    min: float | None = None  # INT and FLOAT: inclusive bounds; floats must also be finite
    max: float | None = None
    unit: str = ""  # "seconds", "hours" ...: shown in messages and the docs
    schemes: tuple[str, ...] = ()  # URL: the schemes allowed (an empty value switches the feature off)
    example: str = ""  # URL: shown in the message for a bad value
    env: bool = False  # the default is read from the environment variable of the same name when set

    def expects(self) -> str:
        """The allowed values in words, for an error message or the docs."""
        unit = f" ({self.unit})" if self.unit else ""
        if self.type in (INT, FLOAT):
            kind = "a whole number" if self.type == INT else "a finite number"
            if self.max is None:
                return f"{kind} >= {_num(self.min)}{unit}"
            return f"{kind} from {_num(self.min)} to {_num(self.max)}{unit}"
        if self.type == BOOL:
            return "true or false (1 or 0)"
        if self.type == URL:
            if self.schemes == ("http", "https"):
                schemes = "an http(s)"
            else:
                schemes = "a " + ", ".join(f"{s}://" for s in self.schemes[:-1]) + f" or {self.schemes[-1]}://"
            return f"{schemes} URL such as {self.example}, or empty"
        if self.type == JSON:
            return "a JSON object of finite numbers"
        return "a file system path" if self.type == PATH else "text"


def _num(value: float | None) -> str:
    """A bound or default as people write it: 100000, 0.5, 0.001."""
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


SETTINGS: tuple[Setting, ...] = (
    # --- where and how a crawl runs
    Setting("NEWSCRAWL_OUTPUT", PATH, "output", "the archive folder", env=True),
    Setting(
        "NEWSCRAWL_MIRROR", URL, "",
        "base URL of a local mirror to download from instead of the live site (empty: the live site)",
        schemes=("http", "https"), example="http://127.0.0.1:8000", env=True,
    ),
    Setting(
        "NEWSCRAWL_CONTACT", STR, "https://github.com/newscrawl/newscrawl",
        "how site owners reach the operator, put in the User-Agent", env=True,
    ),
    Setting(
        "NEWSCRAWL_ARCHIVE_ENABLED", BOOL, True,
        "off: the crawl writes, locks and reports nothing under NEWSCRAWL_OUTPUT; its articles go only to "
        "Scrapy's feed exports (-O), as version 1",
    ),
    Setting("NEWSCRAWL_FLUSH_EVERY", INT, 50, "records between durable index commits", min=1, max=1_000_000),
    Setting(
        "NEWSCRAWL_WARC", BOOL, True,
        "off: no raw capture; on: every archived article's HTTP exchange is kept in a WARC file beside the run's "
        "JSONL file, and its record points at it (capture)",
        env=True,
    ),
    # --- discovery
    Setting("NEWSCRAWL_MAX_LISTING_PAGES", INT, 5, "listing pages followed per listing", min=1, max=100_000),
    Setting(
        "NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS", INT, 366,
        "longest backfill window whose date-archive pages are read (0: never)", min=0, max=100_000, unit="days",
    ),
    Setting(
        "NEWSCRAWL_STOP_AFTER_ARCHIVED", INT, 3,
        "archived articles in a row that end a feed or listing in an incremental run (0: read everything)",
        min=0, max=100_000,
    ),
    # --- re-checks of archived articles
    Setting(
        "NEWSCRAWL_RECHECK_HOURS", FLOAT, 48.0,
        "archived articles are fetched again for this long after publication", min=0, max=87_600, unit="hours",
    ),
    Setting(
        "NEWSCRAWL_RECHECK_MIN_MINUTES", FLOAT, 30.0,
        "a re-check is due once at least this long has passed since the last check",
        min=0, max=525_600, unit="minutes",
    ),
    Setting(
        "NEWSCRAWL_RECHECK_AGE_FRACTION", FLOAT, 0.5,
        "... and at least this share of the article's age at the last check", min=0, max=100,
    ),
    # --- quality and pages that are not articles
    Setting(
        "NEWSCRAWL_QUALITY", JSON, {},
        'drift-guard thresholds overriding the site\'s, e.g. {"min_sample": 5} (names: newscrawl.quality)',
    ),
    Setting(
        "NEWSCRAWL_NOT_ARTICLE_RETRIES", INT, 2,
        "re-requests of a challenge or empty page answered 200", min=0, max=100,
    ),
    Setting(
        "NEWSCRAWL_NOT_ARTICLE_BACKOFF", FLOAT, 60.0,
        "first wait before such a re-request, doubled each time", min=0, max=DAY, unit="seconds",
    ),
    # --- politeness
    Setting(
        "NEWSCRAWL_CRAWL_DELAY_MAX", FLOAT, 120.0,
        "robots.txt Crawl-delay honoured up to this long", min=0, max=DAY, unit="seconds",
    ),
    Setting(
        "NEWSCRAWL_UNREACHABLE_AFTER", INT, 3,
        "DNS failures or refused connections on the site's own hosts, with nothing downloaded yet, that end the run "
        "as site_unreachable (exit 4) instead of retrying each source", min=1, max=1_000_000,
    ),
    Setting("NEWSCRAWL_RETRY_BACKOFF", FLOAT, 2.0, "first wait before a retry", min=0, max=DAY, unit="seconds"),
    Setting(
        "NEWSCRAWL_RETRY_BACKOFF_MAX", FLOAT, 60.0, "longest wait before a retry", min=0, max=DAY, unit="seconds",
    ),
    Setting(
        "NEWSCRAWL_RETRY_AFTER_MAX", FLOAT, 120.0,
        "longest Retry-After waited for; asking for more means no retry", min=0, max=DAY, unit="seconds",
    ),
    # --- distributed mode (newscrawl.distributed)
    Setting(
        "NEWSCRAWL_REDIS_URL", URL, "", "distributed mode on this Redis (empty: one process, no Redis)",
        schemes=("redis", "rediss", "unix"), example="redis://127.0.0.1:6379/0", env=True,
    ),
    Setting(
        "NEWSCRAWL_REDIS_IDLE_CLOSE", FLOAT, 30.0,
        "a worker closes once no work was queued or leased anywhere for this long",
        min=0, max=DAY, unit="seconds", env=True,
    ),
    Setting(
        "NEWSCRAWL_REDIS_LEASE", FLOAT, 60.0,
        "a popped request stays leased this long to a worker that stopped renewing it",
        min=1, max=DAY, unit="seconds", env=True,
    ),
    Setting(
        "NEWSCRAWL_REDIS_RETRY", FLOAT, 120.0,
        "a worker keeps retrying an unreachable Redis this long, then stops", min=0, max=DAY, unit="seconds",
        env=True,
    ),
    Setting("NEWSCRAWL_WORKER_ID", STR, "", "this worker's name in Redis (empty: HOST-PID)"),
    # --- JavaScript rendering (newscrawl.render)
    Setting(
        "NEWSCRAWL_CHROMIUM", PATH, "",
        "a Chromium executable to render with, e.g. /usr/bin/chromium (empty: Playwright's)", env=True,
    ),
    Setting(
        "NEWSCRAWL_RENDER_TIMEOUT", FLOAT, 30.0,
        "time a rendered page has in all, navigation and settling", min=1, max=3600, unit="seconds",
    ),
    Setting("NEWSCRAWL_RENDER_RETRY_TIMES", INT, 1, "retries of a rendered page that timed out", min=0, max=100),
    Setting(
        "NEWSCRAWL_RENDER_CHALLENGE_WAIT", FLOAT, 5.0,
        "time a JavaScript challenge has to reload into the page", min=0, max=600, unit="seconds",
    ),
    Setting(
        "NEWSCRAWL_RENDER_RECYCLE_PAGES", INT, 100,
        "pages per browser context before a fresh one replaces it", min=1, max=1_000_000,
    ),
    # --- bot walls (newscrawl.blocking)
    Setting(
        "NEWSCRAWL_IMPERSONATE", BOOL, False,
        "answer a bot wall with the browser-grade handshake the site profile declares (curl_cffi); off: an "
        "anti-bot check is respected, not answered",
    ),
    Setting(
        "NEWSCRAWL_BLOCKED_STOP_AFTER", INT, 20,
        "bot walls in a row from one host, nothing else between, that end the crawl (0: never)", min=0,
        max=1_000_000,
    ),
    Setting(
        "NEWSCRAWL_BLOCKED_DELAY", FLOAT, 10.0,
        "a walled host's downloader delay is at least this, doubled on each wall (0: no slow-down)", min=0,
        max=DAY, unit="seconds",
    ),
    Setting(
        "NEWSCRAWL_BLOCKED_DELAY_MAX", FLOAT, 120.0, "... and at most this", min=0, max=DAY, unit="seconds",
    ),
    # --- the run's log
    Setting(
        "NEWSCRAWL_PROGRESS_INTERVAL", FLOAT, 10.0, "seconds between progress lines in the log (0: none)",
        min=0, max=DAY, unit="seconds",
    ),
    Setting(
        "NEWSCRAWL_QUIET_LOG", BOOL, True,
        "Scrapy's start-up banner and end-of-run stats dump are logged at DEBUG, not INFO",
    ),
    # --- rendering memory
    Setting(
        "NEWSCRAWL_RENDER_RESTART_PAGES", INT, 1000,
        "rendered pages before a fresh Playwright driver and browser replace the old ones (0: never)",
        min=0, max=10_000_000,
    ),
    Setting(
        "NEWSCRAWL_RENDER_DRIVER_MAX_MB", INT, 512,
        "the driver and browser are restarted sooner once the Playwright driver's resident memory passes this "
        "(0: no limit)", min=0, max=1_000_000, unit="MiB",
    ),
    Setting(
        "NEWSCRAWL_MEMORY_LIMIT_MB", INT, 4096,
        "memory of the crawl, the Playwright driver and the browser processes together (PSS); past it the crawl "
        "closes with finish reason stack_memory_exceeded, exit 1 (0: no limit)", min=0, max=10_000_000, unit="MiB",
    ),
)

BY_NAME: Mapping[str, Setting] = {s.name: s for s in SETTINGS}

# Standard Scrapy settings the crawl's safety rests on (size bounds, timeouts, concurrency): range-checked
# before any request like the project's own; their defaults stay with Scrapy and newscrawl.settings.
SCRAPY_CHECKS: tuple[Setting, ...] = (
    Setting("DOWNLOAD_MAXSIZE", INT, None, "largest response, also after decompression", min=0, unit="bytes"),
    Setting("DOWNLOAD_WARNSIZE", INT, None, "response size that logs a warning", min=0, unit="bytes"),
    Setting("DOWNLOAD_TIMEOUT", FLOAT, None, "time a download has", min=0.001, max=DAY, unit="seconds"),
    Setting("DOWNLOAD_DELAY", FLOAT, None, "least time between requests to a host", min=0, max=DAY, unit="seconds"),
    Setting("CONCURRENT_REQUESTS", INT, None, "requests in flight in all", min=1, max=10_000),
    Setting("CONCURRENT_REQUESTS_PER_DOMAIN", INT, None, "requests in flight per host", min=1, max=10_000),
    Setting("RETRY_TIMES", INT, None, "retries of a failed request", min=0, max=100),
    Setting("REDIRECT_MAX_TIMES", INT, None, "redirects followed per request", min=0, max=100),
    Setting("MEMUSAGE_LIMIT_MB", INT, None, "memory at which the crawl is stopped (0: no limit)", min=0, unit="MB"),
)


def defaults(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every ``NEWSCRAWL_*`` default for ``newscrawl.settings``: the table's, or the environment's for the
    settings that read one (checked, like ``-s`` values, by :func:`validate`)."""
    return {s.name: environ.get(s.name, s.default) if s.env else copy.copy(s.default) for s in SETTINGS}


def parse(setting: Setting, raw: Any) -> Any:
    """The typed value of ``raw`` for ``setting``; UsageError naming the setting, the value and what is allowed."""
    if raw is None:
        return setting.default
    try:
        value = _parse(setting, raw)
    except (TypeError, ValueError, OverflowError):
        raise UsageError(f"{setting.name} must be {setting.expects()}, not {raw!r}") from None
    return value


def _parse(setting: Setting, raw: Any) -> Any:
    kind = setting.type
    if kind in (INT, FLOAT):
        if isinstance(raw, bool):
            raise ValueError
        if kind == INT:
            if isinstance(raw, float):
                if not raw.is_integer():
                    raise ValueError
                raw = int(raw)
            number: float = int(raw) if isinstance(raw, int) else int(str(raw).strip())
        else:
            number = float(raw) if isinstance(raw, (int, float)) else float(str(raw).strip())
            if not math.isfinite(number):
                raise ValueError
        if (setting.min is not None and number < setting.min) or (setting.max is not None and number > setting.max):
            raise ValueError
        return number
    if kind == BOOL:
        # The values Scrapy's Settings.getbool accepts, so the accessor and Scrapy agree.
        if raw in (True, False, 0, 1, "0", "1", "True", "False", "true", "false"):
            return raw in (True, 1, "1", "True", "true")
        raise ValueError
    if not isinstance(raw, (str, dict)):
        raise TypeError
    if kind == JSON:
        return _json_object(raw)
    if not isinstance(raw, str):
        raise TypeError
    if "\x00" in raw:
        raise ValueError
    if kind == URL:
        return _url(setting, raw)
    return raw


def _json_object(raw: str | dict[str, Any]) -> dict[str, float]:
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, dict):
        raise ValueError
    for name, number in value.items():
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ValueError(name)
    return value


def _url(setting: Setting, raw: str) -> str:
    value = raw.strip()
    if not value:
        return ""
    parts = urlsplit(value)  # ValueError for a malformed IPv6 host
    if parts.scheme.lower() not in setting.schemes:
        raise ValueError
    if parts.scheme.lower() != "unix" and not parts.hostname:
        raise ValueError
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number from 0 to 65535
    return value


def validate(settings: Any) -> None:
    """Check every ``NEWSCRAWL_*`` setting and :data:`SCRAPY_CHECKS` in ``settings`` (Scrapy settings or a
    mapping); UsageError for the first bad one, and for a ``NEWSCRAWL_*`` name the table does not know."""
    for name in _names(settings):
        if name.startswith("NEWSCRAWL_") and name not in BY_NAME:
            raise UsageError(f"unknown setting {name} (the settings are listed in docs/settings.md)")
    for setting in (*SETTINGS, *SCRAPY_CHECKS):
        parse(setting, settings.get(setting.name))


def _names(settings: Any) -> list[str]:
    return sorted(str(name) for name in (settings.attributes if hasattr(settings, "attributes") else settings))


def get(settings: Any, name: str) -> Any:
    """The typed value of a ``NEWSCRAWL_*`` setting, its table default when absent."""
    return parse(BY_NAME[name], settings.get(name))


def get_int(settings: Any, name: str) -> int:
    value = get(settings, name)
    assert BY_NAME[name].type == INT, name
    return int(value)


def get_float(settings: Any, name: str) -> float:
    value = get(settings, name)
    assert BY_NAME[name].type == FLOAT, name
    return float(value)


def get_bool(settings: Any, name: str) -> bool:
    value = get(settings, name)
    assert BY_NAME[name].type == BOOL, name
    return bool(value)


def get_str(settings: Any, name: str) -> str:
    """A STR, PATH or URL setting; empty when unset."""
    value = get(settings, name)
    assert BY_NAME[name].type in (STR, PATH, URL), name
    return str(value or "")


def markdown_table() -> str:
    """``docs/settings.md``: the table as Markdown (a test keeps the committed file equal to it)."""
    lines = [
        "# Settings",
        "",
        "Generated from `newscrawl/config.py` by `python -m newscrawl.config > docs/settings.md`; do not edit.",
        "",
        "Every setting can be given with `scrapy crawl ... -s NAME=VALUE`; those marked *env* also read the",
        "environment variable of the same name. `scrapy crawl` checks them all before any request: a bad value",
        "stops it with exit code 2 and one line naming the setting, the value and what is allowed.",
        "",
        "| Name | Type | Allowed | Default | Meaning |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        kind = s.type + (", env" if s.env else "")
        lines.append(f"| `{s.name}` | {kind} | {_cell(s.expects())} | {_default(s)} | {_cell(s.meaning)} |")
    lines += [
        "",
        "Scrapy settings checked the same way (defaults: `newscrawl/settings.py`, else Scrapy's):",
        "",
        "| Name | Type | Allowed | Meaning |",
        "|---|---|---|---|",
    ]
    for s in SCRAPY_CHECKS:
        lines.append(f"| `{s.name}` | {s.type} | {_cell(s.expects())} | {_cell(s.meaning)} |")
    return "\n".join(lines) + "\n"


def _default(setting: Setting) -> str:
    value = setting.default
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"`{_num(value)}`"
    if value in ("", {}):
        return "(empty)" if value == "" else "`{}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


if __name__ == "__main__":
    print(markdown_table(), end="")
