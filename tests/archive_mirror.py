"""A small eurointegration mirror for the archive tests: N current-platform news pages and an RSS feed.

Each page can be rewritten between runs (``write_article``) to make a revision. The shared mirror
builder (``newscrawl/samples/eurointegration.py``) covers the site's layouts; this one only needs pages whose
text the tests control exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

HOST = "www.eurointegration.com.ua"
BASE = f"https://{HOST}"


@dataclass(frozen=True)
class Article:
    article_id: int
    day: int  # of May 2023
    title: str
    paragraphs: tuple[str, ...]
    modified: str | None = None

    @property
    def path(self) -> str:
        return f"news/2023/05/{self.day}/{self.article_id}/"

    @property
    def url(self) -> str:
        return f"{BASE}/{self.path}"

    @property
    def key(self) -> str:
        return f"eurointegration:uk:{self.article_id}"

    @property
    def published(self) -> str:
        return f"2023-05-{self.day:02d}T11:{self.article_id % 60:02d}:00+03:00"

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def article(n: int) -> Article:
    """The n-th test article (0-based): ids 7161900+n, newest first by day."""
    return Article(
        article_id=7161900 + n,
        day=28 - n,
        title=f"Новина номер {n}: Рада ЄС ухвалила рішення",
        paragraphs=(
            f"Перший абзац новини {n} про рішення Ради ЄС щодо України.",
            f"Другий абзац новини {n}: деталі ухвали та коментарі дипломатів.",
            "Джерело: Європейська правда.",
        ),
    )


def page_html(a: Article) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "datePublished": a.published,
        **({"dateModified": a.modified} if a.modified else {}),
        "author": [{"@type": "Person", "name": "Ольга Глущенко"}],
    }
    body = "\n".join(f"<p>{p}</p>" for p in a.paragraphs)
    return f"""<!DOCTYPE html>
<html lang="uk"><head><meta charset="utf-8">
<title>{a.title} | Європейська правда</title>
<link rel="canonical" href="{a.url}">
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False)}</script>
</head><body>
<header><nav><a href="/">Головна</a> <a href="/news/">Новини</a></nav></header>
<main><article class="post_news">
<h1 class="post_news_title">{a.title}</h1>
<div class="post_news_date">Ольга Глущенко — {a.day} травня 2023, 11:00</div>
<div class="post_news_text">
{body}
</div>
<div class="post_news_tags"><a href="/tags/eu/">ЄС</a></div>
</article></main>
<footer>© Європейська правда</footer>
</body></html>
"""


def feed_xml(articles: list[Article]) -> str:
    items = "\n".join(
        f"<item><title>{a.title}</title><link>{a.url}</link><guid>{a.url}</guid></item>" for a in articles
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title></title><link>{BASE}/</link>
{items}
</channel></rss>
"""


def write_article(root: Path, a: Article) -> None:
    folder = root / HOST / a.path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(page_html(a), encoding="utf-8")


def build(root: Path, count: int) -> list[Article]:
    """A mirror of ``count`` articles listed newest first in ``/rss/``; returns them in feed order."""
    articles = [article(n) for n in range(count)]
    for a in articles:
        write_article(root, a)
    feed = root / HOST / "rss"
    feed.mkdir(parents=True, exist_ok=True)
    (feed / "index.html").write_text(feed_xml(articles), encoding="utf-8")
    (root / HOST / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    return articles
