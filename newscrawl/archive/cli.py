"""``newscrawl archive stats|verify|export|reindex|coverage|reextract [DIR]``; DIR defaults to the configured output
folder."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newscrawl import exitcodes
from newscrawl.core.dates import parse_day

if TYPE_CHECKING:
    from newscrawl.archive.store import BadLine


def default_output() -> Path:
    """``NEWSCRAWL_OUTPUT`` from the project settings (which read the environment), else ``output``."""
    from scrapy.utils.project import get_project_settings

    return Path(get_project_settings().get("NEWSCRAWL_OUTPUT") or os.environ.get("NEWSCRAWL_OUTPUT") or "output")


def _root(args: argparse.Namespace) -> Path | None:
    root = Path(args.dir) if args.dir else default_output()
    if not root.is_dir():
        print(f"newscrawl: error: no archive folder at {root}", file=sys.stderr)
        return None
    return root


def cmd_stats(args: argparse.Namespace) -> int:
    from newscrawl.archive.tools import format_stats, stats

    root = _root(args)
    if root is None:
        return exitcodes.USAGE
    result = stats(root)
    if result.problem is not None:
        print(f"newscrawl: {result.problem}; counted from the files (newscrawl archive reindex rebuilds it)",
              file=sys.stderr)
    if args.json:
        rows = [
            {"site": s, "lang": lang, "month": m, "articles": n} for (s, lang, m), n in sorted(result.articles.items())
        ]
        doc = {"articles": rows, "records": result.records, "revised": result.revised, "files": result.files}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(format_stats(result))
    return exitcodes.OK


def cmd_verify(args: argparse.Namespace) -> int:
    from newscrawl.archive.tools import verify

    root = _root(args)
    if root is None:
        return exitcodes.USAGE
    started = time.perf_counter()
    verdict = verify(root, jobs=args.jobs)
    elapsed = time.perf_counter() - started
    for line in verdict.examples:
        print(line)
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(verdict.problems.items())) or "no problems"
    rate = verdict.records / elapsed if elapsed else 0.0
    print(
        f"verified {verdict.records} records in {verdict.files} files in {elapsed:.1f} s "
        f"({rate:,.0f} records/s): {summary}",
        file=sys.stderr,
    )
    return exitcodes.OK if verdict.ok else exitcodes.FAILED


def cmd_export(args: argparse.Namespace) -> int:
    from newscrawl.archive.tools import Filters, export, latest_records

    root = _root(args)
    if root is None:
        return exitcodes.USAGE
    try:
        since = parse_day(args.since).isoformat() if args.since else None
        until = parse_day(args.until).isoformat() if args.until else None
    except ValueError as exc:
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    filters = Filters(site=args.site, lang=args.lang, since=since, until=until)
    out = Path(args.output)
    if out.resolve().is_relative_to(root.resolve()):
        # The archive's own glob (output/*/*/*.jsonl) would read an export there as archived records.
        print(f"newscrawl: error: -o {out} is inside the archive folder {root}; write the export elsewhere",
              file=sys.stderr)
        return exitcodes.USAGE
    if out.exists() and not args.force:
        print(f"newscrawl: error: {out} exists; add --force to overwrite it", file=sys.stderr)
        return exitcodes.USAGE
    bad = 0

    def on_bad(line: BadLine) -> None:
        nonlocal bad
        bad += 1
        print(f"{root / line.name}:{line.lineno}: {line.reason}", file=sys.stderr)

    def on_problem(problem: str) -> None:
        print(f"newscrawl: {problem}; using one built from the files (newscrawl archive reindex rebuilds it)",
              file=sys.stderr)

    started = time.perf_counter()
    try:
        count = export(latest_records(root, filters, args.all_versions, on_bad, on_problem), out)
    except RuntimeError as exc:
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return exitcodes.FAILED
    elapsed = time.perf_counter() - started
    skipped = f"; {bad} bad lines skipped" if bad else ""
    print(f"exported {count} records to {out} in {elapsed:.1f} s{skipped}", file=sys.stderr)
    return exitcodes.FAILED if bad else exitcodes.OK


def cmd_reindex(args: argparse.Namespace) -> int:
    from newscrawl.archive.store import ArchiveLocked
    from newscrawl.archive.tools import reindex

    root = _root(args)
    if root is None:
        return exitcodes.USAGE
    started = time.perf_counter()
    try:
        result = reindex(root, lambda line: print(f"{root / line.name}:{line.lineno}: {line.reason}", file=sys.stderr))
    except ArchiveLocked as exc:
        print(f"newscrawl: error: {exc}; not reindexing", file=sys.stderr)
        return exitcodes.LOCKED
    elapsed = time.perf_counter() - started
    skipped = f"; {len(result.bad)} bad lines skipped" if result.bad else ""
    print(f"reindexed {result.records} records, {result.articles} articles in {elapsed:.1f} s{skipped}",
          file=sys.stderr)
    return exitcodes.FAILED if result.bad else exitcodes.OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from newscrawl.archive.coverage import PlottingMissing, coverage, format_html, format_text

    root = _root(args)
    if root is None:
        return exitcodes.USAGE
    result = coverage(root, args.site)
    if args.html:
        try:
            page = format_html(result, root)
        except PlottingMissing as exc:
            print(f"newscrawl: error: {exc}", file=sys.stderr)
            return exitcodes.USAGE
        Path(args.html).write_text(page, encoding="utf-8")
    print(format_text(result))
    return exitcodes.OK


def cmd_reextract(args: argparse.Namespace) -> int:
    from newscrawl.archive.reextract import Selection, reextract
    from newscrawl.archive.store import ArchiveError, ArchiveLocked

    root = _root(args)
    if root is None:
        return exitcodes.USAGE
    try:
        since = parse_day(args.since) if args.since else None
        until = parse_day(args.until) if args.until else None
        selection = Selection(site=args.site, since=since, until=until)
        into = Path(args.into) if args.into else None
        summary = reextract(root, selection, dry_run=args.dry_run, into=into, jobs=args.jobs)
    except ValueError as exc:  # ReextractError too: a bad folder, site or day
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return exitcodes.USAGE
    except ArchiveLocked as exc:
        print(f"newscrawl: error: {exc}; not re-extracting", file=sys.stderr)
        return exitcodes.LOCKED
    except ArchiveError as exc:
        print(f"newscrawl: error: {exc}", file=sys.stderr)
        return exitcodes.FAILED
    print(summary.line(args.dry_run), file=sys.stderr)
    return exitcodes.OK if summary.ok else exitcodes.FAILED


def add_archive_commands(sub: Any) -> None:
    archive = sub.add_parser("archive", help="inspect, check, export and reindex an archive").add_subparsers(
        dest="archive_command", required=True
    )
    dir_help = "archive folder (default: NEWSCRAWL_OUTPUT, else output)"

    p = archive.add_parser("stats", help="articles by site, language and month")
    p.add_argument("dir", nargs="?", help=dir_help)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_stats)

    p = archive.add_parser("verify", help="check schema, duplicates, torn lines and the index; non-zero on a problem")
    p.add_argument("dir", nargs="?", help=dir_help)
    p.add_argument("--jobs", type=int, help="worker processes (default: one per CPU)")
    p.set_defaults(handler=cmd_verify)

    p = archive.add_parser("export", help="one record per article as JSONL, or Parquet for *.parquet")
    p.add_argument("dir", nargs="?", help=dir_help)
    p.add_argument("-o", "--output", required=True, help="file to write (*.parquet: Parquet, else JSONL)")
    p.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    p.add_argument("--all-versions", action="store_true", help="every version, not only the latest")
    p.add_argument("--site")
    p.add_argument("--lang")
    p.add_argument("--since", help="first publication day, YYYY-MM-DD")
    p.add_argument("--until", help="last publication day, YYYY-MM-DD")
    p.set_defaults(handler=cmd_export)

    p = archive.add_parser("reindex", help="rebuild the seen-index from the files (waits for no crawl)")
    p.add_argument("dir", nargs="?", help=dir_help)
    p.set_defaults(handler=cmd_reindex)

    p = archive.add_parser("coverage", help="articles per day, site and language; likely gaps; last runs")
    p.add_argument("dir", nargs="?", help=dir_help)
    p.add_argument("--site", help="only this site")
    p.add_argument("--html", metavar="FILE", help="also write a self-contained HTML page with a chart (matplotlib)")
    p.set_defaults(handler=cmd_coverage)

    p = archive.add_parser(
        "reextract",
        help="extract the captured pages again, no network: a new version of each article that now comes out "
        "different; non-zero when a capture is missing or damaged",
    )
    p.add_argument("dir", nargs="?", help=dir_help)
    p.add_argument("--site", help="only this site")
    p.add_argument("--since", help="first crawl day (UTC), YYYY-MM-DD")
    p.add_argument("--until", help="last crawl day (UTC), YYYY-MM-DD")
    p.add_argument("--dry-run", action="store_true", help="print what would change (key: fields), write nothing")
    p.add_argument("--into", metavar="NEWDIR", help="build a fresh archive from the captures in the empty NEWDIR")
    p.add_argument("--jobs", type=int, help="worker processes (default: one per CPU)")
    p.set_defaults(handler=cmd_reextract)

