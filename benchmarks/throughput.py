"""Crawl throughput against bare trafilatura: pages/s, CPU ms per page, peak memory.

Builds a mirror of N eurointegration article pages (default 2,000) from the hand-written page templates
(newscrawl/samples/eurointegration_pages.py: the three page generations, uk/ru/en, windows-1251 and UTF-8), linked
from one news sitemap; crawls it with ``scrapy crawl eurointegration`` in a subprocess with politeness
off (no robots.txt, no delay, no AutoThrottle, 32 requests at a time) from a mirror server in this
process; and, in the same round, times bare ``trafilatura.extract`` and ``newscrawl.extract`` on the same
page bytes in this process.

Two page sizes, because fixed per-page costs (Scrapy, the archive, the capture) and extraction from the
body fragment alone weigh very differently on each:

- ``small``: the templates as they are, about 15 KB, the article with a thin page around it;
- ``real``: the same articles inside the chrome of a real page of the group (the saved epravda page in
  tests/fixtures/sites/epravda: its head's scripts and styles, header, menus, news lists, footer and
  SVG sprites; its own article, JSON-LD, metadata and language menu taken out), about 90 KB, what a
  live article page of the group weighs (77-178 KB saved).

The crawl's CPU is its own user+system time (``os.wait4``), all of it: start-up, download, parsing,
pipelines, archive writing, WARC capture. It is also reported net of the CPU of a crawl of an empty
mirror (start-up and shut-down). Each round times bare trafilatura, crawls the empty mirror, crawls the
pages, times bare trafilatura again (the round's figure is the mean of the two, taken either side of the
crawl on a machine whose speed drifts) and times ``newscrawl.extract``; each round gives a ratio, and the
figures are medians over the rounds. Target: net crawl CPU per page <= 1.0 x bare trafilatura's.

    python benchmarks/throughput.py [--pages 2000] [--repeat 3] [--size small|real|both]
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import re
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
from lxml import html  # noqa: E402
from w3lib.encoding import html_body_declared_encoding  # noqa: E402

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


CHROME_DONOR = ROOT / "tests/fixtures/sites/epravda/epravda_2025_10_24_tehnologiji_813313.html.gz"


def real_chrome() -> tuple[str, str, str]:
    """The donor page's chrome: (head additions, body start, body end), its own article taken out."""
    doc = html.fromstring(gzip.decompress(CHROME_DONOR.read_bytes()))
    for node in doc.xpath(
        '//article | //script[@type="application/ld+json"] | //a[contains(@class, "lang_menu_item")] | //h1'
        ' | //meta | //title | //link[@rel="canonical" or @rel="alternate"]'
    ):
        node.drop_tree()
    head = "".join(html.tostring(node, encoding="unicode") for node in doc.head)
    body = list(doc.body)
    main = next(i for i, node in enumerate(body) if node.get("class") == "main")
    start = "".join(html.tostring(node, encoding="unicode") for node in body[:main])
    end = "".join(html.tostring(node, encoding="unicode") for node in body[main:])
    return head, start, end


def dress(page: bytes, chrome: tuple[str, str, str]) -> bytes:
    """A template page inside the real chrome, in the page's own charset (characters it lacks as references)."""
    head, start, end = chrome
    charset = html_body_declared_encoding(page) or "utf-8"
    text = page.decode(charset)
    text = text.replace("</head>", head + "</head>", 1)
    text = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + start, text, count=1)
    text = text.replace("</body>", end + "</body>", 1)
    return text.encode(charset, errors="xmlcharrefreplace")


