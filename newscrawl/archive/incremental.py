"""What an incremental run does with an article it finds: fetch it (new), re-check it, or skip it.

An archived article is fetched again only inside the re-check window after its publication
(``NEWSCRAWL_RECHECK_HOURS``, default 48), when newsrooms still edit it, or when the run was started with
``-a refresh=1``. Publication is the index's ``published``; when a page had none, the end of the day in
the article's URL (the latest moment it can have been published, so the window is never cut short).

Inside the window re-checks are spaced out as the article ages: one is due when the time since the last
check (the index's ``checked_at``) is at least ``age_fraction`` of the article's age and at least
``min_gap`` (defaults: half its age, 30 minutes). An article is then fetched about ten times in its first
48 hours instead of on every 15-minute cron run.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum

from newscrawl.archive.index import Entry
from newscrawl.core.dates import KYIV, parse_iso


class Decision(Enum):
    NEW = "new"
    RECHECK = "recheck"
    SKIP = "skip"


def published_at(entry: Entry, day: date | None) -> datetime | None:
    published = parse_iso(entry.published)
    if published is None and day is not None:
        published = datetime.combine(day + timedelta(days=1), time(0), KYIV)
    return published


def decide(
    entry: Entry | None,
    day: date | None,
    now: datetime,
    window: timedelta,
    refresh: bool,
    *,
    min_gap: timedelta = timedelta(0),
    age_fraction: float = 0.0,
) -> Decision:
    """``now`` is timezone-aware; ``day`` is the publication day the article's URL gives, if any."""
    if entry is None:
        return Decision.NEW
    if refresh:
        return Decision.RECHECK
    published = published_at(entry, day)
    if published is None or now - published >= window:
        return Decision.SKIP
    checked = parse_iso(entry.checked_at)
    if checked is not None and now - checked < max(min_gap, (now - published) * age_fraction):
        return Decision.SKIP  # checked recently for its age
    return Decision.RECHECK
