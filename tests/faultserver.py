"""A fault-injecting HTTP server for the tests, on 127.0.0.1 only: a hostile web in one process.

:class:`FaultServer` serves a table of routes (full request path -> :data:`Behaviour`), logs every request
it receives with its arrival time, and can be stopped at any moment: handlers that stall (timeouts, slow
drips) wait on the server's stop event, threads are daemons, and at most ``max_threads`` requests are
handled at once. Behaviours are small functions of the handler and how many times this path has been
asked for, so "fails once, then succeeds" is ``fail_first(1, status(500), page(...))``.

:func:`hostile_eurointegration` builds the site the fault tests crawl: eurointegration URL shapes under the
mirror scheme (``NEWSCRAWL_MIRROR``: ``https://www.eurointegration.com.ua/PATH`` arrives here as
``/www.eurointegration.com.ua/PATH``), feeds and listings linking to articles of three kinds: eventually
servable (archived exactly once, with known text), always failing (counted by reason), and junk.
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = Callable[["FaultHandler", int], None]

HOST = "www.eurointegration.com.ua"
BARE_HOST = "eurointegration.com.ua"
SITE = f"https://{HOST}"
STALL_MAX = 60.0  # no handler stalls longer than this, stop or not


@dataclass(frozen=True)
class Hit:
    at: float  # time.monotonic() when the request line arrived
    path: str
    user_agent: str


class FaultHandler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "newscrawl-faultserver"
    protocol_version = "HTTP/1.0"  # one request per connection: resets and truncations stay per request

    def do_GET(self) -> None:
        count = self.server.owner.record(self.path, self.headers.get("User-Agent", ""))
        behaviour = self.server.owner.routes.get(self.path)
        if behaviour is None:
            behaviour = status(404)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up: expected
            behaviour(self, count)

    def log_message(self, format: str, *args: object) -> None:
        pass

    # helpers for behaviours
    def send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def stall(self, seconds: float) -> bool:
        """Wait up to ``seconds``; False when the server is stopping."""
        return not self.server.owner.stopping.wait(min(seconds, STALL_MAX))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: FaultServer

    def process_request(self, request: Any, client_address: Any) -> None:
        self.owner.slots.acquire()  # bounded: the accept loop waits while max_threads requests run
        try:
            super().process_request(request, client_address)
        except Exception:
            self.owner.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.owner.slots.release()


@dataclass
class FaultServer:
    routes: dict[str, Behaviour]
    max_threads: int = 32
    hits: list[Hit] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.slots = threading.BoundedSemaphore(self.max_threads)
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._server = _Server(("127.0.0.1", 0), FaultHandler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def record(self, path: str, user_agent: str = "") -> int:
        with self._lock:
            self.hits.append(Hit(time.monotonic(), path, user_agent))
            self._counts[path] = self._counts.get(path, 0) + 1
            return self._counts[path]

    def paths(self) -> list[str]:
        with self._lock:
            return [hit.path for hit in self.hits]

    def times(self, path: str) -> list[float]:
        with self._lock:
            return [hit.at for hit in self.hits if hit.path == path]


# --- behaviours -------------------------------------------------------------------------------------
def page(body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> Behaviour:
    def serve(h: FaultHandler, n: int) -> None:
        h.send(200, body, {"Content-Type": content_type, **headers})

    return serve


def status(code: int, retry_after: str | None = None) -> Behaviour:
    def serve(h: FaultHandler, n: int) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if retry_after is not None:
            headers["Retry-After"] = retry_after
        h.send(code, f"<html><body><h1>Error {code}</h1></body></html>".encode(), headers)

    return serve


def fail_first(times: int, fault: Behaviour, then: Behaviour) -> Behaviour:
    def serve(h: FaultHandler, n: int) -> None:
        (fault if n <= times else then)(h, n)

    return serve


def hang(h: FaultHandler, n: int) -> None:
    """Never answer (until the client gives up or the server stops)."""
    h.stall(STALL_MAX)


def reset(h: FaultHandler, n: int) -> None:
    """Close the connection with a TCP RST before any response."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


