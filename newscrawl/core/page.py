"""A downloaded page as the parsers see it, and the generic parser every site parser extends.

``Page`` is the decoded text with its URL and crawl time (JSON-LD, meta tags and the first text of
selectors read from it); ``Parser`` reads the generic metadata (JSON-LD, Open Graph, meta) and takes the
whole page as the body; ``ParsedPage`` is what a parser found. Site parsers (``newscrawl.core.sites``) extend
``Parser`` with their selectors.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from typing import Any, ClassVar

from lxml import etree
from lxml.html import HtmlElement
from parsel import Selector
from parsel.csstranslator import css2xpath

from newscrawl.core.dates import KYIV_TIME, SiteTime, parse_display_date, parse_iso
from newscrawl.core.urls import host_of, normalize_url


@dataclass
class Page:
    """One downloaded page as the parsers see it: decoded text, its URL and the crawl time."""

    url: str
    text: str
    crawled_at: datetime
    time: SiteTime = KYIV_TIME  # how the site's times are read (its profile's timezone, or the page's offsets)
    selector: Selector = field(init=False)

    def __post_init__(self) -> None:
        self.selector = Selector(text=self.text, type="html")

    def json_ld(self) -> Iterator[dict[str, Any]]:
        """Every JSON-LD object on the page, breadth first: ``@graph``, lists and the objects a page names
        as its ``mainEntity`` (a ``WebPage`` whose main entity is the article) are flattened."""
        for raw in _LD_JSON(self.selector.root):
            try:
                data = json.loads(raw, strict=False)
            except ValueError:
                continue
            stack = [data]
            while stack:
                node = stack.pop(0)
                if isinstance(node, list):
                    stack.extend(node)
                elif isinstance(node, dict):
                    for nested in ("@graph", "mainEntity"):
                        if isinstance(node.get(nested), list | dict):
                            stack.append(node[nested])
                    yield node

    def article_ld(self) -> dict[str, Any]:
        """The page's article object: the first of schema.org's Article types, a live blog included."""
        for node in self.json_ld():
            kind = node.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(isinstance(k, str) and k.rsplit("/", 1)[-1].removeprefix("schema:") in ARTICLE_TYPES for k in kinds):
                return node
        return {}

    def meta(self, *names: str) -> str | None:
        """The first non-blank ``content`` of a ``<meta>`` whose ``property``, ``name`` or ``itemprop`` is one of
        ``names``, tried in that order."""
        tags = self._meta_tags
        for name in names:
            for attr in ("property", "name", "itemprop"):
                value = tags.get((attr, name))
                if value:
                    return value
        return None

    @cached_property
    def _meta_tags(self) -> dict[tuple[str, str], str]:
        """(attribute, value) -> the first non-blank content, read in one pass over the page's meta tags."""
        tags: dict[tuple[str, str], str] = {}
        for node in _META(self.selector.root):
            content = (node.get("content") or "").strip()
            if not content:
                continue
            for attr in ("property", "name", "itemprop"):
                key = node.get(attr)
                if key is not None:
                    tags.setdefault((attr, key), content)
        return tags

    def select(self, css: str, node: HtmlElement | None = None) -> list[HtmlElement]:
        """The elements a CSS selector matches in the page (or under ``node``), in document order."""
        found: list[HtmlElement] = compiled(css)(self.selector.root if node is None else node)
        return found

    def attribute(self, css: str, name: str) -> str | None:
        """The attribute ``name`` of the first element that matches ``css`` and has it (``css::attr(name)``)."""
        for node in self.select(css):
            value = node.get(name)
            if value is not None:
                return str(value)
        return None

    def first_text(self, *selectors: str) -> tuple[str | None, str | None]:
        """The first non-empty text of any selector, and which selector gave it."""
        for css in selectors:
            found = self.select(css)
            if found:
                text = node_text(found[0])
                if text:
                    return text, css
        return None, None


@cache
def compiled(css: str) -> etree.XPath:
    """A CSS selector as an XPath compiled once (parsel's translation, so it matches what ``Selector.css``
    matches). ``Selector.css`` compiles the XPath on every call and wraps every node it returns, every text
    node of ``::text`` included, in a ``Selector`` of its own; the site parser makes a dozen or more
    queries per page."""
    return etree.XPath(css2xpath(css), smart_strings=False)


_TEXT_NODES = etree.XPath("descendant-or-self::text()", smart_strings=False)
_LD_JSON = etree.XPath(
    '//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]/text()', smart_strings=False
)
_META = etree.XPath("//meta[@content]")


def node_text(node: HtmlElement) -> str:
    """The element's text nodes joined by spaces, blanks folded (parsel's ``" ".join(node.css("::text"))``)."""
    return clean_inline(" ".join(_TEXT_NODES(node)))


# schema.org's Article and the subtypes news pages use for one article.
ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "Report",
        "SatiricalArticle",
    }
)

_BLANKS = re.compile(r"[ \t\r\n\f\v]+")


def clean_inline(text: str) -> str:
    """Fold ASCII blanks; a non-breaking space is the newsroom's typography and stays."""
    return _BLANKS.sub(" ", text).strip()


def ld_text(value: Any) -> str | None:
    """A JSON-LD string as text: JSON does not decode HTML, and sites put entities in it (``&quot;``)."""
    if not isinstance(value, str):
        return None
    return clean_inline(html.unescape(value)) or None


# A page title is often "<headline> | <site>" or "<site> - <headline>".
_TITLE_SEPARATOR = re.compile(r"\s+(?:[|\u2013\u2014:•·»]|-|::)\s+")
_GERMANIC = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _squash(text: str) -> str:
    """Letters and digits only, lower case, accents off (``Börsen-Zeitung`` -> ``borsenzeitung``)."""
    plain = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in plain if c.isalnum())


