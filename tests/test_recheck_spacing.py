"""Re-checks inside the 48-hour window are spaced out as an article ages, and an unchanged re-check is remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newscrawl.archive.incremental import Decision, decide
from newscrawl.archive.index import Entry
from newscrawl.archive.store import Archive

PUBLISHED = "2023-05-10T10:00:00+03:00"  # 07:00 UTC
WINDOW = timedelta(hours=48)
GAP = timedelta(minutes=30)


def entry(checked_at: str) -> Entry:
    return Entry("eurointegration:uk:1", "eurointegration", "uk", "u", "sha256:x", 1, PUBLISHED, None, "f", checked_at)


@pytest.mark.parametrize(
    ("checked_at", "now", "expected"),
    [
        ("2023-05-10T07:05:00+00:00", "2023-05-10T07:20:00+00:00", Decision.SKIP),  # 15 min since, age 20 min
        ("2023-05-10T07:05:00+00:00", "2023-05-10T07:35:00+00:00", Decision.RECHECK),  # 30 min since
        ("2023-05-11T03:00:00+00:00", "2023-05-11T13:00:00+00:00", Decision.SKIP),  # 10 h since, age 30 h
        ("2023-05-11T03:00:00+00:00", "2023-05-11T23:00:00+00:00", Decision.RECHECK),  # 20 h since, age 40 h
        ("", "2023-05-10T07:10:00+00:00", Decision.RECHECK),  # never checked: due
        ("2023-05-12T06:00:00+00:00", "2023-05-12T07:00:00+00:00", Decision.SKIP),  # 48 h: window over
    ],
)
def test_recheck_spacing(checked_at: str, now: str, expected: Decision) -> None:
    moment = datetime.fromisoformat(now).astimezone(UTC)
    assert decide(entry(checked_at), None, moment, WINDOW, False, min_gap=GAP, age_fraction=0.5) is expected


def test_refresh_ignores_spacing() -> None:
    moment = datetime(2023, 5, 10, 7, 6, tzinfo=UTC)
    assert decide(entry("2023-05-10T07:05:00+00:00"), None, moment, WINDOW, True, min_gap=GAP, age_fraction=0.5) is (
        Decision.RECHECK
    )


def test_unchanged_recheck_is_remembered(tmp_path: Path) -> None:
    archive = Archive(tmp_path, "eurointegration")
    archive.reconcile()
    archive.begin_run()
    record = {
        "key": "eurointegration:uk:1", "site": "eurointegration", "lang": "uk", "url": "https://www.eurointegration.com.ua/news/2023/05/10/1/",
        "content_hash": "sha256:" + "0" * 64, "version": 1, "published": PUBLISHED, "modified": None,
        "crawled_at": "2023-05-10T07:05:00+00:00", "title": "t", "text": "x",
    }
    archive.write(record)
    archive.close(complete=True)

    again = Archive(tmp_path, "eurointegration")
    again.begin_run()
    again.mark_checked("eurointegration:uk:1", "2023-05-10T09:00:00+00:00")
    again.close(complete=True)

    third = Archive(tmp_path, "eurointegration")
    known = third.index.get("eurointegration:uk:1")
    assert known is not None
    assert (known.checked_at, known.version, known.content_hash) == ("2023-05-10T09:00:00+00:00", 1, record["content_hash"])
    assert len(list(tmp_path.rglob("*.jsonl"))) == 1  # a re-check writes no record
    third.close()
