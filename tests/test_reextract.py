"""``newscrawl archive reextract``: today's extraction on the captured responses, no network."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newscrawl.archive.reextract import Selection, reextract
from newscrawl.archive.store import SiteLock
from newscrawl.core.boilerplate import boilerplate
from newscrawl.core.record import content_hash
from newscrawl.core.sites import SITES
from newscrawl.samples import eurointegration_pages as pages
from newscrawl.samples.eurointegration import build_mirror, file_for
from tests.archive_records import record as plain_record
from tests.archive_records import write_run
from tests.capture_archive import (
    REMINDER_KEYS,
    SITE,
    Page,
    archived,
    crawl_run,
    retitled,
    sample_pages,
    snapshot,
    three_runs,
)
from tests.conftest import ROOT, Mirror, read_archive, run_crawl

SUMMARY = re.compile(r"reextract: read (\d+) pages in [0-9.]+ s \([0-9,]+ pages/s\): (.*)")


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", "reextract", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def by_version(records: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["key"], r["version"]): r for r in records}


@pytest.fixture
def parser_v1_1(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Installs a test parser version of the site that also strips the ``Нагадаємо:`` line as boilerplate."""

    def install() -> None:
        site = SITES[SITE]
        parser = type("TestParserV1_1", (site.parser,), {"version": "1.1"})
        reminder = boilerplate("reminder", r"^Нагадаємо:")
        changed = dataclasses.replace(site, parser=parser, boilerplate=(*site.boilerplate, reminder))
        monkeypatch.setitem(SITES, SITE, changed)

    return install


def test_into_rebuilds_the_original_records_exactly(tmp_path: Path) -> None:
    """A fresh archive built from the captures alone holds the original records field for field."""
    root, new = tmp_path / "out", tmp_path / "rebuilt"
    originals = three_runs(root)
    assert len(originals) == 38  # 35 first versions, 2 revisions, then one more
    summary = reextract(root, into=new, jobs=2)
    assert (summary.read, summary.changed, summary.unchanged, summary.damaged) == (38, 38, 0, 0)
    rebuilt = archived(new)
    assert sorted(rebuilt, key=lambda r: (r["key"], r["version"])) == sorted(
        originals, key=lambda r: (r["key"], r["version"])
    )
    assert [list(r) for r in rebuilt] == [list(originals[0])] * 38  # the fields in the same order too
    assert by_version(rebuilt)[("eurointegration:uk:7059807", 3)]["crawled_at"] == "2026-12-01T06:00:00+00:00"
    warcs = sorted(p.relative_to(new).as_posix() for p in new.rglob("*.warc.gz"))
    assert warcs == [f"{SITE}/2026/{SITE}-2026{d}T060000Z-1.warc.gz" for d in ("1129", "1130", "1201")]


STORY = (
    "<html lang=en><head><title>A story</title>"
    '<meta property="article:published_time" content="2026-11-28T10:00:00"></head><body><article>'
    + "<p>A paragraph of the story that is long enough to count as an article's text, told twice.</p>" * 5
    + "</article></body></html>"
).encode()


def test_into_reads_the_crawl_timezone_from_the_warcinfo_record(tmp_path: Path) -> None:
    """The crawl's ``tz`` argument, kept in the WARC file, gives an unknown site's naive times the same offset."""
    root, new = tmp_path / "out", tmp_path / "rebuilt"
    page = Page("https://news.example.org/2026/11/28/a-story/", STORY)
    [record] = crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", [page], tz="America/New_York",
                         site="news_example_org")
    assert record["published"] == "2026-11-28T10:00:00-05:00"
    reextract(root, into=new, jobs=1)
    assert archived(new) == [record]


