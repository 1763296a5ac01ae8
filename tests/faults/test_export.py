"""Case 7: ``newscrawl archive export`` skips and reports bad lines, and never writes into the archive.

Every good record is still exported when some lines are bad (exit 1 then); ``-o`` inside the archive
folder is refused (its own glob would read the export as archived records), and so is an existing file
unless ``--force``.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

from newscrawl import exitcodes
from newscrawl.archive.store import index_path
from newscrawl.core.record import dumps
from tests.archive_records import record, write_run
from tests.conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def test_export_skips_and_reports_each_bad_line_and_exports_every_good_record(tmp_path: Path) -> None:
    """Each bad line is reported as file:line: reason, every good record is exported, and the exit code is 1."""
    root = tmp_path / "archive"
    path = write_run(root, [record(n) for n in range(3)])
    write_run(root, [record(1, version=2, text="Новий текст.", previous_hash=record(1)["content_hash"])])
    good = path.read_bytes().splitlines(keepends=True)
    null_key = json.dumps({**record(7), "key": None}, ensure_ascii=False).encode() + b"\n"
    path.write_bytes(good[0] + b"\x00\x00garbage\n" + good[1] + null_key + good[2] + b'{"url": "https://www.euro')
    out = tmp_path / "latest.jsonl"

    result = cli("export", str(root), "-o", str(out))
    assert result.returncode == exitcodes.FAILED, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"newscrawl: the index {index_path(root)} is out of date ({path.relative_to(root)} has "
        f"{path.stat().st_size} bytes, the index read {len(b''.join(good))}); using one built from the files "
        "(newscrawl archive reindex rebuilds it)"
    )
    assert lines[1:4] == [
        f"{path}:2: not JSON",
        f"{path}:4: key is null",
        f"{path}:6: torn: the last line has no newline",
    ]
    assert re.fullmatch(rf"exported 3 records to {re.escape(str(out))} in \d+\.\d s; 3 bad lines skipped", lines[4])
    assert len(lines) == 5
    exported = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert sorted((r["key"], r["version"]) for r in exported) == [
        (record(0)["key"], 1), (record(1)["key"], 2), (record(2)["key"], 1)
    ]

    every = cli("export", str(root), "-o", str(out), "--force", "--all-versions")
    assert every.returncode == exitcodes.FAILED
    assert len(out.read_text("utf-8").splitlines()) == 4


def test_export_refuses_to_write_inside_the_archive_folder(tmp_path: Path) -> None:
    """-o at an archive file, or anywhere inside the archive folder, is refused (exit 2) and writes nothing."""
    root = tmp_path / "archive"
    path = write_run(root, [record(n) for n in range(5)])
    before = digest(root)
    for target in (path, path.with_name("export.jsonl"), root / "latest.jsonl"):
        for force in ((), ("--force",)):
            result = cli("export", str(root), "-o", str(target), *force)
            assert result.returncode == exitcodes.USAGE
            assert result.stderr == (
                f"newscrawl: error: -o {target} is inside the archive folder {root}; write the export elsewhere\n"
            )
    assert digest(root) == before
    assert len(path.read_bytes().splitlines()) == 5


def test_export_refuses_to_overwrite_a_file_without_force(tmp_path: Path) -> None:
    """An existing output file is kept (exit 2) unless --force, which replaces it whole."""
    root = tmp_path / "archive"
    write_run(root, [record(n) for n in range(2)])
    out = tmp_path / "mine.jsonl"
    out.write_bytes(b"my own notes\n")
    refused = cli("export", str(root), "-o", str(out))
    assert refused.returncode == exitcodes.USAGE
    assert refused.stderr == f"newscrawl: error: {out} exists; add --force to overwrite it\n"
    assert out.read_bytes() == b"my own notes\n"
    forced = cli("export", str(root), "-o", str(out), "--force")
    assert forced.returncode == exitcodes.OK, forced.stderr
    assert out.read_bytes() == dumps(record(0)) + dumps(record(1))
