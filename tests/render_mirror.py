"""Hand-written eurointegration pages for the rendering tests and benchmark, and a mirror server with tricks.

The pages follow the ``post__`` generation (SITES.md). Variants: an article whose body a same-site script
inserts from data on the page (empty for a plain download), a plain server-side article, a JavaScript
challenge that sets the ``cbtYmTName`` cookie and reloads (the server answers with the article only when
the cookie comes back), and a page whose server never answers.
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from newscrawl.mirror import make_handler

HOST = "www.eurointegration.com.ua"
BASE = f"https://{HOST}"
CHALLENGE_COOKIE = "cbtYmTName"
CHALLENGE_TOKEN = "a1b2c3"

# The script that builds the body from the page's data, as client-rendered sites do.
RENDER_SCRIPT = """document.addEventListener('DOMContentLoaded', function () {
  var box = document.querySelector('div.post__text');
  window.__ARTICLE__.paragraphs.forEach(function (text) {
    var p = document.createElement('p'); p.textContent = text; box.appendChild(p);
  });
});
"""


@dataclass
class Article:
    article_id: int
    title: str
    paragraphs: Sequence[str]
    section: str = "news"
    day: str = "2023/05/10"
    js_body: bool = False

    @property
    def path(self) -> str:
        y, m, d = self.day.split("/")
        return f"/{self.section}/{y}/{m}/{int(d)}/{self.article_id}/"  # the canonical spelling

    @property
    def url(self) -> str:
        return BASE + self.path

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def article_html(article: Article) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": "2023-05-10T11:21:00+03:00",
    }
    if article.js_body:
        body = ""
        data = "<script>window.__ARTICLE__ = " + json.dumps({"paragraphs": list(article.paragraphs)}) + ";</script>"
        scripts = data + '<script src="/static/article.js"></script>'
    else:
        body = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
        scripts = ""
    return f"""<!DOCTYPE html>
<html lang="uk"><head><meta charset="utf-8"><title>{html.escape(article.title)}</title>
<link rel="canonical" href="{article.url}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
<script async src="https://counter.example.net/track.js"></script>
</head><body>
<div class="block_post">
<h1 class="post__title">{html.escape(article.title)}</h1>
<div class="post__time">Середа, 10 травня 2023, 11:21</div>
<img src="/images/{article.article_id}.jpg" alt="">
<div class="post__text">{body}</div>
</div>
{scripts}
</body></html>
"""


def challenge_html() -> str:
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title></title>
<script>document.cookie = "{CHALLENGE_COOKIE}={CHALLENGE_TOKEN}; path=/";
setTimeout(function () {{ location.reload(); }}, 100);</script>
</head><body></body></html>
"""


def homepage_html(urls: Sequence[str]) -> str:
    links = "\n".join(f'<a href="{u}">{u}</a>' for u in urls)
    head = '<head><meta charset="utf-8"><title>Європейська правда</title></head>'
    return f'<!DOCTYPE html><html lang="uk">{head}<body>{links}</body></html>'


def write_site(root: Path, articles: Sequence[Article], extra_links: Sequence[str] = ()) -> None:
    """A mirror folder: the homepage linking every article (plus ``extra_links``), the pages, the script."""
    site = root / HOST
    (site / "static").mkdir(parents=True, exist_ok=True)
    (site / "static" / "article.js").write_text(RENDER_SCRIPT, "utf-8")
    (site / "index.html").write_text(homepage_html([a.url for a in articles] + list(extra_links)), "utf-8")
    for article in articles:
        page = site / article.path.strip("/") / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(article_html(article), "utf-8")


@dataclass
class TrickServer:
    """A mirror of ``root`` on 127.0.0.1 whose ``challenged`` paths need the cookie and ``hanging`` never answer."""

    root: Path
    challenged: dict[str, str] = field(default_factory=dict)  # mirror path -> article HTML behind the challenge
    hanging: set[str] = field(default_factory=set)
    log: list[tuple[str, bool]] = field(default_factory=list)  # (path, cookie sent)
    _server: Any = None
    _release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> str:
        base = make_handler(self.root, None)
        outer = self

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                has_cookie = f"{CHALLENGE_COOKIE}={CHALLENGE_TOKEN}" in (self.headers.get("Cookie") or "")
                outer.log.append((path, has_cookie))
                if path in outer.hanging:
                    outer._release.wait(30)
                    return
                if path in outer.challenged:
                    page = outer.challenged[path] if has_cookie else challenge_html()
                    _send(self, page)
                    return
                super().do_GET()

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def _send(handler: BaseHTTPRequestHandler, page: str) -> None:
    body = page.encode("utf-8")
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
