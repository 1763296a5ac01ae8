"""The ``newscrawl`` command: tools around the crawl (``scrapy crawl SITE`` runs the crawl itself).

- ``newscrawl extract FILE --url URL``: the record the pipelines would archive for one saved page;
- ``newscrawl mirror build SITE DIR``: write a sample mirror (hand-written pages) for an offline crawl;
- ``newscrawl mirror serve DIR --port N``: serve a site mirror and print the crawl command for it;
- ``newscrawl fixtures rebuild|add``: golden test fixtures;
- ``newscrawl archive stats|verify|export|reindex|coverage|reextract [DIR]``: the archive tools
  (``newscrawl.archive.cli``).

Help text is plain (the RST markup of these docstrings is stripped) with defaults shown; output piped into
a reader that closes early (``| head``) ends quietly.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import struct
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from newscrawl import __version__, exitcodes

Handler = Callable[[argparse.Namespace], int]


class PageTooLarge(Exception):
    """A saved page above the crawl's ``DOWNLOAD_MAXSIZE``, as saved or once decompressed."""


def page_size_limit() -> int:
    """The crawl's bound on a response, also after decompression (``DOWNLOAD_MAXSIZE``; 0: none)."""
    from scrapy.utils.project import get_project_settings

    return get_project_settings().getint("DOWNLOAD_MAXSIZE")


def read_page(path: str, limit: int) -> bytes:
    """A saved page (``-``: stdin), gunzipped when gzipped, refused above ``limit`` bytes either way.

    The same bounds as a crawled response: at most ``limit + 1`` bytes are read, and a gzip is inflated
    in chunks by Scrapy's own ``gunzip`` (as ``HttpCompressionMiddleware`` does) that stops past ``limit``,
    so a small file that inflates to gigabytes never fills memory.
    """
    from scrapy.utils.gz import gunzip

    with (contextlib.nullcontext(sys.stdin.buffer) if path == "-" else open(path, "rb")) as stream:
        data = stream.read(limit + 1) if limit else stream.read()
    if limit and len(data) > limit:
        raise PageTooLarge(f"over {limit} bytes (DOWNLOAD_MAXSIZE)")
    if data[:2] == b"\x1f\x8b":
        try:
            data = gunzip(data, max_size=limit)
        except struct.error:  # gunzip lets it through for a gzip header cut short
            raise EOFError("a truncated gzip file") from None
        except ValueError:
            # scrapy.utils._compression._DecompressionMaxSizeExceeded, private upstream: a ValueError,
            # the only one gunzip raises.
            raise PageTooLarge(f"over {limit} bytes once decompressed (DOWNLOAD_MAXSIZE)") from None
    return data


