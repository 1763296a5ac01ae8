"""The newscrawl command's small things: --version, plain help with defaults, quiet end on a closed pipe."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl import __version__
from newscrawl.cli import build_parser, main
from tests.conftest import FIXTURES, ROOT

EURO = "https://www.eurointegration.com.ua/news/2023/05/11/7162035/"


def _cli(*argv: str, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "newscrawl.cli", *argv], cwd=ROOT, capture_output=True,
                          timeout=120, **kwargs)  # type: ignore[call-overload]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """`newscrawl --version` prints the package version."""
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"newscrawl {__version__}\n"


def _all_help() -> dict[str, str]:
    """The help text of the command and of every sub-command, by command line."""
    helps: dict[str, str] = {}

    def walk(parser: object, prefix: str) -> None:
        helps[prefix] = parser.format_help()  # type: ignore[attr-defined]
        for action in parser._actions:  # type: ignore[attr-defined]
            for name, sub in (getattr(action, "choices", None) or {}).items():
                if hasattr(sub, "format_help"):
                    walk(sub, f"{prefix} {name}")

    walk(build_parser(), "newscrawl")
    return helps


def test_help_is_plain_and_shows_defaults() -> None:
    """No RST markup in any help text; options with a default say it."""
    helps = _all_help()
    assert {"newscrawl", "newscrawl mirror build", "newscrawl mirror serve", "newscrawl archive export"} <= set(helps)
    for command, text in helps.items():
        assert "``" not in text and ":func:" not in text, command
    # argparse aligns the help column to the longest option: compare with the padding folded
    serve = " ".join(helps["newscrawl mirror serve"].split())
    assert "--port PORT port to listen on (0: any free port) (default: 8000)" in serve
    assert "--host HOST address to listen on (default: 127.0.0.1)" in serve
    assert "- newscrawl mirror build SITE DIR: write a sample mirror" in helps["newscrawl"]
    assert "(default: False)" not in "".join(helps.values())


def _saved_page() -> bytes:
    page = next((FIXTURES / "sites" / "eurointegration").glob("*.html.gz"))
    return gzip.decompress(page.read_bytes())


@pytest.mark.parametrize("argv", [["extract", "-", "--url", EURO, "--pretty"], ["archive", "stats", "{out}", "--json"]])
def test_closed_pipe_ends_quietly(tmp_path: Path, argv: list[str]) -> None:
    """Output into a pipe whose reader has gone (`| head` done) ends with exit 0 and nothing on stderr."""
    out = tmp_path / "archive"
    (out / "eurointegration" / "2026").mkdir(parents=True)
    record = main_record = json.loads(_cli("extract", "-", "--url", EURO, input=_saved_page()).stdout)
    assert main_record["url"]
    lines = [json.dumps(record, ensure_ascii=False)]
    (out / "eurointegration" / "2026" / "eurointegration-20260101T000000Z-1.jsonl").write_text("\n".join(lines) + "\n")
    _cli("archive", "reindex", str(out))  # an indexed archive: stats has nothing to say on stderr but an error
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte is written: the write fails, always
    try:
        result = subprocess.run(
            [sys.executable, "-m", "newscrawl.cli", *[a.format(out=out) for a in argv]],
            cwd=ROOT, input=_saved_page(), stdout=write_end, stderr=subprocess.PIPE, timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr.decode()) == (0, "")