def test_parser_change_appends_a_version_for_exactly_the_affected_articles(tmp_path: Path, parser_v1_1: Callable[[], None]) -> None:
    """A parser version that strips one more line appends version N+1 of exactly the articles holding it;
    a second run writes nothing."""
    root = tmp_path / "out"
    originals = by_version(three_runs(root))
    before = len(archived(root))
    parser_v1_1()
    out: list[str] = []
    summary = reextract(root, jobs=2, out=out.append)
    assert (summary.read, summary.changed, summary.unchanged, summary.damaged) == (35, 2, 33, 0)
    assert out == ["eurointegration:uk:7161964: text", "eurointegration:uk:7059807: text"]  # in archive order
    appended = archived(root)[before:]
    assert {(r["key"], r["version"]) for r in appended} == {
        ("eurointegration:uk:7161964", 2),
        ("eurointegration:uk:7059807", 4),
    }
    for new in appended:
        last = originals[(new["key"], new["version"] - 1)]
        assert new["previous_hash"] == last["content_hash"]
        assert new["text"] == "\n".join(line for line in last["text"].splitlines() if not line.startswith("Нагадаємо:"))
        assert new["content_hash"] == content_hash(new["title"], new["text"])
        assert new["parser"] == "upgroup/1.1"
        # the page as it was then: the capture and its crawl time are the last version's
        assert (new["capture"], new["crawled_at"]) == (last["capture"], last["crawled_at"])
        assert {k: v for k, v in new.items() if k not in {"text", "content_hash", "version", "previous_hash",
                                                           "parser"}} == {
            k: v for k, v in last.items() if k not in {"text", "content_hash", "version", "previous_hash", "parser"}
        }
    assert {r["key"] for r in appended} == REMINDER_KEYS
    files = snapshot(root)
    again = reextract(root, jobs=2, out=out.append)
    assert (again.read, again.changed, again.unchanged) == (35, 0, 35)
    assert snapshot(root) == files


def test_dry_run_prints_what_would_change_and_writes_nothing(tmp_path: Path, parser_v1_1: Callable[[], None]) -> None:
    """``--dry-run`` names each article that would change, with its fields, and leaves every file as it was."""
    root = tmp_path / "out"
    crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages())
    files = snapshot(root)
    parser_v1_1()
    out: list[str] = []
    summary = reextract(root, dry_run=True, jobs=1, out=out.append)
    assert out == ["eurointegration:uk:7059807: text", "eurointegration:uk:7161964: text"]
    assert (summary.changed, summary.unchanged) == (2, 33)
    assert snapshot(root) == files


def test_a_date_only_correction_is_a_new_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fix that changes only the publication time (the site's timezone here) appends a version too."""
    root = tmp_path / "out"
    originals = by_version(crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()))
    monkeypatch.setitem(SITES, SITE, dataclasses.replace(SITES[SITE], timezone="Europe/Warsaw"))
    out: list[str] = []
    summary = reextract(root, jobs=2, out=out.append)
    assert (summary.changed, summary.unchanged) == (35, 0)
    assert "eurointegration:uk:7059760: published" in out
    new = by_version(archived(root))[("eurointegration:uk:7059760", 2)]
    old = originals[("eurointegration:uk:7059760", 1)]
    assert (new["published"], old["published"]) == ("2017-01-04T16:30:00+01:00", "2017-01-04T16:30:00+02:00")
    assert new["content_hash"] == new["previous_hash"] == old["content_hash"]


def test_crawl_days_select_what_is_re_extracted(tmp_path: Path, parser_v1_1: Callable[[], None]) -> None:
    """``--since``/``--until`` take the articles whose latest version was crawled on those days (UTC)."""
    root = tmp_path / "out"
    three_runs(root)
    parser_v1_1()
    out: list[str] = []
    summary = reextract(root, Selection(since=date(2026, 12, 1), until=date(2026, 12, 1)), jobs=1, out=out.append)
    assert (summary.read, out) == (1, ["eurointegration:uk:7059807: text"])
    summary = reextract(root, Selection(site=SITE, until=date(2026, 11, 30)), jobs=1, out=out.append)
    assert (summary.read, out[1:]) == (34, ["eurointegration:uk:7161964: text"])


