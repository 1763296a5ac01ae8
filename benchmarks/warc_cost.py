"""Disk cost of the raw capture: compressed WARC bytes per archived article beside the JSONL's.

    python benchmarks/warc_cost.py output            # an archive a crawl wrote (e.g. the mirror quick start)
    python benchmarks/warc_cost.py --fixtures        # the real saved pages of tests/fixtures/sites

For an archive: per site, the articles (JSONL records with a capture), the JSONL bytes per article, and the
bytes of WARC per article (whole files: warcinfo, response and request records, and any revisits). For
the fixtures: each real page (``"real": true`` in its meta file) written through the crawl's WARC writer as
a response served without content-encoding, beside its record as the pipelines archive it.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newscrawl.archive.store import archive_files, capture_files  # noqa: E402
from newscrawl.archive.warc import Exchange, WarcWriter, warc_date  # noqa: E402
from newscrawl.record import dumps  # noqa: E402


def archive_cost(root: Path) -> list[tuple[str, int, int, int]]:
    """(site, articles with a capture, JSONL bytes, WARC bytes) per site."""
    jsonl: dict[str, int] = defaultdict(int)
    articles: dict[str, int] = defaultdict(int)
    warc: dict[str, int] = defaultdict(int)
    for path in archive_files(root):
        site = path.relative_to(root).parts[0]
        jsonl[site] += path.stat().st_size
        articles[site] += sum(1 for line in path.read_bytes().splitlines() if b'"capture":' in line)
    for path in capture_files(root):
        warc[path.relative_to(root).parts[0]] += path.stat().st_size
    return [(site, articles[site], jsonl[site], warc[site]) for site in sorted(jsonl)]


def fixtures_cost() -> list[tuple[str, int, int, int]]:
    from newscrawl import extract

    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for meta_path in sorted((ROOT / "tests" / "fixtures" / "sites").glob("*/*.meta.json")):
            meta = json.loads(meta_path.read_text("utf-8"))
            if not meta.get("real"):
                continue
            site = meta_path.parent.name
            body = gzip.decompress(meta_path.with_name(meta_path.name.replace(".meta.json", ".html.gz")).read_bytes())
            record = extract(body, meta["url"], datetime.fromisoformat(meta["crawled_at"]))
            (out / site).mkdir(exist_ok=True)
            writer = WarcWriter(out, f"{site}/{meta_path.stem}.warc.gz", {"software": "newscrawl"})
            record["capture"] = writer.write_exchange(
                Exchange(meta["url"], 200, [("Content-Type", "text/html; charset=utf-8")], body),
                warc_date(record["crawled_at"]),
            )
            final = writer.close()
            rows[site][0] += 1
            rows[site][1] += len(dumps(record))
            rows[site][2] += final.stat().st_size
    return [(site, n, j, w) for site, (n, j, w) in sorted(rows.items())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, help="an archive folder (NEWSCRAWL_OUTPUT)")
    parser.add_argument("--fixtures", action="store_true", help="the real saved pages of the golden tests")
    args = parser.parse_args()
    if not args.fixtures and args.root is None:
        parser.error("give an archive folder or --fixtures")
    rows = fixtures_cost() if args.fixtures else archive_cost(args.root)
    print(f"{'site':<16} {'articles':>8} {'JSONL B/article':>16} {'WARC B/article':>15} {'WARC/JSONL':>10}")
    total = [0, 0, 0]
    for site, n, j, w in rows:
        total = [total[0] + n, total[1] + j, total[2] + w]
        if n:
            print(f"{site:<16} {n:>8} {j / n:>16,.0f} {w / n:>15,.0f} {w / j:>10.2f}")
    n, j, w = total
    if n:
        print(f"{'total':<16} {n:>8} {j / n:>16,.0f} {w / n:>15,.0f} {w / j:>10.2f}")


if __name__ == "__main__":
    main()
