"""What the not-article check and the drift guard cost per page, on the real saved pages.

``RetryNotArticleMiddleware`` classifies each article response (``page_kind``: a text scan, and the HTML
parse of ``detect_kind`` only when the scan cannot decide) before the spider parses it, and
``MeasureQualityPipeline`` strips a copy of each body; this prints the median time of each (and of the
full ``detect_kind``) beside the full extraction of the same page, and the middleware's share of it.

    python benchmarks/not_article_check.py
"""

from __future__ import annotations

import gzip
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from newscrawl.dates import utc_now
from newscrawl.extraction import extract
from newscrawl.not_article import page_kind
from newscrawl.pipelines.strip_boilerplate import patterns_for, strip_lines
from newscrawl.sites.base import Page, detect_kind

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sites"
RUNS = 15


def median_ms(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(site: str, page: Path) -> str:
    meta = json.loads(page.with_name(page.name.replace(".html.gz", ".meta.json")).read_text("utf-8"))
    url: str = meta["url"]
    body = gzip.decompress(page.read_bytes())
    text = body.decode("utf-8")
    record = extract(body, url)
    patterns = patterns_for(site)
    quick = median_ms(lambda: page_kind(url, text))
    detect = median_ms(lambda: detect_kind(Page(url=url, text=text, crawled_at=utc_now())))
    strip = median_ms(lambda: strip_lines(record["text"], patterns))
    full = median_ms(lambda: extract(body, url))
    name = page.name.removesuffix(".html.gz")
    return (
        f"{name:<40} {len(body):>7} {quick:>8.2f}ms {detect:>10.2f}ms {strip:>9.3f}ms {full:>7.1f}ms "
        f"{quick / full:>6.3f}"
    )


def main() -> None:
    print(
        f"{'page':<40} {'bytes':>7} {'page_kind':>10} {'detect_kind':>12} {'strip copy':>11} {'extract':>9} "
        f"{'ratio':>6}"
    )
    for site in ("pravda", "epravda", "champion"):
        for page in sorted((ROOT / site).glob("*.html.gz")):
            print(measure(site, page))


if __name__ == "__main__":
    main()
