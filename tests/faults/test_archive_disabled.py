"""Case 9: ``NEWSCRAWL_ARCHIVE_ENABLED=0`` writes, locks and reports nothing; ``-O`` works beside the archive.

With the archive off, the crawl's articles go to Scrapy's feed exports only (every article found, as
version 1). With it on, a feed export receives what the archive receives: the new versions of this run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from newscrawl import exitcodes
from newscrawl.archive.store import SiteLock
from newscrawl.archive.tools import reindex
from tests.conftest import ROOT, read_archive
from tests.faults.conftest import SITE, WINDOW

pytestmark = pytest.mark.e2e


def crawl(mirror: str, out: Path, feed: Path, *settings: str) -> subprocess.CompletedProcess[str]:
    """``scrapy crawl`` of the whole mirrored site with a feed export (``-O``) to ``feed``."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", SITE, "-O", str(feed)]
    for arg in WINDOW:
        cmd += ["-a", arg]
    for setting in (f"NEWSCRAWL_OUTPUT={out}", f"NEWSCRAWL_MIRROR={mirror}", "LOG_LEVEL=INFO",
                    "AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", *settings):
        cmd += ["-s", setting]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)


def feed_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


def test_a_crawl_with_the_archive_off_writes_locks_and_reports_nothing(
    crawled: tuple[Path, str, list[dict[str, str]]], tmp_path: Path
) -> None:
    """With the archive off, nothing appears or changes in the output folder, the site's lock is not taken,
    and the feed export gets every article once."""
    template, mirror, expected = crawled
    fresh = tmp_path / "fresh"
    feed = tmp_path / "feed.jsonl"
    result = crawl(mirror, fresh, feed, "NEWSCRAWL_ARCHIVE_ENABLED=0")
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert not fresh.exists()
    records = feed_records(feed)
    assert Counter(r["url"] for r in records) == Counter({e["url"]: 1 for e in expected})
    assert {r["version"] for r in records} == {1}

    out = tmp_path / "out"
    shutil.copytree(template, out)
    before = snapshot(out)
    with SiteLock(out, SITE):  # a crawl with the archive on is running: the one with it off runs anyway
        result = crawl(mirror, out, tmp_path / "again.jsonl", "NEWSCRAWL_ARCHIVE_ENABLED=0")
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    assert len(feed_records(tmp_path / "again.jsonl")) == 35
    after = snapshot(out)
    lock = str(Path(".newscrawl") / f"{SITE}.lock")
    assert {k: v for k, v in after.items() if k != lock} == {k: v for k, v in before.items() if k != lock}
    assert not list(out.rglob("*.part"))
    assert reindex(out).records == 35  # nothing a reindex could adopt


def test_a_feed_export_beside_the_archive_receives_the_new_versions_of_the_run(
    crawled: tuple[Path, str, list[dict[str, str]]], tmp_path: Path
) -> None:
    """Beside the archive, -O receives exactly the records the run archived: all 35 on the first run,
    none on a run that found nothing new."""
    _, mirror, expected = crawled
    out = tmp_path / "out"
    first = crawl(mirror, out, tmp_path / "first.jsonl")
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    archived = read_archive(out)
    assert sorted(feed_records(tmp_path / "first.jsonl"), key=lambda r: r["url"]) == sorted(
        archived, key=lambda r: r["url"]
    )
    assert len(archived) == len(expected)
    second = crawl(mirror, out, tmp_path / "second.jsonl")
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    assert (tmp_path / "second.jsonl").read_bytes() == b""
    assert len(read_archive(out)) == 35