def test_a_page_today_s_extraction_drops_is_one_line_and_keeps_its_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An archived article that today's extraction would not archive keeps its record; one line says why."""
    root = tmp_path / "out"
    crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()[:2])
    files = snapshot(root)
    site = SITES[SITE]
    monkeypatch.setitem(SITES, SITE, dataclasses.replace(site, boilerplate=(boilerplate("everything", "."),)))
    err: list[str] = []
    summary = reextract(root, jobs=1, err=err.append)
    assert err == [
        "newscrawl: eurointegration:uk:7059807: not re-extracted: today's extraction drops it (missing_body)",
        "newscrawl: eurointegration:uk:7059760: not re-extracted: today's extraction drops it (missing_body)",
    ]
    assert (summary.ok, summary.changed, dict(summary.skipped)) == (True, 0, {"dropped by today's extraction": 2})
    assert snapshot(root) == files


def test_missing_and_damaged_captures_are_one_line_each_and_the_run_goes_on(tmp_path: Path) -> None:
    """A missing or cut capture file skips its articles with one line each, never a traceback; exit 1."""
    root = tmp_path / "out"
    first = crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages())
    second = crawl_run(root, "20261130T060000Z-1", "2026-11-30T06:00:00+00:00", [retitled(0, "!"), retitled(6, "!")])
    (root / second[0]["capture"]["file"]).unlink()
    last = first[-1]["capture"]
    with (root / last["file"]).open("r+b") as fh:
        fh.truncate(last["offset"] + last["length"] // 2)
    files = snapshot(root)
    result = cli(str(root))
    assert result.returncode == 1, result.stderr
    lines = result.stderr.splitlines()
    assert lines[:-1] == [
        f"newscrawl: {first[-1]['key']}: capture skipped: {last['file']} at offset {last['offset']}: "
        "the file ends before the record does",
        *(
            f"newscrawl: {r['key']}: capture skipped: {r['capture']['file']} at offset {r['capture']['offset']}: "
            "file missing"
            for r in second
        ),
    ]
    m = SUMMARY.fullmatch(lines[-1])
    assert m is not None, lines[-1]
    assert m.groups() == ("35", "0 changed, 32 unchanged, 3 skipped (3 damaged capture)")
    assert result.stdout == ""
    assert snapshot(root) == files


def test_records_archived_before_captures_are_counted_not_errors(tmp_path: Path) -> None:
    """Records without a capture pointer (archived before captures were kept) are skipped, exit 0."""
    root = tmp_path / "out"
    write_run(root, [plain_record(n) for n in range(3)])
    result = cli(str(root))
    assert result.returncode == 0, result.stderr
    m = SUMMARY.fullmatch(result.stderr.rstrip("\n"))
    assert m is not None, result.stderr
    assert m.groups() == ("0", "0 changed, 0 unchanged, 3 skipped (3 no capture)")


def test_bad_arguments_are_one_line_and_touch_nothing(tmp_path: Path) -> None:
    """A bad folder, day, site or --into, or an archive a distributed crawl numbers in Redis, is one
    ``newscrawl: error:`` line, exit 2, nothing written."""
    root = tmp_path / "out"
    crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()[:1])
    busy = tmp_path / "busy"
    (busy / "x").mkdir(parents=True)
    distributed = tmp_path / "distributed"
    crawl_run(distributed, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()[:1])
    (distributed / ".newscrawl" / "redis-epoch").write_text("3f2a\n")
    files = snapshot(root)
    cases = {
        (str(tmp_path / "nowhere"),): f"no archive folder at {tmp_path / 'nowhere'}",
        (str(root), "--since", "2026-13-01"): "'2026-13-01' is not a date in the form YYYY-MM-DD",
        (str(root), "--site", "pravda"): f"no site 'pravda' in {root} (its sites: eurointegration)",
        (str(root), "--into", str(busy)): f"--into {busy} is not an empty folder",
        (str(root), "--into", str(root / "copy")): f"--into {root / 'copy'} is inside the archive folder {root}; "
        "build it elsewhere",
        (str(root), "--into", str(tmp_path / "new"), "--dry-run"): "--dry-run compares with an archive's records; "
        "--into builds a new archive",
        (str(distributed),): f"{distributed} is crawled in distributed mode (Redis seen-index); re-extract it "
        "--into a new folder or see --dry-run",
    }
    for args, message in cases.items():
        result = cli(*args)
        assert (result.returncode, result.stderr, result.stdout) == (2, f"newscrawl: error: {message}\n", ""), args
    assert snapshot(root) == files
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("extra", [[], ["--dry-run"], ["--into", "NEW"]])
def test_a_running_crawl_of_the_site_makes_reextract_refuse(tmp_path: Path, extra: list[str]) -> None:
    """While a crawl holds the site's lock, reextract refuses with one line and exit 3."""
    root = tmp_path / "out"
    crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()[:1])
    files = snapshot(root)
    with SiteLock(root, SITE) as lock:
        holder = lock.path.read_text().strip()
        result = cli(str(root), *[str(tmp_path / a) if a == "NEW" else a for a in extra])
    assert result.returncode == 3
    assert result.stderr == f"newscrawl: error: another crawl holds {lock.path} ({holder}); not re-extracting\n"
    assert snapshot(root) == files
    assert not (tmp_path / "NEW").exists()


