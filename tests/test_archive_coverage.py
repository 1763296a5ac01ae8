"""``newscrawl archive coverage``: articles per day, planted gaps, last runs, and the HTML chart in Chromium."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newscrawl.archive.coverage import coverage
from newscrawl.render.browser import system_chromium
from tests.archive_records import record, write_run
from tests.conftest import ROOT

CHROMIUM = system_chromium()
FIRST = date(2023, 5, 1)
GAP = date(2023, 5, 10)  # planted: no article at all
FEW = date(2023, 5, 15)  # planted: 1 article where the days before have 10


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", "coverage", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def run_report(root: Path, site: str, minute: int, exit_code: int, meaning: str, new: int) -> None:
    runs = root / ".newscrawl" / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    started = f"2026-11-29T06:{minute:02d}:00+00:00"
    report = {
        "site": site, "pid": 4242, "started_at": started, "finished_at": started, "duration_s": 70.2,
        "finish_reason": "finished" if exit_code != 1 else "shutdown", "exit_code": exit_code,
        "exit_meaning": meaning, "counts": {"new": new, "updated": 1}, "files": [],
    }
    (runs / f"{site}-20261129T06{minute:02d}00Z-4242.json").write_text(json.dumps(report), "utf-8")


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """eurointegration uk: 10 articles a day from 1 to 20 May 2023, none on the 10th, 1 on the 15th; article 0
    revised with its date moved from the 1st to the 2nd; ru: one article on the 1st and one on the 3rd, one
    undated; pravda: one article on 5 May. Six eurointegration run reports and one of pravda."""
    root = tmp_path / "out"
    uk = []
    n = 0
    for i in range(20):
        day = FIRST + timedelta(i)
        for _ in range({GAP: 0, FEW: 1}.get(day, 10)):
            uk.append(record(n, published=f"{day.isoformat()}T11:21:00+03:00"))
            n += 1
    ru = [
        record(900, lang="ru", published="2023-05-01T23:30:00+03:00"),
        record(901, lang="ru", published="2023-05-03T00:10:00+03:00"),
        record(902, lang="ru", published=None),
    ]
    write_run(root, uk + ru)
    revised = record(0, version=2, published="2023-05-02T09:00:00+03:00", text="Виправлений текст.",
                     previous_hash=uk[0]["content_hash"])
    write_run(root, [revised])
    write_run(root, [record(500, site="pravda", published="2023-05-05T08:00:00+03:00")], site="pravda")
    for minute, (code, meaning) in enumerate([(0, "ok"), (0, "ok"), (4, "no articles"), (0, "ok"), (1, "failed"),
                                              (0, "ok")]):
        run_report(root, "eurointegration", minute, code, meaning, new=minute)
    run_report(root, "pravda", 30, 5, "layout drift", new=1)
    return root


def test_counts_latest_versions_per_day_and_lists_planted_gaps(archive: Path) -> None:
    """Coverage counts each article once on its latest version's day and lists every day with no or few articles."""
    result = cli(str(archive))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "articles per day: latest version of each article, on its publication day in the record's own offset\n"
        "\n"
        "site                 lang first      last        days  with  articles  gaps\n"
        "eurointegration      ru   2023-05-01 2023-05-20    20     2         2    18\n"
        "eurointegration      uk   2023-05-01 2023-05-20    20    19       181     2\n"
        "pravda               uk   2023-05-05 2023-05-05     1     1         1     0\n"
        "eurointegration ru: 1 article without a publication date\n"
        "\n"
        "likely gaps:\n"
        "  eurointegration ru 2023-05-02: no articles (1 day)\n"
        "  eurointegration ru 2023-05-04..2023-05-20: no articles (17 days)\n"
        "  eurointegration uk 2023-05-10: no articles (1 day)\n"
        "  eurointegration uk 2023-05-15: 1 article (trailing median 10)\n"
        "\n"
        "last runs:\n"
        "  eurointegration  2026-11-29T06:05:00+00:00  exit 0 (ok)  finished  70.2 s  new 5, updated 1\n"
        "  eurointegration  2026-11-29T06:04:00+00:00  exit 1 (failed)  shutdown  70.2 s  new 4, updated 1\n"
        "  eurointegration  2026-11-29T06:03:00+00:00  exit 0 (ok)  finished  70.2 s  new 3, updated 1\n"
        "  eurointegration  2026-11-29T06:02:00+00:00  exit 4 (no articles)  finished  70.2 s  new 2, updated 1\n"
        "  eurointegration  2026-11-29T06:01:00+00:00  exit 0 (ok)  finished  70.2 s  new 1, updated 1\n"
        "  pravda  2026-11-29T06:30:00+00:00  exit 5 (layout drift)  finished  70.2 s  new 1, updated 1\n"
    )
    per_day = coverage(archive).per_day[("eurointegration", "uk")]
    assert (per_day[date(2023, 5, 1)], per_day[date(2023, 5, 2)], per_day[GAP], per_day[FEW]) == (9, 11, 0, 1)