def cmd_extract(args: argparse.Namespace) -> int:
    from newscrawl.core.extract import extract
    from newscrawl.core.validate import Rejected

    try:
        body = read_page(args.file, page_size_limit())
    except PageTooLarge as exc:
        print(f"newscrawl: error: not extracted: {args.file} is {exc}", file=sys.stderr)
        return exitcodes.FAILED
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
        from newscrawl.core.dates import check_zone

        try:
            check_zone(args.tz)
        except ValueError as exc:
            print(f"newscrawl: error: --tz: {exc}", file=sys.stderr)
            return exitcodes.USAGE
    try:
        record = extract(body, args.url, tz=args.tz)
    except Rejected as drop:
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
        serve(root, args.port, args.host, log, *([args.idle_timeout] if args.idle_timeout else []))
    except OSError as exc:
        print(f"newscrawl: error: cannot serve on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return exitcodes.FAILED
    return exitcodes.OK


def cmd_mirror_build(args: argparse.Namespace) -> int:
    from newscrawl.samples import BUILDERS, SAMPLE_NOTE, build

    if args.site not in BUILDERS:
        print(
            f"newscrawl: error: no sample mirror for {args.site!r} (samples: {', '.join(sorted(BUILDERS))})",
            file=sys.stderr,
        )
        return exitcodes.USAGE
    root = Path(args.dir)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        print(f"newscrawl: error: {root} exists and is not an empty folder; not writing into it", file=sys.stderr)
        return exitcodes.USAGE
    try:
        root.mkdir(parents=True, exist_ok=True)
        records = build(args.site, root)
    except OSError as exc:
        print(f"newscrawl: error: cannot write {root}: {exc.strerror}", file=sys.stderr)
        return exitcodes.FAILED
    print(f"wrote a SAMPLE mirror of {args.site} to {root}: {len(records)} hand-written sample articles")
    print(f"(sample pages, not the real site's: see {root / SAMPLE_NOTE})")
    print(f"next: newscrawl mirror serve {root}")
    return exitcodes.OK


def cmd_fixtures_rebuild(args: argparse.Namespace) -> int:
    from newscrawl.fixtures import rebuild

    changed = rebuild(Path(args.root), args.site)
    for path in changed:
        print(f"rewrote {path}")
    print(f"{len(changed)} expected file(s) changed; review them with git diff", file=sys.stderr)
    return exitcodes.OK


def cmd_fixtures_add(args: argparse.Namespace) -> int:
    from newscrawl.core.sites import SITES
    from newscrawl.fixtures import add

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


_RST = re.compile(r"``([^`]+)``|:\w+:`([^`]+)`")


def plain(text: str) -> str:
    """Help text without RST markup: ``x`` and :func:`x` become x."""
    return _RST.sub(lambda m: m.group(1) or m.group(2), text)


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Descriptions as written (lists keep their lines), each option's default shown unless it has none."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, True, argparse.SUPPRESS) or not action.help:
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose sub-commands (built with ``type(self)``) share its plain help formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        if isinstance(kwargs.get("description"), str):
            kwargs["description"] = plain(kwargs["description"])
        if isinstance(kwargs.get("help"), str):
            kwargs["help"] = plain(kwargs["help"])
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="newscrawl", description=__doc__.split("\n\nHelp text")[0])
    parser.add_argument("--version", action="version", version=f"newscrawl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("extract", help="print the archive record for one saved page")
    p.add_argument("file", help="saved page (HTML, or gzipped HTML); - for stdin")
    p.add_argument("--url", required=True, help="the page's URL (selects the site parser)")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
    p.add_argument("--tz", help="an unknown site's timezone for times without offset, e.g. Europe/Berlin")
    p.set_defaults(handler=cmd_extract)

    mirror = sub.add_parser("mirror", help="site mirrors for offline crawls").add_subparsers(
        dest="mirror_command", required=True, metavar="COMMAND"
    )
    p = mirror.add_parser(
        "build",
        help="write a sample mirror (hand-written pages) to try a crawl offline",
        description="Write a SAMPLE mirror of SITE into DIR: hand-written pages in the site's layout (not the "
        "real site's content), with README.txt saying so. Then: newscrawl mirror serve DIR.",
    )
    p.add_argument("site", metavar="SITE", help="site key (samples: eurointegration)")
    p.add_argument("dir", metavar="DIR", help="a new or empty folder")
    p.set_defaults(handler=cmd_mirror_build)
    p = mirror.add_parser(
        "serve",
        help="serve a mirror folder (HOST/PATH, index.html for PATH/) and print the crawl command",
        description="Serve a mirror folder (HOST/PATH, index.html for PATH/) until Ctrl-C, and print the "
        "scrapy crawl command that reads from it.",
    )
    p.add_argument("dir", metavar="DIR", help="the mirror folder")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free port)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--log", help="append each requested path to this file")
    p.add_argument(
        "--idle-timeout", type=float, help="seconds before a silent connection is closed (default: 30)"
    )
    p.set_defaults(handler=cmd_mirror_serve)

    fixtures = sub.add_parser("fixtures", help="golden test fixtures").add_subparsers(
        dest="fixtures_command", required=True, metavar="COMMAND"
    )
    p = fixtures.add_parser("rebuild", help="rewrite every expected.json from its saved page")
    p.add_argument("--root", default="tests/fixtures/sites", help="the fixtures folder")
    p.add_argument("--site", help="only this site (default: every site)")
    p.set_defaults(handler=cmd_fixtures_rebuild)
    p = fixtures.add_parser("add", help="save a page as a fixture and write its expected output")
    p.add_argument("file", help="the saved page (HTML or gzipped HTML)")
    p.add_argument("--url", required=True, help="the page's URL")
    p.add_argument("--site", required=True, help="site key")
    p.add_argument("--slug", required=True, help="short name, e.g. japan_nato_office")
    p.add_argument("--note", default="saved page", help="where the page came from")
    p.add_argument("--hand-written", action="store_true", help="the page was written by hand, not saved")
    p.add_argument("--crawled-at", help="when the page was fetched, ISO 8601 with offset (default: now)")
    p.add_argument("--root", default="tests/fixtures/sites", help="the fixtures folder")
    p.set_defaults(handler=cmd_fixtures_add)
    from newscrawl.archive.cli import add_archive_commands

    add_archive_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        code = handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (`| head`) closed the pipe: stop quietly, as cat does. Python would otherwise report
        # the error again when it flushes stdout at exit; point stdout at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return exitcodes.OK
    except KeyboardInterrupt:
        print("newscrawl: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