def write(root: Path, path: str, data: bytes) -> None:
    target = file_for(root, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def build(root: Path, items: list[pages.Article], chrome: tuple[str, str, str] | None = None) -> dict[str, bytes]:
    bodies = {a.url: pages.render_article(a) for a in items}
    if chrome is not None:
        bodies = {url: dress(body, chrome) for url, body in bodies.items()}
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
        code, log, usage, peak_kib = run_crawl_measured(
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
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": peak_kib / 1024, "records": records}


def time_cpu(func: Any, bodies: list[tuple[str, bytes]]) -> float:
    start = time.process_time()
    for url, body in bodies:
        func(body, url)
    return time.process_time() - start


def measure(size: str, n: int, repeat: int) -> dict[str, Any]:
    """One page size: ``repeat`` rounds of (empty crawl, crawl, bare trafilatura, newscrawl.extract)."""
    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-") as tmp:
        tmp_path = Path(tmp)
        site, empty = tmp_path / "mirror", tmp_path / "empty"
        bodies = build(site, articles(n), real_chrome() if size == "real" else None)
        build(empty, [])
        items = list(bodies.items())
        rounds = []
        for i in range(repeat):
            before = time_cpu(lambda body, url: trafilatura.extract(body), items)
            idle = crawl(empty, tmp_path / f"out-empty-{i}")
            run = crawl(site, tmp_path / f"out-{i}")
            after = time_cpu(lambda body, url: trafilatura.extract(body), items)
            bare = (before + after) / 2  # either side of the crawl: the machine's speed drifts
            ours = time_cpu(lambda body, url: _extract_or_drop(body, url), items)
            net = (run["cpu"] - idle["cpu"]) / n * 1000
            rounds.append({**run, "idle_cpu": idle["cpu"], "net_ms": net, "bare_ms": bare / n * 1000,
                           "ours_ms": ours / n * 1000, "ratio": net / (bare / n * 1000)})
            print(f"  {size} round {i + 1}: net crawl {net:.2f} ms/page, bare trafilatura "
                  f"{rounds[-1]['bare_ms']:.2f} ms/page, ratio {rounds[-1]['ratio']:.2f}", file=sys.stderr, flush=True)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rounds)

    return {
        "pages": n,
        "mean_page_kb": round(sum(len(b) for b in bodies.values()) / n / 1024, 1),
        "archived": [r["records"] for r in rounds],
        "pages_per_s": round(n / med("wall"), 1),
        "crawl_cpu_ms_per_page": round(med("cpu") / n * 1000, 2),
        "startup_cpu_s": round(med("idle_cpu"), 2),
        "crawl_cpu_ms_per_page_net": round(med("net_ms"), 2),
        "peak_rss_mb": round(max(r["rss_mb"] for r in rounds), 1),
        "bare_trafilatura_ms_per_page": round(med("bare_ms"), 2),
        "newscrawl_extract_ms_per_page": round(med("ours_ms"), 2),
        "ratio_per_round": [round(r["ratio"], 2) for r in rounds],
        "ratio_net_crawl_to_trafilatura": round(med("ratio"), 2),
        "target_ratio": 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds per page size (medians)")
    parser.add_argument("--size", choices=("small", "real", "both"), default="both")
    args = parser.parse_args()

    sizes = ("small", "real") if args.size == "both" else (args.size,)
    results = {size: measure(size, args.pages, args.repeat) for size in sizes}
    print(json.dumps(results, indent=2))
    for size, figures in results.items():
        print(
            f"{size} pages ({figures['mean_page_kb']} KB), {figures['pages']} pages: {figures['pages_per_s']} pages/s, "
            f"crawl CPU {figures['crawl_cpu_ms_per_page']} ms/page ({figures['crawl_cpu_ms_per_page_net']} net of "
            f"start-up), peak {figures['peak_rss_mb']} MB; bare trafilatura {figures['bare_trafilatura_ms_per_page']} "
            f"ms/page; newscrawl.extract {figures['newscrawl_extract_ms_per_page']} ms/page; ratio "
            f"{figures['ratio_net_crawl_to_trafilatura']} (rounds {figures['ratio_per_round']}; target <= 1.0)"
        )


def _extract_or_drop(body: bytes, url: str) -> None:
    try:
        extract(body, url)
    except Exception as exc:  # a drop reason is a result too
        if not type(exc).__module__.startswith("newscrawl"):
            raise


if __name__ == "__main__":
    main()
