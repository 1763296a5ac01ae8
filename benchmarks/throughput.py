"""Crawl throughput against bare trafilatura: pages/s, CPU ms per page, peak memory.

Builds a mirror of N eurointegration article pages (default 2,000) from the hand-written page templates
(newscrawl/samples/eurointegration_pages.py: the three page generations, uk/ru/en, windows-1251 and UTF-8), linked
from one news sitemap; crawls it with ``scrapy crawl eurointegration`` in a subprocess with politeness
off (no robots.txt, no delay, no AutoThrottle, 32 requests at a time) from a mirror server in this
process; and, in the same run, times bare ``trafilatura.extract`` and ``newscrawl.extract`` on the same
page bytes in this process.

The crawl's CPU is its own user+system time (``os.wait4``), all of it: start-up, download, parsing,
pipelines, archive writing. It is also reported net of the CPU of a crawl of an empty mirror (start-up
and shut-down). Target: net crawl CPU per page <= 1.0 x bare trafilatura's.

    python benchmarks/throughput.py [--pages 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from newscrawl import extract  # noqa: E402
from newscrawl.mirror import make_server  # noqa: E402
from newscrawl.samples import eurointegration_pages as pages  # noqa: E402
from newscrawl.samples.eurointegration import file_for, news_sitemap  # noqa: E402
from tests.conftest import run_crawl_measured  # noqa: E402

POLITENESS_OFF = {
    "ROBOTSTXT_OBEY": "0",
    "AUTOTHROTTLE_ENABLED": "0",
    "DOWNLOAD_DELAY": "0",
    "CONCURRENT_REQUESTS": "32",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "32",
    "LOG_LEVEL": "WARNING",
    "NEWSCRAWL_FLUSH_EVERY": "50",
}


def articles(n: int) -> list[pages.Article]:
    """``n`` distinct articles cycling through the template catalogue (new ids, numbered titles)."""
    out = []
    for i in range(n):
        template = pages.ARTICLES[i % len(pages.ARTICLES)]
        out.append(dataclasses.replace(template, article_id=str(8_000_000 + i), title=f"{template.title} {i}"))
    return out


def write(root: Path, path: str, data: bytes) -> None:
    target = file_for(root, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def build(root: Path, items: list[pages.Article]) -> dict[str, bytes]:
    bodies = {a.url: pages.render_article(a) for a in items}
    for a in items:
        write(root, a.path, bodies[a.url])
    write(root, "/sitemap/sitemap-news.xml", news_sitemap(items).encode())
    return bodies


def crawl(mirror_root: Path, output: Path) -> dict[str, Any]:
    server = make_server(mirror_root, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        start = time.perf_counter()
        code, log, usage = run_crawl_measured(
            "eurointegration",
            mirror=f"http://127.0.0.1:{server.server_address[1]}",
            output=output,
            settings=POLITENESS_OFF,
            kill_after=1800,
        )
        wall = time.perf_counter() - start
    finally:
        server.shutdown()
        server.server_close()
    records = sum(len(p.read_text("utf-8").splitlines()) for p in output.rglob("*.jsonl"))
    if code not in (0, 4):
        raise SystemExit(f"crawl failed with exit code {code}:\n{log[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024, "records": records}


def time_cpu(func: Any, bodies: list[tuple[str, bytes]]) -> float:
    start = time.process_time()
    for url, body in bodies:
        func(body, url)
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="crawls and timings per figure (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
        tmp_path = Path(tmp)
        site, empty = tmp_path / "mirror", tmp_path / "empty"
        bodies = build(site, articles(args.pages))
        build(empty, [])
        size = sum(len(b) for b in bodies.values())
        items = list(bodies.items())

        runs, idle = [], []
        for i in range(args.repeat):
            idle.append(crawl(empty, tmp_path / f"out-empty-{i}"))
            runs.append(crawl(site, tmp_path / f"out-{i}"))
        bare = [time_cpu(lambda body, url: trafilatura.extract(body), items) for _ in range(args.repeat)]
        ours = [time_cpu(lambda body, url: _extract_or_drop(body, url), items) for _ in range(args.repeat)]

    n = args.pages
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    idle_cpu = statistics.median(r["cpu"] for r in idle)
    bare_ms = statistics.median(bare) / n * 1000
    net_ms = (cpu - idle_cpu) / n * 1000
    figures = {
        "pages": n,
        "mean_page_kb": round(size / n / 1024, 1),
        "archived": [r["records"] for r in runs],
        "pages_per_s": round(n / wall, 1),
        "crawl_cpu_ms_per_page": round(cpu / n * 1000, 2),
        "startup_cpu_s": round(idle_cpu, 2),
        "crawl_cpu_ms_per_page_net": round(net_ms, 2),
        "peak_rss_mb": round(max(r["rss_mb"] for r in runs), 1),
        "bare_trafilatura_ms_per_page": round(bare_ms, 2),
        "newscrawl_extract_ms_per_page": round(statistics.median(ours) / n * 1000, 2),
        "ratio_net_crawl_to_trafilatura": round(net_ms / bare_ms, 2),
        "target_ratio": 1.0,
    }
    print(json.dumps(figures, indent=2))
    print(
        f"{n} pages: {figures['pages_per_s']} pages/s, crawl CPU {figures['crawl_cpu_ms_per_page']} ms/page "
        f"({figures['crawl_cpu_ms_per_page_net']} net of start-up), peak {figures['peak_rss_mb']} MB; "
        f"bare trafilatura {figures['bare_trafilatura_ms_per_page']} ms/page; "
        f"ratio {figures['ratio_net_crawl_to_trafilatura']} (target <= 1.0)"
    )


def _extract_or_drop(body: bytes, url: str) -> None:
    try:
        extract(body, url)
    except Exception as exc:  # a drop reason is a result too
        if not type(exc).__module__.startswith("newscrawl"):
            raise


if __name__ == "__main__":
    main()
