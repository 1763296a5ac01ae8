"""Generic text quality on two public corpora: ``newscrawl.extract`` beside bare ``trafilatura.extract``.

The corpora are not part of this repository; give a local copy of each:

- the Article Extraction Benchmark (github.com/scrapinghub/article-extraction-benchmark): its ``html/``
  folder (181 gzipped pages) and ``ground-truth.json``;
- trafilatura's evaluation set (github.com/adbar/trafilatura): ``tests/evaldata.json`` with the pages in
  ``tests/cache/`` and ``tests/eval/``.

For example::

    git clone --depth 1 https://github.com/scrapinghub/article-extraction-benchmark /tmp/bench/aeb
    git clone --depth 1 https://github.com/adbar/trafilatura /tmp/bench/trafilatura
    python benchmarks/extraction_quality.py --aeb /tmp/bench/aeb --trafilatura /tmp/bench/trafilatura

(or set ``NEWSCRAWL_BENCH_AEB`` and ``NEWSCRAWL_BENCH_TRAFILATURA``). Every page is extracted by both in
the same run, as a page of an unknown site (the generic path: the site key comes from the page's URL).
A page that ``newscrawl.extract`` drops (no title, no body, not an article) scores as empty text. The
record's ``text`` is scored, and ``title`` + ``text`` beside it: the record holds the headline in ``title``,
trafilatura's text starts with it, and trafilatura's evaluation set often counts it as content.

Scores:

- AEB: token-shingle precision, recall and F1 as the benchmark's ``evaluate.py`` defines them: the text is
  tokenised into ``\\w+`` runs, 4-grams of tokens are counted on both sides, true/false positives and
  false negatives are the overlaps of those counts, normalised per page so a long page weighs no more
  than a short one; precision and recall are the means over pages, F1 their harmonic mean.
- trafilatura's set: each page lists snippets that must appear (``with``) and must not (``without``);
  a snippet counts when it is a substring of the whitespace-normalised output. F1 = 2tp / (2tp + fp + fn)
  over all snippets, as trafilatura's ``tests/eval_common.py`` scores it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import mean

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from newscrawl import extract  # noqa: E402
from newscrawl.drops import ArticleDropped  # noqa: E402

HOW_TO_GET = """\
The corpora are not in the repository. Get a local copy of each, e.g.:
  git clone --depth 1 https://github.com/scrapinghub/article-extraction-benchmark /tmp/bench/aeb
  git clone --depth 1 https://github.com/adbar/trafilatura /tmp/bench/trafilatura
then run:
  python benchmarks/extraction_quality.py --aeb /tmp/bench/aeb --trafilatura /tmp/bench/trafilatura
(or set NEWSCRAWL_BENCH_AEB and NEWSCRAWL_BENCH_TRAFILATURA to those folders)."""

Extractor = Callable[[bytes, str], dict[str, str]]
# The record keeps the headline in ``title`` and the body in ``text``; trafilatura's text starts with the
# headline, and trafilatura's evaluation set counts it as content, so both readings of the record are scored.
TITLE_AND_TEXT = "newscrawl title+text"


def bare_trafilatura(html: bytes, url: str) -> dict[str, str]:
    """trafilatura with the options of trafilatura's own evaluation (no comments, tables, no formatting)."""
    return {"trafilatura": trafilatura.extract(html, url=url, include_comments=False, include_tables=True) or ""}


def newscrawl_generic(html: bytes, url: str) -> dict[str, str]:
    try:
        record = extract(html, url)
    except ArticleDropped:
        return {"newscrawl": "", TITLE_AND_TEXT: ""}
    text = str(record.get("text") or "")
    return {"newscrawl": text, TITLE_AND_TEXT: f"{record.get('title') or ''}\n{text}"}


EXTRACTORS: dict[str, Extractor] = {"trafilatura": bare_trafilatura, "newscrawl": newscrawl_generic}
NAMES = ("trafilatura", "newscrawl", TITLE_AND_TEXT)


