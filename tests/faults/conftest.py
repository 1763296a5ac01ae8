"""Fixtures of the fault matrix: one crawl of the mirrored site, copied by the tests that damage it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.samples.eurointegration import build_mirror
from tests.conftest import read_archive, run_crawl

SITE = "eurointegration"
WINDOW = ("since=2016-12-01", "until=2025-12-31")  # reaches all 35 articles of the hand-written site


@pytest.fixture(scope="session")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, list[dict[str, str]]]]:
    """One crawl of the whole mirrored site (35 articles) into a template archive, and the mirror's URL."""
    from http.server import ThreadingHTTPServer
    from threading import Thread

    from newscrawl.mirror import make_handler

    base = tmp_path_factory.mktemp("crawled")
    expected = build_mirror(base / "mirror")
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(base / "mirror", None))
    Thread(target=server.serve_forever, daemon=True).start()
    mirror = f"http://127.0.0.1:{server.server_address[1]}"
    first = run_crawl(SITE, *WINDOW, mirror=mirror, output=base / "out", timeout=240)
    assert isinstance(first, subprocess.CompletedProcess)
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    assert len(read_archive(base / "out")) == len(expected) == 35
    try:
        yield base / "out", mirror, expected
    finally:
        server.shutdown()
        server.server_close()
