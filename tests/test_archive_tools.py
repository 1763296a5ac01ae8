"""``newscrawl archive stats|verify|export|reindex``, the fast record check, and the re-check decision."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pytest

from newscrawl.archive.check import record_check
from newscrawl.archive.incremental import Decision, decide
from newscrawl.archive.index import Entry
from newscrawl.core.record import dumps, schema
from tests.archive_records import record, write_run
from tests.conftest import ROOT


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """Two runs: 3 uk + 2 ru articles in May 2023, then a revision of uk 1 and an en article of June."""
    root = tmp_path / "out"
    write_run(root, [record(0), record(1), record(2), record(3, lang="ru"), record(4, lang="ru")])
    write_run(root, [
        record(1, version=2, text="Оновлений текст.", previous_hash=record(1)["content_hash"]),
        record(5, lang="en", published="2023-06-01T09:00:00+03:00"),
    ])
    return root


def test_stats_by_site_language_and_month(archive: Path) -> None:
    result = cli("stats", str(archive), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "articles": [
            {"site": "eurointegration", "lang": "en", "month": "2023-06", "articles": 1},
            {"site": "eurointegration", "lang": "ru", "month": "2023-05", "articles": 2},
            {"site": "eurointegration", "lang": "uk", "month": "2023-05", "articles": 3},
        ],
        "records": 7,
        "revised": 1,
        "files": 2,
    }
    table = cli("stats", str(archive)).stdout
    assert "total: 6 articles (1 revised), 7 records in 2 files" in table
    assert "lang uk: 3 articles" in table


def test_verify_is_clean_on_a_good_archive_and_defaults_to_the_configured_output(archive: Path) -> None:
    result = cli("verify", env={"NEWSCRAWL_OUTPUT": str(archive), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "verified 7 records in 2 files" in result.stderr and result.stderr.rstrip().endswith("no problems")


def _append_file(root: Path, name: str, data: bytes) -> Path:
    path = root / "eurointegration" / "2026" / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("damage", "summary"),
    [
        ("torn", "1 index, 1 torn"),  # the torn bytes also make the file disagree with the index
        ("duplicate", "1 duplicate, 2 index"),
        ("schema", "1 index, 1 schema"),
        ("hash", "1 hash, 2 index"),
        ("unindexed", "2 index"),
        ("part", "1 unfinished"),
    ],
)
def test_verify_finds_each_kind_of_problem(archive: Path, damage: str, summary: str) -> None:
    [first, _] = sorted(archive.rglob("*.jsonl"))
    if damage == "torn":
        with first.open("ab") as fh:
            fh.write(dumps(record(9))[:30])
    elif damage == "duplicate":
        _append_file(archive, "eurointegration-20990101T000000Z-1.jsonl", dumps(record(2)))
    elif damage == "schema":
        _append_file(archive, "eurointegration-20990101T000000Z-1.jsonl", dumps({**record(7), "lang": "ukr"}))
    elif damage == "hash":
        _append_file(archive, "eurointegration-20990101T000000Z-1.jsonl", dumps({**record(7), "title": "Інший"}))
    elif damage == "unindexed":
        _append_file(archive, "eurointegration-20990101T000000Z-1.jsonl", dumps(record(7)))
    elif damage == "part":
        _append_file(archive, "eurointegration-20990101T000000Z-1.jsonl.part", dumps(record(7)))
    result = cli("verify", str(archive))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.rstrip().endswith(f"records/s): {summary}"), result.stdout
    assert len(result.stdout.splitlines()) == sum(int(part.split()[0]) for part in summary.split(", "))


def test_verify_reports_a_duplicate_with_both_places(archive: Path) -> None:
    _append_file(archive, "eurointegration-20990101T000000Z-1.jsonl", dumps(record(2)))
    out = cli("verify", str(archive)).stdout
    [line] = [x for x in out.splitlines() if x.startswith("duplicate")]
    assert line.startswith("duplicate: eurointegration:uk:7160002 version 1 appears 2 times: ")
    assert line.endswith("eurointegration/2026/eurointegration-20990101T000000Z-1.jsonl:1")


def test_export_latest_versions_with_filters(archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest.jsonl"
    assert cli("export", str(archive), "-o", str(out)).returncode == 0
    latest = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted((r["key"], r["version"]) for r in latest) == [
        ("eurointegration:en:7160005", 1),
        ("eurointegration:ru:7160003", 1),
        ("eurointegration:ru:7160004", 1),
        ("eurointegration:uk:7160000", 1),
        ("eurointegration:uk:7160001", 2),
        ("eurointegration:uk:7160002", 1),
    ]
    assert next(r for r in latest if r["version"] == 2)["text"] == "Оновлений текст."

    assert cli("export", str(archive), "-o", str(out), "--force", "--all-versions", "--lang", "uk").returncode == 0
    assert sorted((json.loads(x)["article_id"], json.loads(x)["version"]) for x in out.read_text().splitlines()) == [
        ("7160000", 1), ("7160001", 1), ("7160001", 2), ("7160002", 1)
    ]
    assert cli("export", str(archive), "-o", str(out), "--force", "--since", "2023-06-01", "--until", "2023-06-30").returncode == 0
    assert [json.loads(x)["key"] for x in out.read_text().splitlines()] == ["eurointegration:en:7160005"]
    assert cli("export", str(archive), "-o", str(out), "--force", "--site", "pravda").returncode == 0
    assert out.read_text() == ""
    bad = cli("export", str(archive), "-o", str(out), "--since", "June")
    assert bad.returncode == 2 and "'June' is not a date in the form YYYY-MM-DD" in bad.stderr


def test_export_parquet_and_the_archive_load_with_one_glob_in_duckdb(archive: Path, tmp_path: Path) -> None:
    parquet = tmp_path / "latest.parquet"
    result = cli("export", str(archive), "-o", str(parquet))
    assert result.returncode == 0, result.stderr
    db = duckdb.connect()
    rows = db.execute(
        f"SELECT key, version, alternates, authors, published FROM read_parquet('{parquet}') ORDER BY key"
    ).fetchall()
    assert [(k, v) for k, v, *_ in rows] == [
        ("eurointegration:en:7160005", 1),
        ("eurointegration:ru:7160003", 1),
        ("eurointegration:ru:7160004", 1),
        ("eurointegration:uk:7160000", 1),
        ("eurointegration:uk:7160001", 2),
        ("eurointegration:uk:7160002", 1),
    ]
    assert rows[0][3] == ["Ольга Глущенко"] and rows[0][4] == "2023-06-01T09:00:00+03:00"
    # The analyst's way: every version of every run file, one glob, latest version per article in SQL.
    glob = f"{archive}/*/*/*.jsonl"
    counts = db.execute(
        f"SELECT lang, count(*) FROM read_json_auto('{glob}') GROUP BY lang ORDER BY lang"
    ).fetchall()
    assert counts == [("en", 1), ("ru", 2), ("uk", 4)]
    latest = db.execute(
        f"SELECT key, max(version) FROM read_json_auto('{glob}') GROUP BY key HAVING max(version) > 1"
    ).fetchall()
    assert latest == [("eurointegration:uk:7160001", 2)]


def _mutations() -> list[tuple[str, dict[str, Any]]]:
    good = record(1)
    return [
        ("good", good),
        ("bad lang", {**good, "lang": "ukr"}),
        # a page time without offset is allowed (an unknown site's naive time, no -a tz), a crawl time is not
        ("page time without offset", {**good, "published": "2023-05-10T11:21:00"}),
        ("crawl time without offset", {**good, "crawled_at": "2023-05-10T11:21:00"}),
        ("null published", {**good, "published": None}),
        ("bool version", {**good, "version": True}),
        ("version 0", {**good, "version": 0}),
        ("float version", {**good, "version": 1.5}),
        ("extra field", {**good, "extra": 1}),
        ("missing text", {k: v for k, v in good.items() if k != "text"}),
        ("empty author", {**good, "authors": [""]}),
        ("bad alternate key", {**good, "alternates": {"rus": "https://x/"}}),
        ("alternate not string", {**good, "alternates": {"ru": 5}}),
        ("bad hash", {**good, "content_hash": "md5:00"}),
        ("previous hash", {**good, "previous_hash": good["content_hash"], "version": 2}),
        ("bad previous", {**good, "previous_hash": 7}),
        ("crawled not utc", {**good, "crawled_at": "2026-11-29T08:00:00+02:00"}),
        ("tags not list", {**good, "tags": "ЄС"}),
        ("section null", {**good, "section": None}),
        ("not object", [good]),  # type: ignore[list-item]
    ]


@pytest.mark.parametrize(("name", "value"), _mutations(), ids=[n for n, _ in _mutations()])
def test_fast_check_agrees_with_jsonschema(name: str, value: Any) -> None:
    expected_valid = jsonschema.Draft202012Validator(schema()).is_valid(value)
    error = record_check()(value)
    assert (error is None) == expected_valid, error
    assert expected_valid == (
        name in {"good", "null published", "previous hash", "section null", "page time without offset"}
    )


KYIV_SUMMER = timedelta(hours=3)


def _entry(published: str | None) -> Entry:
    return Entry("eurointegration:uk:1", "eurointegration", "uk", "u", "sha256:x", 1, published, None, "f", "c")


@pytest.mark.parametrize(
    ("published", "day", "now", "refresh", "expected"),
    [
        (None, None, "2023-05-12T00:00:00+00:00", False, Decision.NEW),
        ("2023-05-10T11:21:00+03:00", None, "2023-05-12T08:20:00+00:00", False, Decision.RECHECK),  # 47h59m
        ("2023-05-10T11:21:00+03:00", None, "2023-05-12T08:21:00+00:00", False, Decision.SKIP),  # 48h exactly
        ("2023-05-10T11:21:00+03:00", None, "2024-01-01T00:00:00+00:00", True, Decision.RECHECK),
        ("", date(2023, 5, 10), "2023-05-12T20:59:00+00:00", False, Decision.RECHECK),  # end of day 10 + 48h
        ("", date(2023, 5, 10), "2023-05-12T21:00:00+00:00", False, Decision.SKIP),
        ("", None, "2023-05-10T12:00:00+00:00", False, Decision.SKIP),  # no date at all: never re-checked
    ],
)
def test_recheck_window(published: str | None, day: date | None, now: str, refresh: bool, expected: Decision) -> None:
    entry = None if expected is Decision.NEW else _entry(published or None)
    moment = datetime.fromisoformat(now).astimezone(UTC)
    assert decide(entry, day, moment, timedelta(hours=48), refresh) is expected
