"""What the not-article check and the drift guard cost per page, on the real saved pages.

``EscalateChallengeMiddleware`` and ``RetryNotArticleMiddleware`` classify each article response before the
spider parses it (``page_kind``: a text scan, else the spider's own parse, made early and kept for the
spider), and ``MeasureQualityPipeline`` strips a copy of each body. This prints the median time of
``page_kind`` on a fresh response, of what a response costs from the download to the spider's item (both
middlewares' checks and the spider's parse, ``to item``) against the spider's parse alone (``parse``),
of the strip copy, and of the full extraction; ``extra`` is what the checks add to the parse.

    PYTHONPATH=. python benchmarks/not_article_check.py
"""

from __future__ import annotations

import gc
import gzip
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from scrapy.http import HtmlResponse

from newscrawl.core.boilerplate import strip_lines
from newscrawl.core.extract import extract, parse_page
from newscrawl.core.sites import patterns_for
from newscrawl.not_article import page_kind, take_parsed

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "sites"
RUNS = 31


def median_ms(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def paired_ms(first: Callable[[], object], second: Callable[[], object]) -> tuple[float, float]:
    """Median times of two functions run in turns (each first half the time), with the garbage collector
    run between calls and not during them, so that a busy machine and the collector slow both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    pair = ((first, times[0]), (second, times[1]))
    gc.disable()
    try:
        for n in range(RUNS):
            for fn, out in pair if n % 2 else pair[::-1]:
                gc.collect()
                start = time.perf_counter()
                fn()
                out.append(time.perf_counter() - start)
    finally:
        gc.enable()
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000


def measure(site: str, page: Path) -> str:
    meta = json.loads(page.with_name(page.name.replace(".html.gz", ".meta.json")).read_text("utf-8"))
    url: str = meta["url"]
    body = gzip.decompress(page.read_bytes())
    record = extract(body, url)
    patterns = patterns_for(site)
    # a fresh response each time: page_kind keeps a parse it made for the spider
    quick = median_ms(lambda: page_kind(HtmlResponse(url, body=body, encoding="utf-8")))
    to_item, parse = paired_ms(
        lambda: checked_item(HtmlResponse(url, body=body, encoding="utf-8")), lambda: parse_page(body, url)
    )
    strip = median_ms(lambda: strip_lines(record["text"], patterns))
    full = median_ms(lambda: extract(body, url))
    name = page.name.removesuffix(".html.gz")
    return (
        f"{name:<40} {len(body):>7} {quick:>8.2f}ms {to_item:>7.1f}ms {parse:>6.1f}ms {to_item - parse:>6.1f}ms "
        f"{strip:>9.3f}ms {full:>7.1f}ms"
    )


def checked_item(response: HtmlResponse) -> object:
    page_kind(response)  # EscalateChallengeMiddleware
    page_kind(response)  # RetryNotArticleMiddleware
    return take_parsed(response)  # the spider


def main() -> None:
    print(
        f"{'page':<40} {'bytes':>7} {'page_kind':>10} {'to item':>9} {'parse':>8} {'extra':>8} "
        f"{'strip copy':>11} {'extract':>9}"
    )
    for site in ("pravda", "epravda", "champion"):
        for page in sorted((ROOT / site).glob("*.html.gz")):
            print(measure(site, page))


if __name__ == "__main__":
    main()
