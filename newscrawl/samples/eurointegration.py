"""A static mirror of www.eurointegration.com.ua for end-to-end crawl tests.

Every page is HAND-WRITTEN from shared/SITES.md (no real eurointegration page exists):
articles come from ``eurointegration_pages`` (the same templates as the golden fixtures);
this module adds what a crawl discovers them through: homepages, paginated listings,
date archives, RSS feeds, nested sitemaps and robots.txt. Files go to
``root/www.eurointegration.com.ua/<path>`` (``index.html`` for paths ending in ``/``;
feeds and sitemaps hold XML, the server sniffs the type).

Traps for the crawler: links to sister sites and social networks (never to be
requested), a ``pda.`` subdomain, URL variants of articles (``http://``, no ``www``,
``?utm_source=…``, ``#comments``, a zero-padded day — that page exists too, as a static
mirror cannot redirect), old pages in windows-1251, and some articles that only one
source leads to (the 2016 Russian long read only via its monthly sitemap, some English
and Russian long reads only via RSS).
"""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

from newscrawl.samples import eurointegration_pages as pages

Article = pages.Article
HOST = pages.HOST
BASE = pages.BASE
ARTICLES = pages.ARTICLES

# Pagination of the listings (small pages, so the crawler has to follow the pager).
NEWS_PER_PAGE = {"uk": 6, "ru": 5, "en": 10}
ARTICLES_PER_PAGE = 2
# Monthly sitemaps listed in sitemap-archive.xml; other months are left out on purpose.
SITEMAP_MONTHS = ("2025-11", "2023-10", "2023-05", "2017-01", "2016-12")
DATE_ARCHIVES = (("uk", "10052023"), ("uk", "11052023"), ("ru", "10052023"), ("ru", "11052023"))


def by_url(url: str) -> Article:
    return next(a for a in ARTICLES if a.url == url)


def _a(lang: str, section: str, article_id: str) -> Article:
    return next(a for a in ARTICLES if (a.lang, a.section, a.article_id) == (lang, section, article_id))


def file_for(root: Path, path: str) -> Path:
    """Where the static mirror keeps the resource at URL ``path``."""
    target = root / HOST / path.lstrip("/")
    return target / "index.html" if path.endswith("/") else target