# --- AEB scoring: token 4-gram shingles ------------------------------------------------------------
_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text or "")
    # A text shorter than n tokens is one shingle of all its tokens; an empty text has none.
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def aeb_scores(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precision = mean(_precision(*c) for c in counts if c[0] + c[1] > 0)
    recall = mean(_recall(*c) for c in counts if c[0] + c[2] > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


# --- trafilatura's snippet scoring -----------------------------------------------------------------
def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Snippets:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, item: dict[str, list[str]], result: str) -> None:
        text = _norm(result)
        hits = sum(1 for w in item["with"] if _norm(w) in text)
        wrong = sum(1 for w in item["without"] if _norm(w) in text)
        self.tp += hits
        self.fn += len(item["with"]) - hits
        self.fp += wrong
        self.tn += len(item["without"]) - wrong

    def scores(self) -> tuple[float, float, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp else 0.0
        return precision, recall, f1


# --- corpora ---------------------------------------------------------------------------------------
@dataclass
class Result:
    scores: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    pages: int = 0
    counts: dict[str, str] = field(default_factory=dict)  # raw counts behind the scores, where there are any


def run_aeb(folder: Path, limit: int | None) -> Result:
    truth: dict[str, dict[str, str]] = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:limit]
    counts: dict[str, list[tuple[float, float, float]]] = {name: [] for name in NAMES}
    out = Result(pages=len(keys), seconds=dict.fromkeys(EXTRACTORS, 0.0))
    for key in keys:
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        for name, fn in EXTRACTORS.items():
            started = time.process_time()
            texts = fn(html, truth[key]["url"])
            out.seconds[name] += time.process_time() - started
            for label, text in texts.items():
                counts[label].append(tp_fp_fn(truth[key].get("articleBody", ""), text))
    out.scores = {name: aeb_scores(c) for name, c in counts.items()}
    return out


def run_trafilatura_set(folder: Path, limit: int | None) -> Result:
    tests = folder / "tests" if (folder / "tests" / "evaldata.json").exists() else folder
    data: dict[str, dict[str, list[str]]] = json.loads((tests / "evaldata.json").read_text(encoding="utf-8"))
    urls = sorted(data)[:limit]
    matrices = {name: Snippets() for name in NAMES}
    out = Result(seconds=dict.fromkeys(EXTRACTORS, 0.0))
    for url in urls:
        file = str(data[url]["file"])
        path = next((p for p in (tests / "cache" / file, tests / "eval" / file) if p.is_file()), None)
        if path is None:
            continue
        out.pages += 1
        html = path.read_bytes()
        for name, fn in EXTRACTORS.items():
            started = time.process_time()
            texts = fn(html, url)
            out.seconds[name] += time.process_time() - started
            for label, text in texts.items():
                matrices[label].add(data[url], text)
    out.scores = {name: m.scores() for name, m in matrices.items()}
    out.counts = {name: f"tp {m.tp} fp {m.fp} fn {m.fn} tn {m.tn}" for name, m in matrices.items()}
    return out


def report(title: str, result: Result) -> None:
    print(f"{title}: {result.pages} pages")
    print(f"  {'':<20} {'precision':>9} {'recall':>9} {'F1':>9} {'CPU ms/page':>12}")
    for name, (p, r, f1) in result.scores.items():
        seconds = result.seconds.get(name)
        ms = f"{1000 * seconds / max(1, result.pages):>12.1f}" if seconds is not None else ""
        print(f"  {name:<20} {p:>9.3f} {r:>9.3f} {f1:>9.3f} {ms}  {result.counts.get(name, '')}".rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--aeb", default=os.environ.get("NEWSCRAWL_BENCH_AEB"), help="AEB repository copy")
    parser.add_argument(
        "--trafilatura", default=os.environ.get("NEWSCRAWL_BENCH_TRAFILATURA"), help="trafilatura repository copy"
    )
    parser.add_argument("--limit", type=int, help="only the first N pages of each corpus (a quick look)")
    args = parser.parse_args(argv)
    if not args.aeb and not args.trafilatura:
        print(HOW_TO_GET, file=sys.stderr)
        return 2
    for label, value, probe in (
        ("--aeb", args.aeb, "ground-truth.json"),
        ("--trafilatura", args.trafilatura, "tests/evaldata.json"),
    ):
        if value and not ((Path(value) / probe).is_file() or (Path(value) / "evaldata.json").is_file()):
            print(f"{label} {value}: no {probe} there\n\n{HOW_TO_GET}", file=sys.stderr)
            return 2
    print(f"trafilatura {trafilatura.__version__}")
    if args.aeb:
        report("Article Extraction Benchmark (token 4-gram F1)", run_aeb(Path(args.aeb), args.limit))
    if args.trafilatura:
        report("trafilatura evaluation set (snippet F1)", run_trafilatura_set(Path(args.trafilatura), args.limit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
