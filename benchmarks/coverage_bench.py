"""Benchmark of ``newscrawl archive coverage`` on a synthetic archive, and of its HTML page in Chromium.

The archive holds N records (default 300,000; 2% of them second versions) of three sites and three
languages, spread over DAYS publication days (default 730), with one planted empty day. Measured: the
text report and the ``--html`` report (wall and CPU seconds, peak memory, through ``/usr/bin/time``), the
HTML file's size, and the time headless Chromium takes to load the page and dump its DOM (and whether
the DOM holds one bar per day and language present). Run from the project folder:

    .venv/bin/python benchmarks/coverage_bench.py [--records 300000] [--days 730] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from archive_bench import PARAGRAPH, measure  # noqa: E402

SITES = ("eurointegration", "pravda", "epravda")
LANGS = ("uk", "ru", "en")
FIRST = date(2024, 1, 1)


def generate(root: Path, records: int, days: int, per_file: int = 20_000) -> tuple[int, date, set[str]]:
    """Write the archive; returns (bytes, the planted empty day, the bar ids the chart must hold)."""
    empty = FIRST + timedelta(days // 2)
    articles = int(records / 1.02)
    series = len(SITES) * len(LANGS)
    bars: set[str] = set()
    lines: list[str] = []
    total = 0
    run = 0

    def flush() -> None:
        nonlocal lines, total, run
        run += 1
        path = root / "eurointegration" / "2026" / f"eurointegration-20260101T000000Z-{run}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(data)
        total += len(data)
        lines = []

    for i in range(records):
        n = i if i < articles else (i - articles) * 37 % articles
        version = 1 if i < articles else 2
        site, lang = SITES[n % series // len(LANGS)], LANGS[n % len(LANGS)]
        day = FIRST + timedelta((n // series) % days)
        if day == empty:
            day += timedelta(1)
        bars.add(f"day-{site}-{lang}-{day.isoformat()}")
        article_id = str(6_000_000 + n // series)
        record = {
            "url": f"https://example.org/news/{article_id}/", "site": site, "lang": lang, "article_id": article_id,
            "key": f"{site}:{lang}:{article_id}", "title": f"Новина {article_id}", "authors": ["Ольга Глущенко"],
            "published": f"{day.isoformat()}T11:21:00+02:00", "modified": None, "section": "news", "tags": ["ЄС"],
            "text": f"{PARAGRAPH}\nАбзац {n} версії {version}.", "alternates": {}, "content_hash": "sha256:" + "0" * 64,
            "version": version, "previous_hash": None, "crawled_at": "2026-01-01T00:00:00+00:00",
            "parser": "upgroup/1.0", "extractor": "trafilatura/2.0.0", "fallbacks": [],
        }
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= per_file:
            flush()
    if lines:
        flush()
    return total, empty, bars


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--keep", type=Path, help="build the archive here and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="coverage-bench-"))
    root = work / "output"
    try:
        started = time.monotonic()
        size, empty, bars = generate(root, args.records, args.days)
        print(f"archive: {args.records:,} records, {size / 1e6:.0f} MB, {args.days} days, planted empty day {empty}"
              f" ({time.monotonic() - started:.1f} s to write)")
        cli = [sys.executable, "-m", "newscrawl.cli", "archive", "coverage", str(root)]
        text = measure(cli)
        print(f"text report: {text['seconds']:.1f} s wall, {text['cpu']:.1f} s CPU, peak {text['rss_mb']:.0f} MB,"
              f" {args.records / text['seconds']:,.0f} records/s (exit {text['rc']})")
        page = work / "coverage.html"
        html = measure([*cli, "--html", str(page)])
        print(f"--html report: {html['seconds']:.1f} s wall, {html['cpu']:.1f} s CPU, peak {html['rss_mb']:.0f} MB,"
              f" page {page.stat().st_size / 1e6:.2f} MB (exit {html['rc']})")
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        profile = work / "profile"
        times = []
        for _ in range(3):
            started = time.monotonic()
            dom = subprocess.run(
                [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", "--dump-dom",
                 page.as_uri()],
                capture_output=True, text=True, timeout=600,
            )
            times.append(time.monotonic() - started)
        found = set(re.findall(r'<g id="(day-[^"]+)"', dom.stdout))
        listed = f'data-first="{empty}"' in dom.stdout
        print(f"chromium --dump-dom: {', '.join(f'{t:.2f}' for t in times)} s (median {sorted(times)[1]:.2f});"
              f" bars {len(found):,} of {len(bars):,} expected, equal: {found == bars}; empty day listed: {listed}")
        blank = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", "--dump-dom",
             "about:blank"],
            capture_output=True, timeout=600,
        )
        started = time.monotonic()
        subprocess.run(blank.args, capture_output=True, timeout=600)
        print(f"chromium --dump-dom of about:blank (start-up alone): {time.monotonic() - started:.2f} s")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