def _write(root: Path, path: str, data: bytes | str) -> None:
    target = file_for(root, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _newest_first(items: list[Article]) -> list[Article]:
    return sorted(items, key=lambda a: (a.published, a.article_id), reverse=True)


def news_of(lang: str) -> list[Article]:
    return _newest_first([a for a in ARTICLES if a.lang == lang and a.section == "news"])


def publications_of(lang: str) -> list[Article]:
    return _newest_first([a for a in ARTICLES if a.lang == lang and a.section != "news"])


# Variant hrefs the listings use instead of the canonical URL (same article, other spelling).
_O1 = _a("uk", "news", "7059807")
LINK_VARIANTS: dict[str, str] = {
    _O1.url: _O1.padded_path,
    _a("uk", "news", "7137700").url: "http://www.eurointegration.com.ua/news/2022/02/24/7137700/",
    _a("ru", "news", "7153513").url: "https://eurointegration.com.ua/rus/news/2023/01/3/7153513/",
    _a("uk", "news", "7162035").url: "/news/2023/05/11/7162035/#comments",
}


def _sister(lang: str, dt: datetime, n: int) -> str:
    """A Ukrainska Pravda news item mixed into our lists: a host the crawler must skip."""
    titles = {
        "uk": "Новини Української правди: головне за день",
        "ru": "Новости Украинской правды: главное за день",
        "en": "Ukrainska Pravda: the day's main news",
    }
    href = f"https://www.pravda.com.ua/{pages.LANG_PREFIX[lang]}news/{dt:%Y/%m/%d}/{8001000 + n}/"
    return f"""                    <div class="article_news article_news_partner">
                        <div class="article_time">{dt:%H:%M}</div>
                        <div class="article_title">
                            <a href="{href}" target="_blank">
                                {titles[lang]}
                            </a>
                        </div>
                    </div>"""


def _list_html(items: list[Article], lang: str) -> str:
    out: list[str] = []
    day = ""
    for n, a in enumerate(items):
        heading = pages.display_date(a.published, lang, weekday=False).rsplit(",", 1)[0]
        if heading != day:
            day = heading
            out.append(f'                    <div class="article_date_title">{heading}</div>')
        out.append(pages.news_item_html(a, href=LINK_VARIANTS.get(a.url, a.url if n % 2 else a.path)))
        if n == 1:
            out.append(_sister(lang, a.published, n))
    return "\n".join(out)


def _pager(base: str, page: int, pages_total: int, lang: str) -> str:
    if pages_total < 2:
        return ""
    links = []
    for n in range(1, pages_total + 1):
        href = base if n == 1 else f"{base}page_{n}/"
        links.append(f'<span class="current">{n}</span>' if n == page else f'<a href="{href}">{n}</a>')
    if page < pages_total:
        label = {"uk": "Наступна", "ru": "Следующая", "en": "Next"}[lang]
        links.append(f'<a class="button button_next" href="{base}page_{page + 1}/">{label}</a>')
    return '        <div class="archive-navigation">\n            ' + "\n            ".join(links) + "\n        </div>"


def listing_page(lang: str, title: str, canonical: str, items: list[Article], pager: str = "") -> str:
    head = (
        f'    <link rel="canonical" href="{canonical}" />\n'
        f'    <meta property="og:title" content="{pages.attr(title)}" />'
    )
    main = f"""<div class="main">
    <div class="section_news">
        <div class="section_title"><h1><span>{pages.esc(title)}</span></h1></div>
        <div class="section_news_wrapper">
            <div class="news_list">
{_list_html(items, lang)}
            </div>
        </div>
{pager}
    </div>
</div>"""
    return pages.current_shell(lang, title=f"{title} | {pages.SITE_NAME[lang]}", head=head, main=main)


def _paginate(root: Path, lang: str, base: str, title: str, items: list[Article], per_page: int) -> None:
    total = (len(items) + per_page - 1) // per_page
    for page in range(1, total + 1):
        path = base if page == 1 else f"{base}page_{page}/"
        chunk = items[(page - 1) * per_page : page * per_page]
        _write(root, path, listing_page(lang, title, BASE + path, chunk, _pager(base, page, total, lang)))


def homepage(lang: str) -> str:
    ui = pages.UI[lang]
    pre = f"/{pages.LANG_PREFIX[lang]}"
    news = news_of(lang)[:6]
    pubs = publications_of(lang)[:3]
    top = (news[:1] + pubs[:1]) or news[:2]
    if lang == "uk":  # the homepage spells some links in other ways
        variants = {
            _a("uk", "news", "7224181").url: "http://www.eurointegration.com.ua/news/2025/11/5/7224181/",
            _a("uk", "articles", "7224180").url: "https://eurointegration.com.ua/articles/2025/11/5/7224180/",
            _a("uk", "news", "7226000").url: "/news/2025/12/1/7226000/?utm_source=facebook&utm_medium=social",
            _a("uk", "interview", "7108500").url: "/interview/2020/02/12/7108500/#comments",
        }
        top = [_a("uk", "news", "7224181"), _a("uk", "articles", "7224180")]
        pubs = [*publications_of("uk")[:2], _a("uk", "interview", "7108500")]
    else:
        variants = {}

    def href(a: Article) -> str:
        return pages.attr(variants.get(a.url, a.url))

    top_html = "\n".join(
        f"""            <div class="article article_story_grid">
                <div class="article_media"><picture><img src="{pages.image_url(a)}?w=770&q=90"
                    alt="{pages.attr(a.title)}" loading="lazy"></img></picture></div>
                <div class="article_title"><a href="{href(a)}">{pages.esc(a.title)}</a></div>
                <div class="article_subtitle">{pages.esc(a.description)}</div>
            </div>"""
        for a in top
    )
    news_html = "\n".join(pages.news_item_html(a, href=variants.get(a.url)) for a in news)
    pubs_html = "\n".join(
        f"""            <div class="article article_list">
                <div class="article_title"><a href="{href(a)}">{pages.esc(a.title)}</a></div>
                <div class="article_date">{", ".join(pages.esc(n) for n in a.authors)}</div>
            </div>"""
        for a in pubs
    )
    head = (
        f'    <link rel="canonical" href="{BASE}{pre}" />\n'
        f'    <link rel="alternate" type="application/rss+xml" href="{BASE}{pre}rss/" />\n'
        f'    <meta property="og:title" content="{pages.SITE_NAME[lang]}" />\n'
        f'    <meta property="og:url" content="{BASE}{pre}" />'
    )
    main = f"""<div class="main">
    <div class="section_top">
        <div class="layout_wrapper">
{top_html}
        </div>
    </div>
    <div class="section_news">
        <div class="section_title"><h2><a href="{pre}news/">{ui["latest"]}</a></h2></div>
        <div class="news_grid_wrapper">
{news_html}
{_sister(lang, news[0].published, 0)}
        </div>
        <a href="{pre}news/" class="button button_more"><span class="button_text">{ui["all_news"]}</span></a>
    </div>
    <div class="section_articles">
        <div class="section_title"><h2><a href="{pre}articles/">{ui["articles"]}</a></h2></div>
{pubs_html}
    </div>
    <div class="section_partners">
        <a href="https://www.pravda.com.ua/" target="_blank">Українська правда</a>
        <a href="https://epravda.com.ua/publications/" target="_blank">Економічна правда</a>
        <a href="https://www.facebook.com/eupravda" target="_blank">Facebook</a>
        <a href="https://t.me/eurointegration_com_ua" target="_blank">Telegram</a>
    </div>
</div>"""
    title = pages.SITE_NAME[lang]
    return pages.current_shell(lang, title=title, head=head, main=main)


def date_archive(lang: str, ddmmyyyy: str) -> str:
    day = datetime.strptime(ddmmyyyy, "%d%m%Y").date()
    items = [a for a in news_of(lang) if a.published.date() == day]
    prefix = {"uk": "Новини за", "ru": "Новости за", "en": "News for"}[lang]
    title = f"{prefix} {pages.display_date(items[0].published, lang, weekday=False).rsplit(',', 1)[0]}"
    path = f"/{pages.LANG_PREFIX[lang]}news/date_{ddmmyyyy}/"
    return listing_page(lang, title, BASE + path, items)


def rss(lang: str, items: list[Article]) -> str:
    """RSS 2.0 like the site's: an empty channel title, RFC 822 dates, utm-tagged links."""
    out = []
    for n, a in enumerate(items):
        link = a.url
        if n % 3 == 0:
            link += "?utm_source=rss"
        elif n % 3 == 1:
            link += "?utm_source=rss&amp;utm_medium=rss&amp;utm_campaign=eurointegration"
        category = pages.UI[lang].get(a.section, pages.UI[lang]["news"])
        out.append(f"""    <item>
        <title>{pages.esc(a.title).replace("&nbsp;", "&#160;")}</title>
        <link>{link}</link>
        <guid isPermaLink="false">{a.article_id}-{lang}</guid>
        <pubDate>{pages.rfc822(a.published)}</pubDate>
        <category>{category}</category>
        <description><![CDATA[{a.description}]]></description>
    </item>""")
    items_xml = "\n".join(out)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
    <title></title>
    <link>{BASE}/{pages.LANG_PREFIX[lang]}</link>
    <description>{pages.SITE_NAME[lang]}</description>
    <language>{lang}</language>
    <lastBuildDate>{pages.rfc822(items[0].published)}</lastBuildDate>
    <atom:link href="{BASE}/{pages.LANG_PREFIX[lang]}rss/" rel="self" type="application/rss+xml"/>
{items_xml}
</channel>
</rss>
"""


def monthly_sitemap(month: str) -> str:
    """One language version per <url>, with xhtml:link alternates, like pravda's."""
    chosen = sorted(
        (a for a in ARTICLES if f"{a.published:%Y-%m}" == month), key=lambda a: (a.published, a.article_id, a.lang)
    )
    out = []
    for a in chosen:
        alts = "".join(
            f'\n        <xhtml:link rel="alternate" hreflang="{v.lang}" href="{v.url}"/>'
            for v in pages.alternates(a)
            if v.lang != a.lang
        )
        out.append(f"""    <url>
        <loc>{a.url}</loc>
        <lastmod>{(a.modified or a.published).isoformat()}</lastmod>{alts}
    </url>""")
    body = "\n".join(out)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">
{body}
</urlset>
"""


def sitemap_index(locs: list[str]) -> str:
    entries = "\n".join(f"    <sitemap>\n        <loc>{loc}</loc>\n    </sitemap>" for loc in locs)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{entries}
</sitemapindex>
"""


def news_sitemap(items: list[Article]) -> str:
    entries = "\n".join(
        f"""    <url>
        <loc>{a.url}</loc>
        <news:news>
            <news:publication>
                <news:name>{pages.SITE_NAME[a.lang]}</news:name>
                <news:language>{a.lang}</news:language>
            </news:publication>
            <news:publication_date>{a.published.isoformat()}</news:publication_date>
            <news:title>{pages.esc(a.title).replace("&nbsp;", "&#160;")}</news:title>
        </news:news>
    </url>"""
        for a in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{entries}
</urlset>
"""


ROBOTS = f"""User-agent: *
Disallow:

Sitemap: {BASE}/sitemap/sitemap.xml
"""


def build_mirror(root: Path) -> list[dict[str, str]]:
    """Write the mirror under ``root/www.eurointegration.com.ua`` and return the expected
    archive records, one per article (canonical URL), in catalogue order."""
    _write(root, "/robots.txt", ROBOTS)
    for lang in ("uk", "ru", "en"):
        _write(root, f"/{pages.LANG_PREFIX[lang]}", homepage(lang))

    _paginate(root, "uk", "/news/", pages.UI["uk"]["news"], news_of("uk"), NEWS_PER_PAGE["uk"])
    _paginate(root, "ru", "/rus/news/", pages.UI["ru"]["news"], news_of("ru"), NEWS_PER_PAGE["ru"])
    _paginate(root, "en", "/eng/news/", pages.UI["en"]["news"], news_of("en"), NEWS_PER_PAGE["en"])
    _paginate(root, "uk", "/articles/", pages.UI["uk"]["articles"], publications_of("uk"), ARTICLES_PER_PAGE)
    for lang, day in DATE_ARCHIVES:
        _write(root, f"/{pages.LANG_PREFIX[lang]}news/date_{day}/", date_archive(lang, day))

    everything = {lang: _newest_first([a for a in ARTICLES if a.lang == lang]) for lang in ("uk", "ru", "en")}
    _write(root, "/rss/", rss("uk", everything["uk"][:8]))
    _write(root, "/rss/view_news/", rss("uk", news_of("uk")[:5]))
    _write(root, "/rus/rss/", rss("ru", everything["ru"][:5]))
    _write(root, "/eng/rss/", rss("en", everything["en"][:4]))

    sm = f"{BASE}/sitemap"
    _write(root, "/sitemap/sitemap.xml", sitemap_index([f"{sm}/sitemap-archive.xml", f"{sm}/sitemap-news.xml"]))
    _write(root, "/sitemap/sitemap-archive.xml", sitemap_index([f"{sm}/sitemap-{m}.xml.gz" for m in SITEMAP_MONTHS]))
    for month in SITEMAP_MONTHS:
        # a real gzip file (mtime=0: the same mirror gives the same bytes), like pravda's monthly sitemaps
        _write(root, f"/sitemap/sitemap-{month}.xml.gz", gzip.compress(monthly_sitemap(month).encode(), mtime=0))
    _write(root, "/sitemap/sitemap-news.xml", news_sitemap(_newest_first(list(ARTICLES))[:8]))

    for a in ARTICLES:
        page = pages.render_article(a)
        _write(root, a.path, page)
        if a.padded_path != a.path and LINK_VARIANTS.get(a.url) == a.padded_path:
            _write(root, a.padded_path, page)
    return [a.expected() for a in ARTICLES]