def truncated(body: bytes) -> Behaviour:
    """Promise the whole body in Content-Length, send half of it, close."""

    def serve(h: FaultHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body[: len(body) // 2])
        h.wfile.flush()
        h.close_connection = True

    return serve


def drip(body: bytes, seconds: float, chunks: int = 10) -> Behaviour:
    """Send the body in ``chunks`` pieces spread over ``seconds``."""

    def serve(h: FaultHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        size = -(-len(body) // chunks)
        for i in range(chunks):
            h.wfile.write(body[i * size : (i + 1) * size])
            h.wfile.flush()
            if i < chunks - 1 and not h.stall(seconds / chunks):
                return

    return serve


def huge(size: int, *, with_length: bool) -> Behaviour:
    """An HTML page of ``size`` bytes, streamed in 1 MiB pieces, with or without Content-Length."""
    filler = b"<p>" + b"x" * (1024 * 1024 - 8) + b"</p>\n"

    def serve(h: FaultHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        if with_length:
            h.send_header("Content-Length", str(size))
        h.end_headers()
        sent = 0
        while sent < size and not h.server.owner.stopping.is_set():
            piece = filler[: size - sent]
            h.wfile.write(piece)
            sent += len(piece)

    return serve


@lru_cache(maxsize=1)
def gzip_bomb_body(size: int = 512 * 1024 * 1024) -> bytes:
    """``size`` zero bytes, gzipped (about 1/1000 of that on the wire)."""
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = b"\0" * (1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(size // len(chunk))]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_bomb(h: FaultHandler, n: int) -> None:
    h.send(200, gzip_bomb_body(), {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})


def redirect(location: str, code: int = 301) -> Behaviour:
    def serve(h: FaultHandler, n: int) -> None:
        h.send(code, b"", {"Location": location, "Content-Type": "text/html"})

    return serve


# --- the hostile eurointegration site ------------------------------------------------------------------
@dataclass(frozen=True)
class Article:
    article_id: int
    title: str
    paragraphs: tuple[str, ...]
    path: str = ""  # path below the host, e.g. news/2023/05/10/7160001/

    @property
    def url(self) -> str:
        return f"{SITE}/{self.path}"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def article(article_id: int) -> Article:
    """Distinct Ukrainian text per id, with the letters a wrong charset garbles (є, ї, і, ґ)."""
    title = f"Євросоюз і Україна погодили ґрунтовні зміни, випуск {article_id}"
    paragraphs = (
        f"Перший абзац статті {article_id}: Єврокомісія оприлюднила їхній спільний план щодо ґрантів.",
        f"Другий абзац статті {article_id}: «Ми готові», — заявили в Брюсселі, і це важливо для Києва.",
        f"Третій абзац статті {article_id}: подальші кроки обговорять у червні; їх підтримають усі.",
    )
    return Article(article_id, title, paragraphs, f"news/2023/05/10/{article_id}/")


def post_page(a: Article, charset: str | None = "utf-8", *, broken: bool = False) -> str:
    """A ``post__``-generation article page (2019-2024 layout); ``broken`` mangles the markup."""
    meta = f'<meta charset="{charset}">' if charset else ""
    paras = "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    if broken:  # unclosed paragraphs, a stray closing tag, an unquoted attribute, no </body></html>
        paras = "".join(f"<p class=lead>{escape(p)}" for p in a.paragraphs) + "</span></b>"
    tail = "" if broken else "</body></html>"
    return (
        f'<!DOCTYPE html><html lang="uk"><head>{meta}<title>{escape(a.title)}</title>'
        f'<link rel="canonical" href="{a.url}"></head><body>'
        f'<div class="block_post"><h1 class="post__title">{escape(a.title)}</h1>'
        f'<div class="post__time">Середа, 10 травня 2023, 11:21</div>'
        f'<div class="post__text">{paras}</div>'
        '<div class="post__report">Якщо ви помітили помилку, виділіть необхідний текст і натисніть Ctrl + Enter, '
        "щоб повідомити про це редакцію.</div></div>" + tail
    )


def old_page(a: Article) -> str:
    """An old-generation page (until about 2018), which declared no charset and was windows-1251."""
    paras = "".join(f"<p>{escape(p)}</p>" for p in a.paragraphs)
    return (
        f"<html><head><title>{escape(a.title)}</title></head><body><div class=\"rpad\">"
        f'<h1 class="title">{escape(a.title)}</h1><span class="dt2"><b>Іван Петренко</b>, '
        f'Середа, 10 травня 2023, 11:21</span><div class="text">{paras}</div></div></body></html>'
    )


def rss(urls: list[str]) -> bytes:
    items = "".join(f"<item><title>x</title><link>{u}</link><guid>{u}</guid></item>" for u in urls)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title></title>'
        f"{items}</channel></rss>"
    ).encode()


def listing(links: list[str]) -> bytes:
    body = "".join(f'<li><a href="{escape(u)}">link</a></li>' for u in links)
    return f"<html><head><meta charset='utf-8'></head><body><ul>{body}</ul></body></html>".encode()


def urlset(urls: list[str]) -> bytes:
    entries = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"{entries}</urlset>"
    ).encode()


@dataclass
class HostileSite:
    routes: dict[str, Behaviour]
    servable: list[Article]  # archived exactly once each, with exactly this text
    failing: dict[str, str]  # article URL -> the reason it is counted under (newscrawl/failed/<reason>)
    dropped: dict[str, str]  # article URL -> the drop reason (newscrawl/dropped/<reason>)
    sources_failing: dict[str, str]  # discovery URL -> failure reason
    never_requested: list[str]  # request paths the crawl must never send
    crawl_delay: float
    max_pages: int


def hostile_eurointegration(crawl_delay: float = 0.25, max_pages: int = 3) -> HostileSite:
    """Every fault of the fault table behind one eurointegration-shaped site; see the module docstring."""
    routes: dict[str, Behaviour] = {}

    def at(path: str, behaviour: Behaviour, host: str = HOST) -> None:
        routes[f"/{host}/{path}"] = behaviour

    def ok(a: Article) -> Behaviour:
        return page(post_page(a).encode())

    robots = (
        "User-agent: *\n"
        "Disallow: /news/2023/05/10/7160114/\n"
        "Disallow: /private/\n"
        f"Crawl-delay: {crawl_delay}\n"
    ).encode()
    at("robots.txt", page(robots, "text/plain"))
    at("robots.txt", page(b"User-agent: *\nDisallow: /private/\n", "text/plain"), BARE_HOST)

    servable: list[Article] = []
    failing: dict[str, str] = {}
    dropped: dict[str, str] = {}

    def good(article_id: int, behaviour: Callable[[Article], Behaviour] = ok) -> Article:
        a = article(article_id)
        at(a.path, behaviour(a))
        servable.append(a)
        return a

    def bad(article_id: int, reason: str, behaviour: Behaviour, *, drop: bool = False) -> str:
        a = article(article_id)
        at(a.path, behaviour)
        (dropped if drop else failing)[a.url] = reason
        return a.url

    # Eventually servable: plain, then every transient fault once, then every charset trap.
    good(7160001)
    good(7160002, lambda a: fail_first(1, status(500), ok(a)))
    good(7160003, lambda a: fail_first(1, status(503, retry_after="1"), ok(a)))
    good(7160004, lambda a: fail_first(1, status(503), ok(a)))
    good(7160005, lambda a: fail_first(1, status(429, retry_after="1"), ok(a)))
    good(7160006, lambda a: fail_first(1, hang, ok(a)))
    good(7160007, lambda a: fail_first(1, reset, ok(a)))
    good(7160008, lambda a: fail_first(1, truncated(post_page(a).encode()), ok(a)))
    good(7160009, lambda a: drip(post_page(a).encode(), seconds=1.0))
    # windows-1251 bytes labelled utf-8 by HTTP; the page's <meta> says windows-1251.
    good(7160010, lambda a: page(post_page(a, "windows-1251").encode("cp1251"), "text/html; charset=utf-8"))
    # the reverse: utf-8 bytes labelled windows-1251 by HTTP; the page's <meta> says utf-8.
    good(7160011, lambda a: page(post_page(a, "utf-8").encode(), "text/html; charset=windows-1251"))
    good(7160012, lambda a: page(post_page(a, None).encode(), "text/html"))  # no charset anywhere, utf-8
    good(7160013, lambda a: page(old_page(a).encode("cp1251"), "text/html"))  # no charset anywhere, cp1251
    good(7160014, lambda a: page(post_page(a, broken=True).encode()))  # malformed HTML
    # A same-site redirect to the bare host (one of the site's hosts) is followed.
    moved = good(7160015, lambda a: redirect(f"https://{BARE_HOST}/{a.path}"))
    at(moved.path, ok(moved), BARE_HOST)
    sitemap_only = good(7160016)
    date_only = good(7160017)
    good(7160018, lambda a: page(gzip.compress(post_page(a).encode()), **{"Content-Encoding": "gzip"}))

    # Always failing, each counted by its reason.
    bad(7160101, "http_500", status(500))
    bad(7160102, "http_503", status(503, retry_after="1"))
    bad(7160103, "http_429", status(429, retry_after="3600"))  # more than NEWSCRAWL_RETRY_AFTER_MAX: no retry
    bad(7160104, "timeout", hang)
    bad(7160105, "connection_lost", reset)
    bad(7160106, "truncated", truncated(post_page(article(7160106)).encode()))
    bad(7160107, "too_large", huge(50 * 1024 * 1024, with_length=True))
    bad(7160108, "too_large", huge(50 * 1024 * 1024, with_length=False))
    gzip_bomb_body()  # built now, not while the crawler's DOWNLOAD_TIMEOUT runs
    bad(7160109, "decompression_too_large", gzip_bomb)
    bad(7160110, "binary_content", page(bytes(range(256)) * 64, "text/html; charset=utf-8"), drop=True)
    # Endless redirect chain (fresh URLs each hop) and a two-URL loop; both end at REDIRECT_MAX_TIMES.
    chain = article(7160111)
    at(chain.path, redirect(f"{chain.url}?hop=1"))
    for hop in range(1, 40):
        at(f"{chain.path}?hop={hop}", redirect(f"{chain.url}?hop={hop + 1}"))
    failing[chain.url] = "redirect_loop"
    loop = article(7160112)
    at(loop.path, redirect(f"{loop.url}?again=1", 302))
    at(f"{loop.path}?again=1", redirect(loop.url, 302))
    failing[loop.url] = "redirect_loop"
    bad(7160113, "offsite", redirect("https://evil.example.com/news/2023/05/10/7160113/"))
    bad(7160114, "robots_txt", page(post_page(article(7160114)).encode()))  # Disallowed: never requested
    bad(7160115, "http_404", status(404))
    bad(7160116, "timeout", drip(post_page(article(7160116)).encode(), seconds=30.0))
    # Junk that answers 200.
    bad(
        7160201,
        "challenge_page",
        page(b"<html><head><title>Just a moment...</title></head><body><script>cf_chl_opt={}</script></body></html>"),
        drop=True,
    )
    bad(7160202, "not_an_article", page(b"<html><body><div>Loading</div></body></html>"), drop=True)

    linked = [a.url for a in servable if a not in (sitemap_only, date_only)] + list(failing) + list(dropped)
    junk_links = [
        "https://evil.example.com/news/2023/05/10/7169999/",  # offsite, article-shaped
        "https://www.pravda.com.ua/news/2023/05/10/7160050/",  # sister site: never ours
        f"{SITE}/tags/eu/",
        f"{SITE}/authors/ivan/",
        f"{SITE}/private/news/2023/05/10/7160300/",
        "javascript:void(0)",
        "mailto:editor@example.com",
    ]
    # Sources: homepage and feed link everything; one feed always answers 503.
    at("", page(listing(linked + junk_links)))
    at("rss/", page(rss(linked), "application/rss+xml; charset=utf-8"))
    at("rss/view_news/", status(503, retry_after="1"))
    # Pagination trap: every page of /news/ links the next one, forever.
    at("news/", page(listing([*linked[:3], f"{SITE}/news/page_2/"])))
    for n in range(2, 60):
        at(f"news/page_{n}/", page(listing([linked[n % len(linked)], f"{SITE}/news/page_{n + 1}/"])))
    # /articles/ is gone: a failing discovery source.
    # Calendar trap: the day's archive links the days around it, forever.
    at(
        "news/date_10052023/",
        page(listing([date_only.url, *(f"{SITE}/news/date_{d:02d}052023/" for d in range(1, 31))])),
    )
    at("sitemap/sitemap-news.xml", page(urlset([sitemap_only.url, linked[0]]), "application/xml"))
    at(
        "sitemap/sitemap-archive.xml",
        page(
            (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{SITE}/sitemap/sitemap-2023-05.xml</loc></sitemap>"
                f"<sitemap><loc>{SITE}/sitemap/sitemap-2023-04.xml</loc></sitemap>"
                f"<sitemap><loc>{SITE}/sitemap/sitemap-archive.xml?page=2</loc></sitemap>"
                "</sitemapindex>"
            ).encode(),
            "application/xml",
        ),
    )
    # Sitemap trap: an index that pages itself forever.
    for n in range(2, 60):
        at(
            f"sitemap/sitemap-archive.xml?page={n}",
            page(
                (
                    '<?xml version="1.0" encoding="UTF-8"?>'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"<sitemap><loc>{SITE}/sitemap/sitemap-archive.xml?page={n + 1}</loc></sitemap>"
                    "</sitemapindex>"
                ).encode(),
                "application/xml",
            ),
        )
    at("sitemap/sitemap-2023-05.xml", page(urlset([sitemap_only.url]), "application/xml"))

    never = [
        f"/{HOST}/news/2023/05/10/7160114/",
        f"/{HOST}/news/page_{max_pages + 1}/",
        f"/{HOST}/news/date_09052023/",
        f"/{HOST}/news/date_11052023/",
        f"/{HOST}/sitemap/sitemap-2023-04.xml",
        f"/{HOST}/tags/eu/",
        f"/{HOST}/private/news/2023/05/10/7160300/",
    ]
    sources_failing = {f"{SITE}/rss/view_news/": "http_503", f"{SITE}/articles/": "http_404"}
    return HostileSite(routes, servable, failing, dropped, sources_failing, never, crawl_delay, max_pages)
