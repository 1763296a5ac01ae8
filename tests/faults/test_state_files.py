"""Case 5: a damaged file under ``.newscrawl/`` costs a warning and some fetches, never a run.

The sitemap watermarks (``<site>.sitemaps.json``) that cannot be read are warned about once and read as
none, so every sitemap is read whole; the next clean run writes the file anew. The lock files and run
reports are never read for their content, and the index is rebuilt from the files (``test_index``).
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.sitemaps import Watermarks
from tests.conftest import read_archive, run_crawl
from tests.faults.conftest import SITE, WINDOW

BAD_FILES = {
    "not JSON": (b'{"https://x/sitemap.xml": {"lastmod": "2025-', "Unterminated string starting at: line 1 column 39 (char 38)"),
    "a JSON list": (b"[]\n", "a JSON list, not an object"),
    "a mark without lastmod": (b'{"https://x/sitemap.xml": {"lastmod": 5}}', "no lastmod for https://x/sitemap.xml"),
    "a mark of a bad scope": (
        b'{"https://x/sitemap.xml": {"lastmod": "2025-01-01T00:00:00+00:00", "since": "June"}}',
        "Invalid isoformat string: 'June'",
    ),
    "binary garbage": (b"\xff\xfe\x00garbage", "Expecting value: line 1 column 1 (char 0)"),
}


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_an_unreadable_watermark_file_is_warned_about_once_read_as_none_and_rewritten(
    tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An unreadable watermark file gives one warning, trusts no mark, and the next save writes it whole."""
    data, reason = BAD_FILES[kind]
    path = tmp_path / ".newscrawl" / "a_example.sitemaps.json"
    path.parent.mkdir()
    path.write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="newscrawl.sitemaps"):
        marks = Watermarks.for_site(tmp_path, "a_example")
    [warning] = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"cannot read the sitemap watermarks {path} (")
    assert reason in warning
    assert warning.endswith("): every sitemap is read whole; a clean run rewrites it")
    assert marks.marks == {}
    assert marks.previous("https://x/sitemap.xml") is None

    assert marks.save() == 0  # nothing seen, yet the unreadable file is replaced
    assert json.loads(path.read_text("utf-8")) == {}
    marks.see("https://x/sitemap.xml", datetime(2025, 3, 1, tzinfo=UTC))
    assert marks.save() == 1
    again = Watermarks.for_site(tmp_path, "a_example")
    assert again.unreadable is None
    assert again.previous("https://x/sitemap.xml") == datetime(2025, 3, 1, tzinfo=UTC)


@pytest.mark.e2e
def test_a_crawl_with_every_state_file_damaged_finishes_and_repairs_them(
    crawled: tuple[Path, str, list[dict[str, str]]], tmp_path: Path
) -> None:
    """A crawl whose every file under .newscrawl/ is garbage exits 0, archives nothing twice, warns once
    about the watermarks and leaves every state file readable."""
    template, mirror, expected = crawled
    out = tmp_path / "out"
    shutil.copytree(template, out)
    state = out / ".newscrawl"
    marks = state / f"{SITE}.sitemaps.json"
    assert json.loads(marks.read_text("utf-8"))  # the first crawl set marks
    marks.write_bytes(b"[1, 2")
    for name in (f"{SITE}.lock", "index.lock", "index.sqlite"):
        (state / name).write_bytes(b"\x00\xff garbage \n" * 50)
    [report] = (state / "runs").glob("*.json")
    report.write_bytes(b"{ not a report")

    rerun = run_crawl(SITE, *WINDOW, mirror=mirror, output=out, timeout=240)
    assert isinstance(rerun, subprocess.CompletedProcess)
    assert rerun.returncode == exitcodes.OK, rerun.stderr[-3000:]
    assert Counter(r["url"] for r in read_archive(out)) == Counter({e["url"]: 1 for e in expected})
    warnings = [line for line in rerun.stderr.splitlines() if "cannot read the sitemap watermarks" in line]
    assert len(warnings) == 1 and f"{marks} (" in warnings[0], warnings
    assert "'newscrawl/sitemap/watermarks_unreadable': 1" in rerun.stderr
    assert "Traceback" not in rerun.stderr
    reread = Watermarks.for_site(out, SITE)
    assert reread.unreadable is None and reread.marks  # rewritten whole by the clean run
    assert len(list((state / "runs").glob("*.json"))) == 2  # the damaged report stays, the new one is whole
