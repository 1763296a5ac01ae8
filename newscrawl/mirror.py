"""Offline crawls: send every request to a local mirror of the site while records keep the real URLs.

With ``NEWSCRAWL_MIRROR=http://127.0.0.1:8000`` a request for ``https://HOST/PATH?QUERY`` is downloaded
from ``http://127.0.0.1:8000/HOST/PATH?QUERY``; the response comes back under the real URL, so
everything above the download handler (offsite filtering, robots.txt, cookies, retries, parsing, the
archive) behaves exactly as in a live crawl. A mirror is a folder ``HOST/PATH`` with ``index.html`` for
paths ending in ``/``; :func:`serve` serves one. This module holds the URL mapping and the server; the
download handler that uses the mapping is ``newscrawl.download``.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO
from urllib.parse import unquote, urlsplit


def validate_mirror(value: str) -> str:
    """The mirror base URL without a trailing slash; ValueError with a readable message if malformed."""
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"NEWSCRAWL_MIRROR must be an http(s) URL such as http://127.0.0.1:8000, not {value!r}")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"NEWSCRAWL_MIRROR has a bad port: {value!r}") from None
    return value.strip().rstrip("/")


def mirror_url(mirror: str, url: str) -> str:
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror}/{parts.netloc}{path}{query}"


def _content_type(path: Path, body: bytes) -> str:
    if body[:2] == b"\x1f\x8b":
        return "application/x-gzip"
    if path.name == "robots.txt":
        return "text/plain"
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<?xml", b"<rss", b"<urlset", b"<sitemapindex", b"<feed")):
        return "application/xml"
    return "text/html"  # no charset: the page's own <meta> decides, as on the old cp1251 pages


MAX_PATH = 8192  # longest request target answered; a longer one gets 400, as a NUL byte does
IDLE_TIMEOUT = 30.0  # seconds a connection may stay silent before the server closes it


def make_handler(root: Path, log: IO[str] | None, idle_timeout: float = IDLE_TIMEOUT) -> type[BaseHTTPRequestHandler]:
    lock = threading.Lock()
    base = root.resolve()

    class MirrorHandler(BaseHTTPRequestHandler):
        server_version = "newscrawl-mirror"
        # Connections stay open between requests, as a live site's do (Scrapy keeps a pool of them); an
        # HTTP/1.0 answer closed each one, so every page cost the crawl a new TCP connection.
        protocol_version = "HTTP/1.1"
        # StreamRequestHandler puts this timeout on the socket; handle_one_request() closes the connection
        # when a read times out, so a client that connects and sends nothing holds no thread for long.
        timeout = idle_timeout

        def do_GET(self) -> None:
            if log is not None:
                with lock:
                    log.write(self.path + "\n")
                    log.flush()
            target = self._target()
            if isinstance(target, int):
                self.send_error(target)  # 400 also closes the connection: the request was not understood
                return
            body = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", _content_type(target, body))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _target(self) -> Path | int:
            """The file asked for, else the status to answer: 404, or 400 for a path no file can have."""
            if len(self.path) > MAX_PATH:
                return 400
            try:
                path = unquote(urlsplit(self.path).path)  # ValueError: an absolute form such as http://[::1/
                if "\x00" in path:
                    return 400
                target = (root / path.lstrip("/")).resolve()
                if target.is_dir():
                    target = target / "index.html"
                found = base in target.parents and target.is_file()
            except (OSError, ValueError):  # a name too long for the file system, a loop of links
                return 400
            return target if found else 404

        def log_message(self, format: str, *args: object) -> None:
            pass

    return MirrorHandler


def make_server(
    root: Path,
    port: int = 0,
    host: str = "127.0.0.1",
    log: IO[str] | None = None,
    idle_timeout: float = IDLE_TIMEOUT,
) -> ThreadingHTTPServer:
    if not root.is_dir():
        raise FileNotFoundError(f"mirror folder not found: {root}")
    return ThreadingHTTPServer((host, port), make_handler(root, log, idle_timeout))


def crawl_commands(root: Path, url: str) -> list[str]:
    """The ``scrapy crawl`` command for each site whose host folder the mirror holds."""
    from newscrawl.core.sites import site_for_url

    keys = []
    for folder in sorted(p.name for p in root.iterdir() if p.is_dir()):
        site = site_for_url(f"https://{folder}/")
        if site is not None and site.key not in keys:
            keys.append(site.key)
    return [f"scrapy crawl {key} -s NEWSCRAWL_MIRROR={url}" for key in keys]


def serve(
    root: Path, port: int, host: str = "127.0.0.1", log: IO[str] | None = None, idle_timeout: float = IDLE_TIMEOUT
) -> None:
    server = make_server(root, port, host, log, idle_timeout)
    bound = host if ":" not in host else f"[{host}]"
    url = f"http://{bound}:{server.server_address[1]}"
    lines = [f"serving {root} on {url} (Ctrl-C to stop)"]
    commands = crawl_commands(root, url)
    if commands:
        lines.append("crawl it from the project folder (where scrapy.cfg is) with:")
        lines += [f"  {command}" for command in commands]
    else:
        lines.append(f"no site's host folder in {root}; crawl with: scrapy crawl SITE -s NEWSCRAWL_MIRROR={url}")
    print("\n".join(lines), file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