def _names_site(part: str, site_names: list[str]) -> bool:
    squashed = {_squash(part), _squash(part.lower().translate(_GERMANIC))} - {""}
    return any(
        s == name or (len(name) >= 4 and name in s) or (len(s) >= max(4, len(name) // 2) and s in name)
        for s in squashed
        for name in site_names
        if name
    )


def strip_site_name(title: str, page: Page) -> str:
    """A ``<title>`` or ``og:title`` without the site's name at either end (``… | Börsen-Zeitung``).

    The name is the page's ``og:site_name`` / ``application-name`` or the host's name (``namibian`` for
    ``www.namibian.com.na``); the part of the title that the page's ``<h1>`` repeats is kept whole.
    """
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    host = host_of(page.url).removeprefix("www.").split(".")
    names = [_squash(n) for n in (page.meta("og:site_name", "application-name") or "", host[0])]
    names += [_squash(".".join(host))]
    seps = _TITLE_SEPARATOR.findall(title)
    for _ in range(2):  # a name at the end and one at the start ("Site - Section - Headline" stays)
        if len(parts) > 1 and _names_site(parts[-1], names):
            parts, seps = parts[:-1], seps[:-1]
        elif len(parts) > 1 and _names_site(parts[0], names):
            parts, seps = parts[1:], seps[1:]
    out = parts[0] + "".join(sep + part for sep, part in zip(seps, parts[1:], strict=True))
    return out.strip() or title


@dataclass
class ParsedPage:
    """What a parser found on a page, before the pipelines clean the body text."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    modified: datetime | None = None
    tags: list[str] = field(default_factory=list)
    alternates: dict[str, str] = field(default_factory=dict)
    canonical: str | None = None
    body_html: str | None = None
    # Characters of text in the body node the parser found (scripts and junk removed); None when the
    # body is the whole page. Part of what tells an article from a challenge (``detect_kind``).
    body_chars: int | None = None
    kind: str = "article"  # article | challenge | not_article | binary, set by newscrawl.core.extract
    generation: str | None = None
    fallbacks: list[str] = field(default_factory=list)  # each a stats name, e.g. "title/og"


class Parser:
    """Base of every page parser: generic metadata (JSON-LD, Open Graph, meta) and a whole-page body.

    Subclasses set ``name``/``version`` and extend :meth:`parse`; ``VALID_UNTIL`` marks a parser
    version that a later layout replaced.
    """

    name: ClassVar[str] = "generic"
    version: ClassVar[str] = "1.0"
    remove: ClassVar[tuple[str, ...]] = (
        "script",
        "style",
        "noscript",
        "iframe",
        "ins.adsbygoogle",
        "[id*=div-gpt-ad]",
        "form",
        "button",
    )

    @classmethod
    def label(cls) -> str:
        return f"{cls.name}/{cls.version}"

    def parse(self, page: Page) -> ParsedPage:
        out = ParsedPage()
        ld = page.article_ld()
        rule = page.time
        out.title = ld_text(ld.get("headline")) or ld_text(ld.get("name"))
        if not out.title:
            out.title = page.meta("og:title", "twitter:title")
            if out.title:
                out.fallbacks.append("title/meta")
            else:
                out.title, _ = page.first_text("h1", "title")
                if out.title:
                    out.fallbacks.append("title/html")
            if out.title:
                out.title = strip_site_name(out.title, page)
        # A live blog's ``article:published_time`` is its latest update: JSON-LD first.
        out.published = parse_iso(_ld_str(ld.get("datePublished")), rule) or parse_iso(
            page.meta("article:published_time", "datePublished", "pubdate"), rule
        )
        if out.published is None:
            stamp = page.attribute("time", "datetime")
            out.published = parse_iso(stamp, rule) or parse_display_date(
                page.selector.css("time::text").get(), page.crawled_at, rule
            )
        out.modified = parse_iso(_ld_str(ld.get("dateModified")), rule) or parse_iso(
            page.meta("article:modified_time"), rule
        )
        out.authors = ld_authors(ld) or meta_authors(page)
        out.tags = [t.strip() for t in (page.meta("keywords", "news_keywords") or "").split(",") if t.strip()]
        out.canonical = page.attribute('link[rel="canonical"]', "href") or page.meta("og:url")
        out.alternates = hreflang_alternates(page)
        out.body_html = page.text  # the pipelines run trafilatura on the whole page
        out.fallbacks.append("body/whole_page")
        return out


def _ld_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def ld_authors(ld: Mapping[str, Any]) -> list[str]:
    """Names of the people in a JSON-LD ``author``; organisations are the publisher, not an author."""
    raw = ld.get("author")
    items = raw if isinstance(raw, list) else [raw] if raw else []
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            name = item
        elif isinstance(item, dict) and item.get("@type", "Person") == "Person":
            name = str(item.get("name") or "")
        else:
            continue
        name = clean_inline(name)
        if name and name not in names:
            names.append(name)
    return names


def meta_authors(page: Page) -> list[str]:
    value = page.meta("author", "article:author")
    if not value or value.startswith("http"):
        return []
    return [clean_inline(value)]


def hreflang_alternates(page: Page) -> dict[str, str]:
    out: dict[str, str] = {}
    for link in page.select('link[rel="alternate"][hreflang]'):
        lang = (link.get("hreflang") or "").lower().split("-")[0]
        href = link.get("href")
        if lang in {"uk", "ru", "en"} and href and lang not in out:
            out[lang] = normalize_url(href, keep_query=False)
    return out
