"""Rules shared by the Ukrainska Pravda group (pravda.com.ua, eurointegration.com.ua, epravda.com.ua).

The group's sites share one publishing platform, so their layouts moved together through three page
generations (SITES.md):

1. old (until about 2018-2019), windows-1251: ``div.rpad > h1.title``, ``span.dt2`` (author in ``b``),
   ``div.text``;
2. ``post__`` (about 2019-2024): ``div.block_post``, ``h1.post__title``, ``div.post__time``,
   ``div.post__text``, ``span.post__tags__item > a``, ``div.post__report``;
3. current platform (2025-): ``article.post_news`` / ``article.post_article`` with JSON-LD.

Each field is taken from JSON-LD and meta tags first, then the generation's selectors, then generic
fallbacks; every fallback used is named in ``ParsedPage.fallbacks`` so the crawl stats show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement, tostring

from newscrawl.core.boilerplate import boilerplate
from newscrawl.core.dates import parse_display_date, parse_iso
from newscrawl.core.page import (
    Page,
    ParsedPage,
    Parser,
    clean_inline,
    hreflang_alternates,
    ld_authors,
    ld_text,
    node_text,
)
from newscrawl.core.sites.base import UrlShape
from newscrawl.core.urls import normalize_url

# Monthly sitemaps of the group: ``/sitemap/sitemap-2025-12.xml.gz`` (groups: year, month).
FAMILY_MONTHLY_SITEMAP = re.compile(r"sitemap-(\d{4})-(\d{2})\.xml(?:\.gz)?$")
# The group's anti-bot layer judges the TLS/HTTP2 fingerprint (2026: 403 on pravda's /news/ and sitemaps
# to non-browser handshakes; fundus gives its Ukrainska Pravda publisher impersonate="chrome"). Used only
# when a crawl opts in with NEWSCRAWL_IMPERSONATE (newscrawl.blocking).
FAMILY_IMPERSONATE = "chrome"

# Path sections of the current platform that hold no articles even when their last segment ends in digits.
NOT_ARTICLE_SECTIONS = ("tags", "authors", "author", "archives", "projects", "rss", "sitemap", "search", "static")


def slug_shape(prefix: str) -> UrlShape:
    """The current platform's slug URLs, ``/<prefix><section>/<slug>-<id>/`` with the id at the end.

    ``prefix`` is a regex with a named group ``prefix`` for the language path prefix (``(?P<prefix>rus/)?``).
    Ids are five digits or more, so a tag such as ``/tags/covid-19/`` is no article.
    """
    skip = "|".join(NOT_ARTICLE_SECTIONS)
    return UrlShape(
        pattern=re.compile(
            rf"^/{prefix}(?P<section>(?!(?:{skip})/)[a-z][a-z0-9_-]*)/(?P<slug>[a-z0-9][a-z0-9-]*?)-(?P<id>\d{{5,}})/?$"
        ),
        canonical="{base}/{prefix}{section}/{slug}-{id}/",
    )


@dataclass(frozen=True)
class Generation:
    name: str
    marker: str  # a selector present only on this generation's article pages
    title: tuple[str, ...]
    date: tuple[str, ...]
    authors: tuple[str, ...]
    body: tuple[str, ...]
    tags: tuple[str, ...]


GENERATIONS: tuple[Generation, ...] = (
    Generation(
        name="current",
        marker="article.post_news, article.post_article",
        title=("h1.post_news_title", "h1.post_article_title"),
        date=("div.post_news_date", "span.post_author_date", "div.post_article_date"),
        authors=("span.post_author_name", "span.post_news_author a", "span.post_news_author"),
        body=("div.post_news_text", "div.post_article_text"),
        tags=("div.post_news_tags a", "div.post_article_tags a"),
    ),
    Generation(
        name="post",
        marker="div.block_post, h1.post__title, div.post__text",
        title=("h1.post__title",),
        date=("div.post__time",),
        authors=("span.post__author a", "div.post__author a", "span.post__author", "div.post__author"),
        body=("div.post__text",),
        tags=("span.post__tags__item a", "div.post__tags a"),
    ),
    Generation(
        name="old",
        marker="div.rpad h1.title, div.text",
        title=("div.rpad h1.title", "h1.title"),
        date=("span.dt2", "div.dt2"),
        authors=("span.dt2 b", "div.dt2 b"),
        body=("div.text",),
        tags=("div.tags a", "span.tags a"),
    ),
)

# Nodes inside or around the body that are never article text (SITES.md, "Boilerplate to strip").
REMOVE = (
    *Parser.remove,
    "div.advtext_mob",
    "div.nts-ad",
    "div.nts-video-wrapper",
    "div.nts-video-label",
    "div.advtext1",
    "div.advtext",
    "aside",
    "div.section_other_news",
    "div.post__report",
    "div.post__tags",
    "div.post_news_tags",
    "div.post_article_tags",
    "div.post_article_social",
    "div.hint_box",
    "div.post__social",
    "div.banner",
    "div[class*=banner]",
    "div.post_news_photo_source",
    "figure figcaption",
    "div.image-box__caption",  # photo captions and credits are not article text
    "div.image-box__author",
)

# Lines that the platform prints inside article bodies in all three languages.
FAMILY_BOILERPLATE = (
    boilerplate("ad_label", r"^(?:Реклама|РЕКЛАМА|Advertisement|Advertising)\s*:?\s*$"),
    boilerplate("error_report", r"Ctrl\s*\+\s*Enter"),
    boilerplate(
        "subscribe",
        r"^(?:Реклама\s*:\s*)?(?:Підписуйся|Підписуйтесь|Подписывайтесь|Подписывайся|Subscribe|Follow)\b"
        r".{0,160}(?:правд|Pravda|Telegram|Twitter|Facebook|YouTube|Instagram|TikTok|Viber|WhatsApp)",
    ),
    boilerplate("support_call", r"^(?:Підтримати УП|Поддержать УП|Support UP|Support Ukrainska Pravda)\b"),
    boilerplate(
        "read_also",
        r"^(?:Читайте також|Читайте также|Читайте більше у статті|Читайте больше в статье|Read also|Read more"
        r"|Також читайте|Также читайте|Більше на цю тему|Больше на эту тему|[^\n]{0,30}на цю тему|"
        r"[^\n]{0,30}на эту тему)\s*:",
    ),
    boilerplate(
        "comment_rules",
        r"^(?:Шановні читачі|Уважаемые читатели|Dear readers)\b.{0,80}(?:коментув|комментир|comment)",
    ),
    boilerplate("link_copied", r"^(?:Посилання скопійовано|Ссылка скопирована|Link copied)\s*$"),
)


class UPGroupParser(Parser):
    """Article pages of the Ukrainska Pravda group, all three page generations."""

    name: ClassVar[str] = "upgroup"
    version: ClassVar[str] = "1.0"
    remove: ClassVar[tuple[str, ...]] = REMOVE

    def parse(self, page: Page) -> ParsedPage:
        out = ParsedPage()
        gen = self.generation(page)
        out.generation = gen.name if gen else None
        if gen is None:
            out.fallbacks.append("layout/unknown")
        ld = page.article_ld()

        # Title: JSON-LD headline, the generation's h1, then meta tags.
        out.title = ld_text(ld.get("headline"))
        if not out.title and gen:
            out.title, _ = page.first_text(*gen.title)
            if out.title and ld:
                out.fallbacks.append("title/selector")
        if not out.title:
            out.title = page.meta("og:title", "twitter:title")
            if out.title:
                out.fallbacks.append("title/meta")

        # Dates: JSON-LD, meta, then the displayed date of the generation.
        rule = page.time
        published_raw = ld.get("datePublished")
        out.published = parse_iso(published_raw if isinstance(published_raw, str) else None, rule)
        if out.published is None:
            out.published = parse_iso(page.meta("article:published_time"), rule)
        if out.published is None and gen:
            shown, _ = page.first_text(*gen.date)
            out.published = parse_display_date(shown, page.crawled_at, rule)
            if out.published is not None and ld:
                out.fallbacks.append("published/selector")
        if out.published is None:
            out.fallbacks.append("published/missing")
        modified_raw = ld.get("dateModified")
        out.modified = parse_iso(modified_raw if isinstance(modified_raw, str) else None, rule) or parse_iso(
            page.meta("article:modified_time"), rule
        )

        out.authors = ld_authors(ld)
        if not out.authors and gen:
            out.authors = _texts(page, gen.authors)
        out.tags = _texts(page, gen.tags) if gen else []
        out.canonical = page.attribute('link[rel="canonical"]', "href") or page.meta("og:url")
        out.alternates = {**menu_alternates(page), **hreflang_alternates(page)}

        body = None
        if gen:
            for css in gen.body:
                found = page.select(css)
                if found:
                    body = found[0]
                    break
        if body is None:
            out.fallbacks.append("body/whole_page")
            out.body_html = page.text
        else:
            # One query for every selector (a CSS group): 30 separate queries were a fifth of the parse.
            for junk in page.select(", ".join(self.remove), body):
                junk.drop_tree()  # its tail text stays (parsel's ``drop``)
            drop_byline(body, out.authors)
            out.body_html = tostring(body, encoding="unicode", with_tail=False)
            out.body_chars = len(clean_inline(_STRING(body)))
        return out

    @staticmethod
    def generation(page: Page) -> Generation | None:
        for gen in GENERATIONS:
            if page.select(gen.marker):
                return gen
        return None


_STRING = etree.XPath("string(.)", smart_strings=False)


# The language menu's labels (``a.lang_menu_item``): epravda links its Russian version only from there.
MENU_LANGUAGES = {"укр": "uk", "рос": "ru", "рус": "ru", "eng": "en"}
_ENDS_IN_ID = re.compile(r"(?:^|[/-])\d{5,}/?$")


def menu_alternates(page: Page) -> dict[str, str]:
    """Language → URL from the current platform's language menu (the page itself included)."""
    out: dict[str, str] = {}
    for link in page.select("a.lang_menu_item"):
        label = node_text(link).lower()
        lang = MENU_LANGUAGES.get(label)
        href = link.get("href")
        # Without a translation the menu links the language's homepage: only article URLs (ending in
        # the id) are alternates.
        if lang and href and lang not in out and _ENDS_IN_ID.search(urlsplit(href).path):
            out[lang] = normalize_url(href, keep_query=False)
    return out


_NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\s(?:і|и|та|and)\s)\s*")


def drop_byline(body: HtmlElement, authors: list[str]) -> None:
    """Drop the body's last paragraph when it only names the authors (pravda's long reads end with
    ``<p><strong><em>Name, Name, Name</em></strong></p>``): the names are the ``authors`` field."""
    if not authors:
        return
    last = body.xpath("./*[self::p or self::div][last()]")
    if not last or last[0].xpath("./following-sibling::*[normalize-space()]"):
        return
    text = node_text(last[0]).strip(" .—-")
    names = {n.casefold() for n in _NAME_SEPARATORS.split(text) if n}
    if names and names <= {a.casefold() for a in authors}:
        last[0].drop_tree()


def _texts(page: Page, selectors: tuple[str, ...]) -> list[str]:
    """Distinct non-empty texts of the first selector that matches anything."""
    for css in selectors:
        values: list[str] = []
        for node in page.select(css):
            text = node_text(node).strip(" ,;—-")
            if text and text not in values:
                values.append(text)
        if values:
            return values
    return []
