"""The names of the crawl stats that one module writes and another reads: the run report, the exit code,
the progress line and the run's counts read what the spiders, pipelines and extensions write.

Each name is relative to ``newscrawl/`` (the counting helpers take it so); ``stat(name)`` is the full key
in Scrapy's stats. A name only its own module reads stays beside its code. The names are public: the run
report, ``docs/`` and users' scripts read them, so they never change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFIX = "newscrawl/"

# Articles, as the spiders and pipelines count them (newscrawl.spiders.articles, newscrawl.pipelines).
ARTICLES_PARSED = "articles/parsed"
ARTICLES_FAILED = "articles/failed"
ARTICLES_RECHECKED = "articles/rechecked"
SKIPPED_ARCHIVED = "articles/skipped_archived"
ARCHIVE_NEW = "archive/new"
ARCHIVE_UPDATED = "archive/updated"
DROPPED = "dropped/"  # + the drop reason (newscrawl.drops)
UNCHANGED = DROPPED + "unchanged_article"
LOST = "lost/"  # + pipeline_error or parse_error (newscrawl.lost)

# Sources and requests.
SITEMAP_ENTRIES_UNCHANGED = "sitemap/entries_unchanged"
SITEMAP_UNCHANGED = "sitemap/unchanged"
DISCOVERY_FAILED = "discovery/failed/"  # + the source
FAILED = "failed/"  # + the failure reason (newscrawl.failures)
NOT_ARTICLE = "not_article/"  # + seen, retried or gave_up, / the page kind (newscrawl.not_article)
NOT_ARTICLE_GAVE_UP = NOT_ARTICLE + "gave_up/"
UNREACHABLE_REASON = "unreachable/reason"
UNREACHABLE_MIRROR = "unreachable/mirror"
IMPERSONATED = "impersonate/responses"
BLOCKED_BY = "blocked/by/"  # + <kind>@<host> (newscrawl.blocking)

# The archive, the drift guard, distributed mode and the run's end.
ARCHIVE_OPEN_MS = "archive/open_ms"
FILES_WRITTEN = "archive/files_written"
CAPTURES_WRITTEN = "archive/captures_written"  # the run's WARC files (newscrawl.archive.warc)
QUALITY = "quality/"  # + <site>/<figure> (newscrawl.pipelines.measure_quality)
DRIFTED = QUALITY + "drifted"
SEEDED = "distributed/seeded"
RUN_REPORT = "run_report"
EXIT_CODE = "exit_code"


def stat(name: str) -> str:
    """The full stats key of a name above (or of any name relative to ``newscrawl/``)."""
    return PREFIX + name


def count_in(stats: Mapping[str, Any], name: str) -> int:
    """The count under a name above in a crawl's stats, 0 when it was never counted."""
    return int(stats.get(stat(name)) or 0)