def test_site_option_limits_articles_and_runs(archive: Path) -> None:
    """--site reports that site's articles and runs alone."""
    result = cli(str(archive), "--site", "pravda")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[3:] == [
        "pravda               uk   2023-05-05 2023-05-05     1     1         1     0",
        "",
        "likely gaps:",
        "  none",
        "",
        "last runs:",
        "  pravda  2026-11-29T06:30:00+00:00  exit 5 (layout drift)  finished  70.2 s  new 1, updated 1",
    ]


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    """A folder that is not there is exit 2 with one line."""
    result = cli(str(tmp_path / "nowhere"))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"newscrawl: error: no archive folder at {tmp_path / 'nowhere'}\n"


def test_html_without_matplotlib_is_one_line(archive: Path, tmp_path: Path) -> None:
    """Without matplotlib, --html stops with one line naming the extra to install, and writes nothing."""
    code = (
        "import sys; sys.modules['matplotlib'] = None; from newscrawl.cli import main; "
        f"sys.exit(main(['archive', 'coverage', {str(archive)!r}, '--html', {str(tmp_path / 'c.html')!r}]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "newscrawl: error: --html needs matplotlib: pip install -e '.[report]'\n"
    assert not (tmp_path / "c.html").exists()


class _Dom(HTMLParser):
    """The ids of the SVG groups and the gap list items of a dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.gaps: list[dict[str, str | None]] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "g" and found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "li" and "gap" in (found.get("class") or "").split():
            self.gaps.append(found)
        for name in ("src", "href", "xlink:href"):
            if (found.get(name) or "#").split("#")[0]:
                self.external.append(f"{tag} {name}={found[name]}")
        if tag in ("script", "link", "img", "iframe"):
            self.external.append(tag)


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, timeout=120,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
def test_html_chart_renders_in_chromium(archive: Path, tmp_path: Path) -> None:
    """The HTML page opens offline in Chromium with one bar per day present and the planted gap day listed."""
    page = tmp_path / "coverage.html"
    result = cli(str(archive), "--html", str(page))
    assert result.returncode == 0, result.stderr

    started = time.perf_counter()
    dumped = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile")
    elapsed = time.perf_counter() - started
    print(f"chromium --dump-dom of a {page.stat().st_size:,}-byte coverage page: {elapsed:.2f} s")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = _Dom()
    dom.feed(dumped.stdout.decode("utf-8"))

    bars = sorted(i for i in dom.ids if i.startswith("day-"))
    uk_days = [FIRST + timedelta(i) for i in range(20) if FIRST + timedelta(i) != GAP]
    assert bars == sorted(
        [f"day-eurointegration-uk-{d}" for d in uk_days]
        + ["day-eurointegration-ru-2023-05-01", "day-eurointegration-ru-2023-05-03", "day-pravda-uk-2023-05-05"]
    )
    assert [(g["data-site"], g["data-lang"], g["data-first"], g["data-last"], g["class"]) for g in dom.gaps] == [
        ("eurointegration", "ru", "2023-05-02", "2023-05-02", "gap none"),
        ("eurointegration", "ru", "2023-05-04", "2023-05-20", "gap none"),
        ("eurointegration", "uk", "2023-05-10", "2023-05-10", "gap none"),
        ("eurointegration", "uk", "2023-05-15", "2023-05-15", "gap few"),
    ]
    assert [i for i in dom.ids if i.startswith("empty-")] == ["empty-eurointegration-2023-05-10"]  # shaded
    assert dom.external == []  # self-contained: nothing to fetch

    # Painted, not only parsed: the screenshot holds the bars' colour (matplotlib's first, #1f77b4).
    from PIL import Image

    shot = tmp_path / "shot.png"
    painted = chromium(f"--screenshot={shot}", "--window-size=1200,1400", page.as_uri(), profile=tmp_path / "p2")
    assert painted.returncode == 0, painted.stderr[-2000:]
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    bar_pixels = sum(n for n, rgb in colours if all(abs(a - b) <= 8 for a, b in zip(rgb, (0x1F, 0x77, 0xB4), strict=True)))
    assert bar_pixels > 5000, bar_pixels


def test_damaged_archive_is_reported_as_far_as_it_reads(tmp_path: Path) -> None:
    """A torn or non-JSON line, a record with a bad date and a broken run report do not stop the report:
    the readable articles are counted exactly and the rest left to ``archive verify``."""
    root = tmp_path / "out"
    path = write_run(root, [record(0, published="2023-05-01T10:00:00+03:00"), record(1, published="1 травня"),
                            record(2, published="2023-05-02T10:00:00+03:00")])
    with path.open("ab") as fh:
        fh.write(b'not json at all\n{"key": "eurointegration:uk:9", "version": "two"}\n[1, 2]\n{"site": "eurointeg')
    run_report(root, "eurointegration", 1, 0, "ok", new=3)
    (root / ".newscrawl" / "runs" / "eurointegration-20261129T070000Z-1.json").write_text('{"site": "eur', "utf-8")
    (root / ".newscrawl" / "runs" / "eurointegration-20261129T070100Z-1.json").write_text("[]", "utf-8")
    result = cli(str(root))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[3:] == [
        "eurointegration      uk   2023-05-01 2023-05-02     2     2         2     0",
        "eurointegration uk: 1 article without a publication date",
        "",
        "likely gaps:",
        "  none",
        "",
        "last runs:",
        "  eurointegration  2026-11-29T06:01:00+00:00  exit 0 (ok)  finished  70.2 s  new 3, updated 1",
    ]
