"""The ``newscrawl`` command: tools around the crawl (``scrapy crawl SITE`` runs the crawl itself).

- ``newscrawl extract FILE --url URL``: the record the pipelines would archive for one saved page;
- ``newscrawl mirror serve DIR --port N``: serve a site mirror for offline crawls;
- ``newscrawl fixtures rebuild|add``: golden test fixtures;
- ``newscrawl archive stats|verify|export|reindex [DIR]``: the archive tools (``newscrawl.archive.cli``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from newscrawl import exitcodes

Handler = Callable[[argparse.Namespace], int]


def _read_page(path: str) -> bytes:
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data


def cmd_extract(args: argparse.Namespace) -> int:
    from newscrawl.drops import ArticleDropped
    from newscrawl.extraction import extract

    try:
        body = _read_page(args.file)
    except (OSError, EOFError) as exc:
        print(
            f"newscrawl: error: cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}",
            file=sys.stderr,
        )
        return exitcodes.FAILED
    if not args.url.startswith(("http://", "https://")):
        print(f"newscrawl: error: --url must be an http(s) URL, not {args.url!r}", file=sys.stderr)
        return exitcodes.USAGE
    if args.tz:
        from newscrawl.dates import check_zone

        try:
            check_zone(args.tz)
        except ValueError as exc:
            print(f"newscrawl: error: --tz: {exc}", file=sys.stderr)
            return exitcodes.USAGE
    try:
        record = extract(body, args.url, tz=args.tz)
    except ArticleDropped as drop:
        print(f"newscrawl: error: not archived ({drop.reason}): {drop}", file=sys.stderr)
        return exitcodes.FAILED
    json.dump(record, sys.stdout, ensure_ascii=False, indent=2 if args.pretty else None)
    sys.stdout.write("\n")
    return exitcodes.OK


def cmd_mirror_serve(args: argparse.Namespace) -> int:
    from newscrawl.mirror import serve

    root = Path(args.dir)
    if not root.is_dir():
        print(f"newscrawl: error: mirror folder not found: {root}", file=sys.stderr)
        return exitcodes.USAGE
    log = open(args.log, "a", encoding="utf-8") if args.log else None  # noqa: SIM115 - lives as long as the server
    try:
        serve(root, args.port, args.host, log)
    except OSError as exc:
        print(f"newscrawl: error: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return exitcodes.FAILED
    return exitcodes.OK


def cmd_fixtures_rebuild(args: argparse.Namespace) -> int:
    from newscrawl.fixtures import rebuild

    changed = rebuild(Path(args.root), args.site)
    for path in changed:
        print(f"rewrote {path}")
    print(f"{len(changed)} expected file(s) changed; review them with git diff", file=sys.stderr)
    return exitcodes.OK


def cmd_fixtures_add(args: argparse.Namespace) -> int:
    from newscrawl.fixtures import add
    from newscrawl.sites import SITES

    if args.site not in SITES:
        print(
            f"newscrawl: error: unknown site {args.site!r} (known: {', '.join(sorted(SITES))})",
            file=sys.stderr,
        )
        return exitcodes.USAGE
    try:
        page = add(
            Path(args.file),
            args.url,
            args.site,
            args.slug,
            real=not args.hand_written,
            note=args.note,
            root=Path(args.root),
            crawled_at=datetime.fromisoformat(args.crawled_at) if args.crawled_at else None,
        )
    except OSError as exc:
        print(f"newscrawl: error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return exitcodes.FAILED
    print(f"saved {page} and its expected output; review {page.name.replace('.html.gz', '.expected.json')}")
    return exitcodes.OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="print the archive record for one saved page")
    p.add_argument("file", help="saved page (HTML, or gzipped HTML); - for stdin")
    p.add_argument("--url", required=True, help="the page's URL (selects the site parser)")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
    p.add_argument("--tz", help="an unknown site's timezone for times without offset, e.g. Europe/Berlin")
    p.set_defaults(handler=cmd_extract)

    mirror = sub.add_parser("mirror", help="site mirrors for offline crawls").add_subparsers(
        dest="mirror_command", required=True
    )
    p = mirror.add_parser("serve", help="serve a mirror folder (HOST/PATH, index.html for PATH/)")
    p.add_argument("dir")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--log", help="append each requested path to this file")
    p.set_defaults(handler=cmd_mirror_serve)

    fixtures = sub.add_parser("fixtures", help="golden test fixtures").add_subparsers(
        dest="fixtures_command", required=True
    )
    p = fixtures.add_parser("rebuild", help="rewrite every expected.json from its saved page")
    p.add_argument("--root", default="tests/fixtures/sites")
    p.add_argument("--site")
    p.set_defaults(handler=cmd_fixtures_rebuild)
    p = fixtures.add_parser("add", help="save a page as a fixture and write its expected output")
    p.add_argument("file", help="the saved page (HTML or gzipped HTML)")
    p.add_argument("--url", required=True)
    p.add_argument("--site", required=True)
    p.add_argument("--slug", required=True, help="short name, e.g. japan_nato_office")
    p.add_argument("--note", default="saved page", help="where the page came from")
    p.add_argument("--hand-written", action="store_true", help="the page was written by hand, not saved")
    p.add_argument("--crawled-at", help="when the page was fetched, ISO 8601 with offset (default: now)")
    p.add_argument("--root", default="tests/fixtures/sites")
    p.set_defaults(handler=cmd_fixtures_add)
    from newscrawl.archive.cli import add_archive_commands

    add_archive_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
