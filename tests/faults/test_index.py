"""Case 3: the seen-index is a cache of the archive files; losing or damaging it never duplicates the archive.

A crawl that finds files the index does not account for rebuilds it from them before its first request;
``reindex`` reads every line and reports each bad one; ``stats``, ``verify`` and ``export`` write nothing
in the archive folder and work from the files when the index is unusable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.archive.index import SqliteIndex
from newscrawl.archive.store import Archive, index_path, unaccounted
from newscrawl.core.record import dumps
from tests.archive_records import record, write_run
from tests.conftest import ROOT, read_archive, run_crawl
from tests.faults.conftest import WINDOW

SITE = "eurointegration"


def cli(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    """``newscrawl archive ...``; as the unprivileged user ``user`` (via ``setpriv``) when given, since
    root writes through any file mode."""
    cmd = [sys.executable, "-m", "newscrawl.cli", "archive", *args]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)


def drop_index(root: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{index_path(root)}{suffix}").unlink(missing_ok=True)


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file below ``root`` with its bytes and mtime."""
    return {str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


# --- a crawl with a lost or damaged index --------------------------------------------------------------
def _damage(root: Path, how: str) -> None:
    path = index_path(root)
    if how == "deleted":
        drop_index(root)
    elif how == "emptied":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_bytes(b"\x00\xffnot an index\n" * 2000)
    elif how == "truncated":
        data = path.read_bytes()
        assert len(data) > 8192
        path.write_bytes(data[:8192])
    elif how == "older layout":
        db = sqlite3.connect(path)
        db.executescript("DROP TABLE articles; CREATE TABLE articles (key TEXT PRIMARY KEY, url TEXT);")
        db.close()


@pytest.mark.e2e
@pytest.mark.parametrize("how", ["deleted", "emptied", "garbage", "truncated", "older layout"])
def test_a_crawl_rebuilds_a_lost_or_damaged_index_before_its_first_request_and_duplicates_nothing(
    crawled: tuple[Path, str, list[dict[str, str]]], tmp_path: Path, how: str
) -> None:
    """A crawl whose index is deleted, empty, garbage, cut short or of an older layout rebuilds it from the
    files before its first request, archives no article twice, and exits 0; the tools then count 35."""
    template, mirror, expected = crawled
    out = tmp_path / "out"
    shutil.copytree(template, out)
    _damage(out, how)

    rerun = run_crawl(SITE, *WINDOW, mirror=mirror, output=out, timeout=240)
    assert isinstance(rerun, subprocess.CompletedProcess)
    assert rerun.returncode == exitcodes.OK, rerun.stderr[-3000:]
    records = read_archive(out)
    assert Counter(r["url"] for r in records) == Counter({e["url"]: 1 for e in expected})  # one record each
    [warning] = [line for line in rerun.stderr.splitlines() if "did not account for the archive" in line]
    assert warning.endswith(
        f"rebuilt {SITE} from 1 files, 35 records, 0 bad lines skipped, before the first request"
    ), warning
    assert "'newscrawl/archive/index_rebuilt': 1" in rerun.stderr
    assert "'newscrawl/archive/index_rebuilt_records': 35" in rerun.stderr
    assert "'newscrawl/archive/new': " not in rerun.stderr  # nothing written: every article was archived
    # The rebuild happened before the first request: before the engine opened the spider.
    assert rerun.stderr.index("did not account") < rerun.stderr.index("Spider opened")

    stats = cli("stats", str(out), "--json")
    assert stats.returncode == 0, stats.stderr
    assert sum(row["articles"] for row in json.loads(stats.stdout)["articles"]) == 35
    assert stats.stderr == ""  # the rebuilt index accounts for every file
    check = cli("verify", str(out))
    assert check.returncode == 0, check.stdout + check.stderr
    if how in ("garbage", "truncated", "older layout"):
        assert (out / ".newscrawl" / "index.sqlite.corrupt").exists()  # set aside, not deleted

    again = run_crawl(SITE, *WINDOW, mirror=mirror, output=out, timeout=240)  # the index is whole again
    assert isinstance(again, subprocess.CompletedProcess)
    assert again.returncode == exitcodes.OK and "did not account" not in again.stderr
    assert len(read_archive(out)) == 35


def test_the_start_up_check_finds_every_kind_of_file_the_index_does_not_account_for(tmp_path: Path) -> None:
    """Every file the index does not account for (unknown, grown, cut, gone, an unlisted .part) is named."""
    path = write_run(tmp_path, [record(0), record(1)])
    name = path.relative_to(tmp_path).as_posix()
    index = SqliteIndex(index_path(tmp_path))
    try:
        assert unaccounted(index, tmp_path, SITE, crawl=True) is None
        other = path.with_name("eurointegration-20990101T000000Z-1.jsonl")
        other.write_bytes(dumps(record(5)))
        assert unaccounted(index, tmp_path, SITE, crawl=True) == f"{SITE}/{path.parent.name}/{other.name} is not in the index"
        other.rename(other.with_name(other.name + ".part"))
        assert unaccounted(index, tmp_path, SITE, crawl=True) == f"{SITE}/{path.parent.name}/{other.name}.part is not in the index"
        assert unaccounted(index, tmp_path, SITE, crawl=False) is None  # the tools leave .part files to crawls
        other.with_name(other.name + ".part").unlink()
        size = path.stat().st_size
        with path.open("ab") as fh:
            fh.write(dumps(record(2)))
        assert unaccounted(index, tmp_path, SITE, crawl=True) == (
            f"{name} has {path.stat().st_size} bytes, the index read {size}"
        )
        path.unlink()
        assert unaccounted(index, tmp_path, SITE, crawl=True) == f"{name} is in the index but not on disk"
    finally:
        index.close()


def test_an_index_without_the_listing_digest_has_every_file_size_checked(tmp_path: Path) -> None:
    """An index of before the listing digest (an upgrade) has every file's size compared, old files too."""
    old = write_run(tmp_path, [record(0), record(1)])
    name = old.relative_to(tmp_path).as_posix()
    index = SqliteIndex(index_path(tmp_path))
    try:
        with index.transaction():
            for n in range(150):  # newer runs: the old file is not among the newest 100
                newer = old.with_name(f"{SITE}-2099{n:010d}-1.jsonl")
                newer.write_bytes(b"x\n")
                index.set_file(newer.relative_to(tmp_path).as_posix(), "closed", 2, 1)
            index.note_listing(SITE)
        assert unaccounted(index, tmp_path, SITE, crawl=True) is None
        short = len(dumps(record(0)))  # what an earlier reindex that stopped at a bad line had read
        with index.transaction():
            index.set_file(name, "closed", short, 1)
        assert unaccounted(index, tmp_path, SITE, crawl=True) is None  # the fast path sizes the newest only
        with index.transaction():
            index.db.execute("DELETE FROM meta WHERE name = ?", (f"listing:{SITE}",))
        assert unaccounted(index, tmp_path, SITE, crawl=True) == (
            f"{name} has {old.stat().st_size} bytes, the index read {short}"
        )
    finally:
        index.close()


def test_a_part_file_the_index_does_not_list_is_finished_by_the_next_crawl(tmp_path: Path) -> None:
    """A killed run's .part file the index does not list is indexed and published by the next crawl's start."""
    write_run(tmp_path, [record(0), record(1)])
    archive = Archive(tmp_path, SITE, flush_every=2)
    archive.reconcile()
    for n in (2, 3, 4):
        archive.write(record(n))
    assert archive.run is not None
    os.close(archive.run.fd)  # killed: nothing closed
    part = archive.run.path
    with archive.index.transaction():  # an index that never heard of that file (restored from a backup)
        archive.index.db.execute("DELETE FROM files WHERE name = ?", (archive.run.name,))
    archive.index.close()
    check = cli("verify", str(tmp_path))
    assert f"unfinished: {part}: left by a killed run (the next crawl or reindex finishes it)" in check.stdout

    start = Archive(tmp_path, SITE)
    assert start.reconcile() == 5
    assert start.rebuilt is not None and start.rebuilt.reason == f"{archive.run.name}.part is not in the index"
    start.close()
    assert not part.exists()
    keys = Counter(r["key"] for r in read_archive(tmp_path))
    assert keys == Counter({record(n)["key"]: 1 for n in range(5)})
    check = cli("verify", str(tmp_path))
    assert check.returncode == 0, check.stdout + check.stderr


def test_an_unchanged_recheck_time_survives_a_rebuild_of_a_readable_index(tmp_path: Path) -> None:
    """A rebuild keeps the re-check times the old index held (the one thing the files do not hold)."""
    write_run(tmp_path, [record(0)])
    archive = Archive(tmp_path, SITE)
    archive.reconcile()
    archive.mark_checked(record(0)["key"], "2026-11-30T00:00:00+00:00")
    archive.close(complete=True)
    write_run(tmp_path, [record(1)])
    extra = next((tmp_path / SITE).glob("*/*.jsonl")).with_name("eurointegration-20990101T000000Z-1.jsonl")
    extra.write_bytes(dumps(record(2)))  # a file the index never read: the next start rebuilds

    start = Archive(tmp_path, SITE)
    start.reconcile()
    assert start.rebuilt is not None
    entry = start.index.get(record(0)["key"])
    assert entry is not None and entry.checked_at == "2026-11-30T00:00:00+00:00"
    assert start.index.meta(f"complete:{SITE}") == "0"  # unknown after a rebuild: the next run reads all
    start.close()


# --- reindex ---------------------------------------------------------------------------------------------
def test_reindex_reads_every_line_reports_each_bad_one_and_indexes_every_good_record(tmp_path: Path) -> None:
    """reindex reports each bad line as file:line: reason, exits 1, and indexes every good record after it."""
    path = write_run(tmp_path, [record(n) for n in range(3)])
    lines = path.read_bytes().splitlines(keepends=True)
    null_key = json.dumps({**record(8), "key": None}, ensure_ascii=False).encode() + b"\n"
    path.write_bytes(lines[0] + b"{not json\n" + lines[1] + null_key + lines[2] + dumps(record(4)) + b'{"torn')
    before = index_path(tmp_path).stat().st_ino

    result = cli("reindex", str(tmp_path))
    assert result.returncode == exitcodes.FAILED, result.stderr
    lines_err = result.stderr.splitlines()
    assert lines_err[:3] == [
        f"{path}:2: not JSON",
        f"{path}:4: key is null",
        f"{path}:7: torn: the last line has no newline",
    ]
    assert re.fullmatch(r"reindexed 4 records, 4 articles in \d+\.\d s; 3 bad lines skipped", lines_err[3])
    assert len(lines_err) == 4
    index = SqliteIndex(index_path(tmp_path))
    try:
        assert sorted(k for k, _, _ in index.keys())  # noqa: SIM118 - SqliteIndex.keys == sorted(record(n)["key"] for n in (0, 1, 2, 4))
    finally:
        index.close()
    assert index_path(tmp_path).stat().st_ino != before  # a new file, swapped in
    assert sorted(p.name for p in index_path(tmp_path).parent.iterdir() if "index" in p.name) == [
        "index.lock", "index.sqlite"
    ]


def test_reindex_replaces_a_garbage_index_and_an_interrupted_one_leaves_the_old(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """reindex works over a garbage index, and a reindex that fails midway leaves the old index as it was."""
    write_run(tmp_path, [record(0), record(1)])
    write_run(tmp_path, [record(0, site="pravda")], site="pravda")
    index_path(tmp_path).write_bytes(b"garbage" * 100)
    result = cli("reindex", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"reindexed 3 records, 3 articles in \d+\.\d s\n", result.stderr)
    assert cli("verify", str(tmp_path)).returncode == 0

    from newscrawl.archive import tools

    old = index_path(tmp_path).read_bytes()
    real = tools.rebuild_site

    def second_site_fails(index: SqliteIndex, root: Path, site: str, reason: str) -> object:
        if site == "pravda":
            raise OSError(5, "Input/output error")
        return real(index, root, site, reason)

    monkeypatch.setattr(tools, "rebuild_site", second_site_fails)
    with pytest.raises(OSError):
        tools.reindex(tmp_path)
    assert index_path(tmp_path).read_bytes() == old
    monkeypatch.undo()
    assert cli("verify", str(tmp_path)).returncode == 0
    Path(f"{index_path(tmp_path)}.new").write_bytes(b"half")  # what a killed reindex leaves
    assert cli("reindex", str(tmp_path)).returncode == 0
    assert not Path(f"{index_path(tmp_path)}.new").exists()


# --- the read-only tools -------------------------------------------------------------------------------
@pytest.fixture
def readonly_archive() -> Iterator[tuple[Path, Path]]:
    """An archive owned by root that the user ``nobody`` may read but not write, and a folder ``nobody``
    may write to (outside /tmp/pytest-of-root, which only root may enter)."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to run a tool as an unprivileged user")
    base = Path(tempfile.mkdtemp(prefix="newscrawl-ro-"))
    try:
        os.chmod(base, 0o755)
        root = base / "archive"
        write_run(root, [record(0), record(1), record(2, lang="ru")])
        write_run(root, [record(1, version=2, text="Оновлений текст.", previous_hash=record(1)["content_hash"])])
        for folder in [root, *[p for p in root.rglob("*") if p.is_dir()]]:
            os.chmod(folder, 0o755)
        writable = base / "exports"
        writable.mkdir(mode=0o777)
        os.chmod(writable, 0o777)
        yield root, writable
    finally:
        shutil.rmtree(base)


NOBODY = 65534


@pytest.mark.parametrize("index", ["whole", "deleted", "garbage", "truncated", "stale"])
def test_stats_verify_and_export_write_nothing_and_work_without_write_access(
    readonly_archive: tuple[Path, Path], index: str
) -> None:
    """stats, verify and export run as a user who may not write the archive, change no byte in it, and
    count from the files when the index is missing, garbage, cut short or out of date."""
    root, writable = readonly_archive
    if index == "deleted":
        drop_index(root)
    elif index == "garbage":
        index_path(root).write_bytes(b"garbage" * 100)
    elif index == "truncated":
        whole = index_path(root).read_bytes()
        index_path(root).write_bytes(whole[: len(whole) // 2])
    elif index == "stale":
        extra = next((root / SITE).glob("*/*.jsonl")).with_name("eurointegration-20990101T000000Z-1.jsonl")
        extra.write_bytes(dumps(record(5, lang="en")))
        os.chmod(extra, 0o644)
    before = snapshot(root)
    articles = 4 if index == "stale" else 3
    size = index_path(root).stat().st_size if index_path(root).exists() else 0

    stats = cli("stats", str(root), "--json", user=NOBODY)
    assert stats.returncode == 0, stats.stderr
    assert sum(row["articles"] for row in json.loads(stats.stdout)["articles"]) == articles
    assert json.loads(stats.stdout)["revised"] == 1
    problem = {
        "whole": None,
        "deleted": f"no index at {index_path(root)}",
        "garbage": f"the index {index_path(root)} is damaged (not an SQLite database)",
        "truncated": f"the index {index_path(root)} is damaged (cut short: {size} bytes of {2 * size})",
        "stale": f"the index {index_path(root)} is out of date "
                 f"({SITE}/{next((root / SITE).iterdir()).name}/eurointegration-20990101T000000Z-1.jsonl "
                 "is not in the index)",
    }[index]
    expected_note = "" if problem is None else (
        f"newscrawl: {problem}; counted from the files (newscrawl archive reindex rebuilds it)\n"
    )
    assert stats.stderr == expected_note

    out = writable / "latest.jsonl"
    export = cli("export", str(root), "-o", str(out), user=NOBODY)
    assert export.returncode == 0, export.stderr
    latest = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert Counter(r["key"] for r in latest) == Counter(
        {record(n)["key"]: 1 for n in (0, 1)} | {record(2, lang="ru")["key"]: 1}
        | ({record(5, lang="en")["key"]: 1} if index == "stale" else {})
    )
    assert next(r for r in latest if r["key"] == record(1)["key"])["version"] == 2

    check = cli("verify", str(root), user=NOBODY)
    assert check.returncode == (0 if index == "whole" else 1), check.stdout + check.stderr
    if index in ("deleted", "garbage", "truncated"):
        assert check.stdout == f"index: {problem} (run: newscrawl archive reindex)\n"
    assert snapshot(root) == before  # not a byte, not an mtime, no -wal, -shm or journal file


def test_the_start_up_check_costs_little_on_years_of_run_files(tmp_path: Path) -> None:
    """The start-up check of 35,000 run files (a year of 15-minute runs) takes well under a second."""
    write_run(tmp_path, [record(0)])
    folder = tmp_path / SITE / "2025"
    folder.mkdir()
    index = SqliteIndex(index_path(tmp_path))
    try:
        with index.transaction():
            for n in range(35_000):
                name = f"{SITE}-2025{n:010d}-1.jsonl"
                (folder / name).write_bytes(b"x\n")
                index.set_file(f"{SITE}/2025/{name}", "closed", 2, 1)
            index.note_listing(SITE)  # as every crawl's close does
        started = time.perf_counter()
        assert unaccounted(index, tmp_path, SITE, crawl=True) is None
        elapsed = time.perf_counter() - started
    finally:
        index.close()
    print(f"start-up check of 35,001 files: {elapsed * 1000:.0f} ms")
    assert elapsed < 1.0  # a generous fail-safe for a busy machine
