"""Benchmark of the archive at scale: a synthetic archive of N records (default 1,000,000), then

- ``newscrawl archive reindex`` (builds the seen-index from the files): time, records/s, peak memory;
- seen-index open time and lookup time per article;
- ``scrapy crawl eurointegration`` start-up against that output folder: process start to first request
  (received by a local mirror of a few pages), whole-run time and peak memory, next to the same crawl
  against an empty output folder;
- ``newscrawl archive verify`` and ``export`` (JSONL and Parquet): records/s and peak memory.

Peak memory is each subprocess's maximum resident set size (``os.wait4``). Run from the project folder:

    .venv/bin/python benchmarks/archive_bench.py [--records 1000000] [--keep DIR]

Targets (issue 3): a crawl starts within 1 s of process start-up whatever the archive's size; a crawl's
memory does not grow with the archive's size; verify reads at least 50,000 records per second.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawl.archive.index import SqliteIndex  # noqa: E402
from newscrawl.archive.store import index_path  # noqa: E402
from newscrawl.mirror import make_handler  # noqa: E402
from tests import archive_mirror  # noqa: E402

LANGS = {"uk": "", "ru": "rus/", "en": "eng/"}
PARAGRAPH = (
    "Рада ЄС ухвалила рішення щодо подальшої підтримки України, повідомили дипломатичні джерела в Брюсселі. "
    "Деталі ухвали оприлюднять після засідання міністрів закордонних справ."
)


def generate(root: Path, records: int, per_file: int = 20_000) -> int:
    """Write ``records`` records (2% of them second versions) in run files of ``per_file``; returns bytes."""
    total = 0
    written = 0
    run = 0
    articles = int(records / 1.02)
    revised = records - articles
    while written < records:
        run += 1
        path = root / "eurointegration" / "2025" / f"eurointegration-2025{1 + run % 12:02d}01T000000Z-{run}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for i in range(written, min(records, written + per_file)):
            n = i if i < articles else (i - articles) * 37 % articles  # the last 2%: revisions, each once
            version = 1 if i < articles else 2
            lang = ("uk", "ru", "en")[n % 3]
            article_id = str(6_000_000 + n // 3)
            month = 1 + (n // 3) % 12
            title = f"Новина {article_id}: рішення Ради ЄС"
            text = f"{PARAGRAPH}\nАбзац {n} версії {version}.\nДжерело: Європейська правда."
            digest = "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()
            previous = None
            if version == 2:
                old = f"{PARAGRAPH}\nАбзац {n} версії 1.\nДжерело: Європейська правда."
                previous = "sha256:" + hashlib.sha256(f"{title}\n{old}".encode()).hexdigest()
            record = {
                "url": f"https://www.eurointegration.com.ua/{LANGS[lang]}news/2024/{month:02d}/1/{article_id}/",
                "site": "eurointegration", "lang": lang, "article_id": article_id,
                "key": f"eurointegration:{lang}:{article_id}", "title": title, "authors": ["Ольга Глущенко"],
                "published": f"2024-{month:02d}-01T11:21:00+02:00", "modified": None, "section": "news",
                "tags": ["ЄС"], "text": text, "alternates": {}, "content_hash": digest, "version": version,
                "previous_hash": previous, "crawled_at": "2025-01-01T00:00:00+00:00", "parser": "upgroup/1.0",
                "extractor": "trafilatura/2.0.0", "fallbacks": [],
            }
            lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(data)
        total += len(data)
        written += len(lines)
    assert revised >= 0
    return total


def measure(cmd: list[str]) -> dict[str, Any]:
    """Run a subprocess under ``/usr/bin/time``: wall and CPU seconds, exit code, peak RSS (MB), stderr tail.

    (``os.wait4`` in this process would report the RSS it had when it forked the child, not the child's.)
    """
    with tempfile.NamedTemporaryFile("r") as timing, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        rc = subprocess.call(
            ["/usr/bin/time", "-o", timing.name, "-f", "%M %U %S", *cmd],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
        )
        elapsed = time.monotonic() - started
        err.seek(0)
        tail = err.read().decode(errors="replace")[-400:]
        fields = timing.read().split()[-3:]
    rss_kb, user, system = int(fields[0]), float(fields[1]), float(fields[2])
    return {"seconds": elapsed, "cpu": user + system, "rc": rc, "rss_mb": rss_kb / 1024, "stderr": tail}


def crawl_startup(output: Path, mirror_root: Path) -> dict[str, Any]:
    """``scrapy crawl`` against a 5-page mirror: process start to the mirror's first request."""
    first: list[float] = []
    base = make_handler(mirror_root, None)

    class Timed(base):  # type: ignore[misc,valid-type]
        def do_GET(self) -> None:
            if not first:
                first.append(time.monotonic())
            super().do_GET()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Timed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = {
            "NEWSCRAWL_OUTPUT": str(output), "NEWSCRAWL_MIRROR": f"http://127.0.0.1:{server.server_address[1]}",
            "AUTOTHROTTLE_ENABLED": "0", "DOWNLOAD_DELAY": "0", "LOG_LEVEL": "WARNING",
        }
        cmd = [sys.executable, "-m", "scrapy", "crawl", "eurointegration", "-a", "lang=uk"]
        for key, value in settings.items():
            cmd += ["-s", f"{key}={value}"]
        started = time.monotonic()
        result = measure(cmd)
        result["first_request_s"] = first[0] - started if first else float("nan")
        report = max((output / ".newscrawl" / "runs").glob("*.json"), key=lambda p: p.stat().st_mtime)
        result["archive_open_ms"] = json.loads(report.read_text("utf-8"))["archive_open_ms"]
    finally:
        server.shutdown()
        server.server_close()
    return result


def index_timings(root: Path, lookups: int = 100_000) -> dict[str, float]:
    started = time.perf_counter()
    index = SqliteIndex(index_path(root))
    index.get("eurointegration:uk:0")
    opened = time.perf_counter() - started
    keys = [f"eurointegration:{('uk', 'ru', 'en')[n % 3]}:{6_000_000 + n // 3}" for n in range(0, 900_000, 9)]
    keys = (keys * (lookups // len(keys) + 1))[:lookups]
    random.Random(1).shuffle(keys)
    started = time.perf_counter()
    found = sum(1 for k in keys if index.get(k) is not None)
    per = (time.perf_counter() - started) / lookups
    missing = [f"eurointegration:uk:{9_000_000 + n}" for n in range(lookups)]
    started = time.perf_counter()
    for k in missing:
        index.get(k)
    per_missing = (time.perf_counter() - started) / lookups
    index.close()
    return {"open_ms": opened * 1000, "lookup_us": per * 1e6, "lookup_missing_us": per_missing * 1e6,
            "found": found}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keep", help="build the archive in this folder and keep it")
    args = parser.parse_args()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="newscrawl-bench-"))
    newscrawl = [sys.executable, "-m", "newscrawl.cli", "archive"]
    try:
        big = work / "archive"
        mirror = work / "mirror"
        archive_mirror.build(mirror, 5)
        started = time.monotonic()
        size = generate(big, args.records)
        print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(f"generated {args.records:,} records, {size / 1e6:,.0f} MB in {time.monotonic() - started:.1f} s")

        r = measure([*newscrawl, "reindex", str(big)])
        print(f"reindex: {r['seconds']:.1f} s, {args.records / r['seconds']:,.0f} records/s "
              f"({args.records / r['cpu']:,.0f} per CPU-second), peak {r['rss_mb']:.0f} MB (rc {r['rc']})")
        db = index_path(big)
        print(f"index: {db.stat().st_size / 1e6:,.0f} MB")

        t = index_timings(big)
        print(f"index open: {t['open_ms']:.2f} ms; lookup: {t['lookup_us']:.1f} µs per archived article, "
              f"{t['lookup_missing_us']:.1f} µs per new one")

        imports = [measure([sys.executable, "-c", "import scrapy.crawler, newscrawl.spiders.eurointegration"])
                   for _ in range(3)]
        print(f"python + scrapy + newscrawl imports alone: {statistics.median(r['seconds'] for r in imports):.2f} s "
              f"(median of 3), peak {max(r['rss_mb'] for r in imports):.0f} MB")
        empty = work / "empty"
        empty.mkdir()
        for label, out in (("empty archive", empty), (f"{args.records:,}-record archive", big)):
            c = crawl_startup(out, mirror)
            print(f"crawl, {label}, first run (5 new articles): first request {c['first_request_s']:.2f} s after "
                  f"process start (archive open + reconcile {c['archive_open_ms']:.1f} ms), run {c['seconds']:.2f} s, "
                  f"peak {c['rss_mb']:.0f} MB (rc {c['rc']})")
            runs = [crawl_startup(out, mirror) for _ in range(3)]
            first = statistics.median(r["first_request_s"] for r in runs)
            opened = statistics.median(r["archive_open_ms"] for r in runs)
            whole = statistics.median(r["seconds"] for r in runs)
            print(f"crawl, {label}, next runs (all archived; median of 3): first request {first:.2f} s after "
                  f"process start (archive open + reconcile {opened:.1f} ms), run {whole:.2f} s, "
                  f"peak {max(r['rss_mb'] for r in runs):.0f} MB (rc {sorted({r['rc'] for r in runs})})")

        for jobs in ("1", "2"):
            r = measure([*newscrawl, "verify", str(big), "--jobs", jobs])
            print(f"verify --jobs {jobs}: {r['seconds']:.1f} s, {args.records / r['seconds']:,.0f} records/s "
                  f"({args.records / r['cpu']:,.0f} per CPU-second), peak {r['rss_mb']:.0f} MB (rc {r['rc']}): "
                  f"{r['stderr'].strip().splitlines()[-1]}")
        for name, flags in (("latest.jsonl", []), ("all.jsonl", ["--all-versions"]), ("latest.parquet", [])):
            target = work / name
            r = measure([*newscrawl, "export", str(big), "-o", str(target), *flags])
            print(f"export {name}{' --all-versions' if flags else ''}: {r['seconds']:.1f} s, "
                  f"{args.records / r['seconds']:,.0f} records read/s ({args.records / r['cpu']:,.0f} per "
                  f"CPU-second), peak {r['rss_mb']:.0f} MB, "
                  f"{target.stat().st_size / 1e6:,.0f} MB (rc {r['rc']})")
            target.unlink()
        r = measure([*newscrawl, "stats", str(big)])
        print(f"stats: {r['seconds']:.1f} s, peak {r['rss_mb']:.0f} MB")
        print(f"load average at end: {os.getloadavg()[0]:.1f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
