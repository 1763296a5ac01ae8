"""A large, plain mirror of www.eurointegration.com.ua for distributed-crawl tests and benchmarks.

``n`` HAND-GENERATED Ukrainian news pages of the ``post__`` generation, rendered with the templates of
``eurointegration_pages`` (the same code path as the golden fixtures and the main e2e mirror), reached
through the news sitemap (all of them) and the paginated ``/news/`` listing (50 a page, so discovery too
is shared among workers) and the RSS feed (the newest 20). Every other discovery source is absent (404).
"""

from __future__ import annotations

from pathlib import Path

from newscrawl.samples import eurointegration as site
from newscrawl.samples import eurointegration_pages as pages

PER_PAGE = 50
FIRST_ID = 7170000


def bulk_articles(n: int) -> list[pages.Article]:
    out = []
    for i in range(n):
        day, hour, minute = 1 + i % 28, 8 + i % 12, (7 * i) % 60
        out.append(
            pages.Article(
                str(FIRST_ID + i),
                "uk",
                "news",
                pages.kyiv(2023, 5, day, hour, minute),
                f"Новина номер {i}: Рада ЄС ухвалила рішення щодо України",
                (
                    pages.p(f"Рада ЄС ухвалила рішення номер {i} щодо підтримки України, повідомили в Брюсселі."),
                    pages.p(f"Це вже {i}-й пакет заходів, погоджений державами-членами цього року."),
                    pages.p(
                        "Документ передбачає фінансову допомогу, підтримку енергетичної інфраструктури та "
                        "продовження торговельних преференцій для українських виробників; його ще мають "
                        f"затвердити національні парламенти, повідомили джерела в делегації номер {i}."
                    ),
                    pages.ad("gpt"),
                    pages.p(f"**Нагадаємо:** попереднє рішення, номер {i - 1}, набуло чинності минулого тижня."),
                ),
                "post",
                authors=("Олена Коваль",),
                tags=("ЄС", "Україна"),
            )
        )
    return out


def build_bulk_mirror(root: Path, n: int = 300) -> list[dict[str, str]]:
    """Write the mirror under ``root/www.eurointegration.com.ua``; return the expected records."""
    articles = bulk_articles(n)
    newest = sorted(articles, key=lambda a: (a.published, a.article_id), reverse=True)
    site._write(root, "/robots.txt", site.ROBOTS)
    total = (n + PER_PAGE - 1) // PER_PAGE
    for page in range(1, total + 1):
        path = "/news/" if page == 1 else f"/news/page_{page}/"
        chunk = newest[(page - 1) * PER_PAGE : page * PER_PAGE]
        pager = site._pager("/news/", page, total, "uk")
        site._write(root, path, site.listing_page("uk", "Новини", pages.BASE + path, chunk, pager))
    site._write(root, "/rss/", site.rss("uk", newest[:20]))
    site._write(root, "/sitemap/sitemap-news.xml", site.news_sitemap(newest))
    for a in articles:
        site._write(root, a.path, pages.render_article(a))
    return [a.expected() for a in articles]


def listing_pages(n: int) -> int:
    return (n + PER_PAGE - 1) // PER_PAGE
