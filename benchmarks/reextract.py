"""Re-extraction from captures against the crawl itself: pages per second, and WARC bytes per article.

Builds the mirror of ``throughput.py`` (N eurointegration article pages, default 2,000, from the
hand-written templates: three page generations, uk/ru/en, windows-1251 and UTF-8), crawls it once with
politeness off exactly as ``throughput.py`` does (``scrapy crawl`` in a subprocess, WARC capture on, the
default), then in the same run times, as subprocesses from start to exit:

- ``newscrawl archive reextract OUT`` in place (every capture extracted again, compared, nothing written:
  the archive was written by this version), with one worker per CPU;
- ``newscrawl archive reextract OUT --into NEW`` (a fresh archive built from the captures alone), and
  checks that it holds the crawl's records field for field.

Target: re-extraction pages per second >= 3 x the crawl's politeness-off pages per second. Also printed:
the WARC and JSONL bytes per archived article.

    python benchmarks/reextract.py [--pages 2000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from throughput import articles, build, crawl  # noqa: E402

SUMMARY = re.compile(r"reextract: read (\d+) pages in ([0-9.]+) s .*?: (\d+) (?:would change|changed), (\d+) unchanged")


def records_of(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted(out.rglob("*.jsonl")) for line in p.read_text("utf-8").splitlines()]


def reextract(*args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", "reextract", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=3600,
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"reextract {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    m = SUMMARY.search(result.stderr)
    if m is None:
        raise SystemExit(f"no summary line in:\n{result.stderr[-3000:]}")
    read, seconds, changed, unchanged = int(m[1]), float(m[2]), int(m[3]), int(m[4])
    return {"wall": wall, "read": read, "inner_s": seconds, "changed": changed, "unchanged": unchanged}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=1, help="crawls and re-extractions per figure (median)")
    args = parser.parse_args()

    crawls, in_place, into = [], [], []
    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
        tmp_path = Path(tmp)
        site = tmp_path / "mirror"
        build(site, articles(args.pages))
        for i in range(args.repeat):
            out = tmp_path / f"out-{i}"
            crawls.append(crawl(site, out))
            in_place.append(reextract(str(out)))
            new = tmp_path / f"new-{i}"
            into.append(reextract(str(out), "--into", str(new)))
            originals, rebuilt = records_of(out), records_of(new)
            key = lambda r: (r["key"], r["version"])  # noqa: E731
            if sorted(originals, key=key) != sorted(rebuilt, key=key):
                raise SystemExit("--into did not rebuild the crawl's records field for field")
        warc_bytes = sum(p.stat().st_size for p in out.rglob("*.warc.gz"))
        jsonl_bytes = sum(p.stat().st_size for p in out.rglob("*.jsonl"))
        archived = len(originals)

    n = args.pages
    crawl_rate = statistics.median(n / r["wall"] for r in crawls)
    place_rate = statistics.median(r["read"] / r["wall"] for r in in_place)
    into_rate = statistics.median(r["read"] / r["wall"] for r in into)
    figures = {
        "pages": n,
        "archived": archived,
        "cpus": os.cpu_count(),
        "crawl_pages_per_s": round(crawl_rate, 1),
        "reextract_pages_per_s": round(place_rate, 1),
        "reextract_pages_per_s_net_of_startup": round(statistics.median(r["read"] / r["inner_s"] for r in in_place), 1),
        "reextract_changed": [r["changed"] for r in in_place],
        "into_pages_per_s": round(into_rate, 1),
        "ratio_reextract_to_crawl": round(place_rate / crawl_rate, 2),
        "ratio_into_to_crawl": round(into_rate / crawl_rate, 2),
        "target_ratio": 3.0,
        "warc_bytes_per_article": round(warc_bytes / archived),
        "jsonl_bytes_per_article": round(jsonl_bytes / archived),
    }
    print(json.dumps(figures, indent=2))
    print(
        f"{n} pages: crawl {figures['crawl_pages_per_s']} pages/s (politeness off); reextract "
        f"{figures['reextract_pages_per_s']} pages/s in place ({figures['ratio_reextract_to_crawl']}x), "
        f"{figures['into_pages_per_s']} pages/s --into ({figures['ratio_into_to_crawl']}x; target >= 3x); "
        f"WARC {figures['warc_bytes_per_article']} bytes/article, JSONL {figures['jsonl_bytes_per_article']}"
    )


if __name__ == "__main__":
    main()
