"""The offline quick start: a sample mirror built from the project's hand-written pages, served with the crawl
command printed, and crawled in seconds at default settings because it is on this machine."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl import __version__
from newscrawl.cli import main
from newscrawl.politeness import LocalMirrorSpeed, is_loopback
from newscrawl.samples import eurointegration_pages as pages
from tests.conftest import ROOT, read_archive
from tests.newcomer import crawl_at_defaults

pytestmark = pytest.mark.e2e


def test_mirror_build_writes_a_labelled_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`newscrawl mirror build` writes the sample mirror and says, in its output and in the folder, that
    every page in it is a hand-written sample."""
    root = tmp_path / "mirror"
    assert main(["mirror", "build", "eurointegration", str(root)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == [
        f"wrote a SAMPLE mirror of eurointegration to {root}: {len(pages.ARTICLES)} hand-written sample articles",
        f"(sample pages, not the real site's: see {root / 'README.txt'})",
        f"next: newscrawl mirror serve {root}",
    ]
    assert out.err == ""
    note = (root / "README.txt").read_text("utf-8")
    assert note.startswith("This folder is a SAMPLE mirror of www.eurointegration.com.ua made by")
    assert "Every page in it is HAND-WRITTEN sample content" in note
    assert f"A crawl of it archives {len(pages.ARTICLES)} sample articles." in note
    assert sorted(p.name for p in root.iterdir()) == ["README.txt", "www.eurointegration.com.ua"]
    assert (root / "www.eurointegration.com.ua" / "robots.txt").is_file()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mirror", "build", "nosuchsite", "{dir}"], "newscrawl: error: no sample mirror for 'nosuchsite' (samples: eurointegration)"),
        (["mirror", "build", "eurointegration", "{full}"], "newscrawl: error: {full} exists and is not an empty folder; not writing into it"),
    ],
)
def test_mirror_build_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    """`mirror build` exits 2 with one line for an unknown site or a folder that already holds files."""
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    names = {"dir": str(tmp_path / "new"), "full": str(full)}
    assert main([a.format(**names) for a in argv]) == 2
    out = capsys.readouterr()
    assert out.out == "" and out.err.splitlines() == [message.format(**names)]
    assert (full / "keep.txt").read_text() == "mine" and not (tmp_path / "new").exists()


def test_mirror_serve_prints_the_crawl_command(tmp_path: Path) -> None:
    """`mirror serve` prints the exact crawl command for the sites its folder holds, with the real port."""
    root = tmp_path / "mirror"
    assert main(["mirror", "build", "eurointegration", str(root)]) == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "newscrawl.cli", "mirror", "serve", str(root), "--port", "0"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stderr is not None
        lines = [proc.stderr.readline().rstrip("\n") for _ in range(3)]  # waits for the server's own lines
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    url = lines[0].removeprefix(f"serving {root} on ").removesuffix(" (Ctrl-C to stop)")
    assert url.startswith("http://127.0.0.1:") and int(url.rsplit(":", 1)[1]) > 0
    assert lines[1:] == [
        "crawl it from the project folder (where scrapy.cfg is) with:",
        f"  scrapy crawl eurointegration -s NEWSCRAWL_MIRROR={url}",
    ]


def test_loopback_mirror_is_crawled_fast_at_default_settings(tmp_path: Path, serve_mirror) -> None:
    """A crawl of a mirror on 127.0.0.1 at default settings runs without live-site politeness: every sample
    article archived once, in seconds (135 s before, with the live site's delays toward localhost)."""
    root = tmp_path / "mirror"
    assert main(["mirror", "build", "eurointegration", str(root)]) == 0
    mirror = serve_mirror(root)
    out = tmp_path / "out"
    result = crawl_at_defaults("eurointegration", output=out, settings={"NEWSCRAWL_MIRROR": mirror.url})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout == ""
    assert (
        f"NEWSCRAWL_MIRROR {mirror.url} is on this machine: live-site politeness off (DOWNLOAD_DELAY=0.0, "
        "AUTOTHROTTLE_ENABLED=False, CONCURRENT_REQUESTS_PER_DOMAIN=8; -s NAME=VALUE overrides)"
    ) in result.stderr
    records = read_archive(out)
    assert Counter(r["url"] for r in records) == Counter({a.url: 1 for a in pages.ARTICLES})
    (report,) = (out / ".newscrawl" / "runs").glob("*.json")
    manifest = json.loads(report.read_text("utf-8"))
    assert manifest["counts"]["new"] == len(pages.ARTICLES)
    assert manifest["newscrawl_version"] == __version__
    assert manifest["duration_s"] < 60, manifest["duration_s"]  # fail-safe bound; 4.9 s measured


def test_explicit_settings_win_over_local_mirror_speed() -> None:
    """Only settings still at their project default are sped up; a -s value or a spider's setting stays."""
    settings = Settings()
    settings.setmodule("newscrawl.settings", priority="project")
    settings.set("NEWSCRAWL_MIRROR", "http://127.0.0.1:8000", priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 3.0, priority="cmdline")
    settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="spider")
    LocalMirrorSpeed().update_settings(settings)
    assert settings.getfloat("DOWNLOAD_DELAY") == 3.0
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert settings.getbool("AUTOTHROTTLE_ENABLED") is False

    live = Settings()
    live.setmodule("newscrawl.settings", priority="project")
    live.set("NEWSCRAWL_MIRROR", "http://192.168.1.5:8000", priority="cmdline")
    LocalMirrorSpeed().update_settings(live)
    assert (live.getfloat("DOWNLOAD_DELAY"), live.getbool("AUTOTHROTTLE_ENABLED")) == (1.0, True)
    assert live.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 2


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.3.2.1:8000/", True),
        ("http://[::1]:8000", True),
        ("http://localhost:8000", True),
        ("http://LOCALHOST.:8000", True),
        ("http://mirror.localhost:8000", True),
        ("http://128.0.0.1:8000", False),
        ("http://10.0.0.1:8000", False),
        ("http://localhost.example.org:8000", False),
        ("http://127.0.0.1.nip.io:8000", False),
    ],
)
def test_is_loopback(url: str, loopback: bool) -> None:
    """Only this machine's addresses count as a local mirror."""
    assert is_loopback(url) is loopback
