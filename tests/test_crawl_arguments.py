"""Bad spider arguments and settings stop ``scrapy crawl`` before any request, with one line naming them."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from newscrawl import exitcodes
from tests.conftest import Mirror, run_crawl


@pytest.mark.parametrize(
    ("args", "settings", "message"),
    [
        (["lang=de"], {}, "newscrawl: error: eurointegration: argument lang: unknown language 'de' for eurointegration"),
        (["lang=uk,xx"], {}, "newscrawl: error: eurointegration: argument lang: unknown language 'xx'"),
        (["since=2023-13-01"], {}, "newscrawl: error: eurointegration: argument since: '2023-13-01' is not a date in the form YYYY-MM-DD"),
        (["since=yesterday"], {}, "newscrawl: error: eurointegration: argument since: 'yesterday' is not a date"),
        (["since=2023-05-01", "until=05/31/2023"], {}, "newscrawl: error: eurointegration: argument until: '05/31/2023' is not a date"),
        (["since=2023-05-02", "until=2023-05-01"], {}, "newscrawl: error: eurointegration: argument since: 2023-05-02 is after until 2023-05-01"),
        (["until=2023-05-01"], {}, "newscrawl: error: eurointegration: argument until: needs since"),
        (["colour=red"], {}, "newscrawl: error: eurointegration: unknown argument 'colour'"),
        (["max_pages=0"], {}, "newscrawl: error: eurointegration: argument max_pages: '0' is not a positive whole number"),
        ([], {"NEWSCRAWL_MIRROR": "127.0.0.1:8000"}, "newscrawl: error: eurointegration: NEWSCRAWL_MIRROR must be an http(s) URL"),
    ],
)
def test_bad_input_stops_before_any_request(
    args: list[str], settings: dict[str, str], message: str, tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    site = tmp_path / "mirror"
    site.mkdir()
    mirror = serve_mirror(site)
    merged = {"NEWSCRAWL_MIRROR": mirror.url, **settings}
    out = tmp_path / "out"
    result = run_crawl("eurointegration", *args, output=out, settings=merged, timeout=60)
    assert isinstance(result, subprocess.CompletedProcess)
    errors = [line for line in result.stderr.splitlines() if line.startswith("newscrawl: error:")]
    assert len(errors) == 1, result.stderr[-2000:]
    assert errors[0].startswith(message)
    assert result.returncode == exitcodes.USAGE
    assert mirror.requested() == []
    assert not out.exists()


def test_unknown_spider(tmp_path: Path) -> None:
    result = run_crawl("eurointegraton", output=tmp_path / "out", timeout=60)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.USAGE
    assert "newscrawl: error: eurointegraton: unknown spider 'eurointegraton' (known: " in result.stderr