@pytest.mark.e2e
def test_reextract_into_reproduces_a_crawled_archive_exactly(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """On an archive a crawl just wrote (a revision and re-checks included), ``--into`` rebuilds every record
    field for field, and re-extraction in place finds nothing to change."""
    mirror_root = tmp_path / "mirror"
    build_mirror(mirror_root)
    mirror = serve_mirror(mirror_root)
    out, new = tmp_path / "out", tmp_path / "new"
    first = run_crawl("eurointegration", "since=2016-12-01", "until=2025-12-31", mirror=mirror.url, output=out)
    assert isinstance(first, subprocess.CompletedProcess) and first.returncode == 0, first.stderr[-3000:]
    article = next(a for a in pages.ARTICLES if a.lang == "uk" and a.path.startswith("/news/2023/"))
    file_for(mirror_root, article.path).write_bytes(
        pages.render_article(dataclasses.replace(article, title=article.title + " (оновлено)"))
    )
    second = run_crawl("eurointegration", "since=2023-05-10", "until=2023-05-11", "refresh=1",
                       mirror=mirror.url, output=out)
    assert isinstance(second, subprocess.CompletedProcess) and second.returncode == 0, second.stderr[-3000:]
    originals = read_archive(out)
    assert all("capture" in r for r in originals)
    assert [r["version"] for r in originals].count(2) == 1

    result = cli(str(out), "--into", str(new))
    assert result.returncode == 0, result.stderr
    m = SUMMARY.fullmatch(result.stderr.rstrip("\n"))
    assert m is not None, result.stderr
    rebuilt = read_archive(new)
    assert sorted(rebuilt, key=lambda r: (r["key"], r["version"])) == sorted(
        originals, key=lambda r: (r["key"], r["version"])
    )
    assert subprocess.run([sys.executable, "-m", "newscrawl.cli", "archive", "verify", str(new)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120).returncode == 0

    files = snapshot(out)
    in_place = cli(str(out))
    assert in_place.returncode == 0, in_place.stderr
    m = SUMMARY.fullmatch(in_place.stderr.rstrip("\n"))
    assert m is not None and m.group(2) == f"0 changed, {len(originals) - 1} unchanged, 0 skipped", in_place.stderr
    assert snapshot(out) == files


def test_into_uses_a_damaged_warc_file_up_to_the_damage(tmp_path: Path) -> None:
    """A WARC file cut part-way gives the records before the cut and one line naming the file; exit 1."""
    root, new = tmp_path / "out", tmp_path / "rebuilt"
    records = crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()[:4])
    cut = records[2]["capture"]
    with (root / cut["file"]).open("r+b") as fh:
        fh.truncate(cut["offset"] + 100)
    err: list[str] = []
    summary = reextract(root, into=new, jobs=1, err=err.append)
    assert err == [
        f"newscrawl: {cut['file']} at offset {cut['offset']}: damaged or torn after the last whole record; "
        "the rest is skipped"
    ]
    assert (summary.ok, summary.read, summary.changed, dict(summary.skipped)) == (False, 2, 2, {"damaged WARC file": 1})
    assert archived(new) == records[:2]


# Runs reextract with the site's timezone changed (every article's dates change) and each page's extraction
# slowed down, so that a kill lands while new versions are being written.
SLOW_TZ_RUN = """
import dataclasses, sys, time
from newscrawl.archive import reextract
from newscrawl.cli import main
from newscrawl.core.sites import SITES
SITES["eurointegration"] = dataclasses.replace(SITES["eurointegration"], timezone="Europe/Warsaw")
extract_capture = reextract.extract_capture
def slow(root, capture):
    time.sleep(float(sys.argv[2]))
    return extract_capture(root, capture)
reextract.extract_capture = slow
sys.exit(main(["archive", "reextract", sys.argv[1]]))
"""


def test_a_killed_reextract_is_finished_by_the_next_run(tmp_path: Path) -> None:
    """After ``kill -9`` mid-run, the next run completes the job: every article once at version 2, verify clean."""
    import psutil

    root = tmp_path / "out"
    crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages())
    run = subprocess.Popen([sys.executable, "-c", SLOW_TZ_RUN, str(root), "0.2"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120  # a fail-safe only: the loop waits for written lines
        while time.monotonic() < deadline and run.poll() is None:
            parts = list(root.rglob("*.jsonl.part"))
            if parts and parts[0].read_bytes().count(b"\n") >= 3:
                break
            time.sleep(0.05)
        assert run.poll() is None, run.communicate()
        workers = psutil.Process(run.pid).children()
        assert len(workers) == os.cpu_count()
        run.kill()
        run.wait(30)
        alive = psutil.wait_procs(workers, timeout=30)[1]  # the workers die with the run ...
    finally:
        for worker in workers:  # ... else they would wait for work forever, holding the pipes open
            if worker.is_running():
                worker.kill()
        run.communicate(timeout=30)
    assert alive == []
    partial = [r for r in read_part(root) if r["version"] == 2]
    assert 3 <= len(partial) < 35

    finish = subprocess.run([sys.executable, "-c", SLOW_TZ_RUN, str(root), "0"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert finish.returncode == 0, finish.stderr
    m = SUMMARY.fullmatch(finish.stderr.rstrip("\n"))
    assert m is not None, finish.stderr
    assert m.groups() == ("35", f"{35 - len(partial)} changed, {len(partial)} unchanged, 0 skipped")
    records = read_archive(root)
    assert Counter((r["key"], r["version"]) for r in records) == Counter(
        {(r["key"], v): 1 for r in records for v in (1, 2)}
    )
    verify = subprocess.run([sys.executable, "-m", "newscrawl.cli", "archive", "verify", str(root)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def read_part(root: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in root.rglob("*.jsonl.part") for line in p.read_text("utf-8").splitlines()]


def test_a_warc_file_without_its_warcinfo_record_skips_its_articles(tmp_path: Path) -> None:
    """Without the crawl's arguments a page could come out different for no fault of the parser: skipped."""
    root = tmp_path / "out"
    records = crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", sample_pages()[:2])
    warc = root / records[0]["capture"]["file"]
    data = bytearray(warc.read_bytes())
    data[20:30] = b"\xff" * 10  # inside the warcinfo record's gzip member; the responses after it are whole
    warc.write_bytes(bytes(data))
    files = snapshot(root)
    err: list[str] = []
    summary = reextract(root, jobs=1, err=err.append)
    assert err == [f"newscrawl: {r['key']}: capture skipped: {warc.name} at offset 0: no warcinfo record" for r in records]
    assert (summary.ok, summary.read, dict(summary.skipped)) == (False, 2, {"damaged capture": 2})
    assert snapshot(root) == files


def test_crawl_days_are_utc_days_of_the_capture_time() -> None:
    """A window keeps a capture by its UTC day; a damaged date is kept, for the extraction to report it."""
    window = Selection(since=date(2026, 11, 30), until=date(2026, 11, 30))
    assert [window.keep_day(d) for d in ("2026-11-30T00:00:00Z", "2026-11-30T23:59:59+00:00",
                                         "2026-11-29T23:59:59Z", "2026-12-01T00:00:00+00:00", "", "30.11.2026")] == [
        True, True, False, False, False, True
    ]
