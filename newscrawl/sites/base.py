"""What a site profile is: the datasheet of one publisher, and the parser base its page parsers share.

A site is data (hosts, languages, URL shapes, discovery sources, nodes to remove, boilerplate patterns,
politeness) plus a small parser class. Everything else (crawling, cleaning, dedup, export) is shared.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

from parsel import Selector

from newscrawl.dates import KYIV_TIME, SiteTime, parse_display_date, parse_iso
from newscrawl.urls import host_of, normalize_url


@dataclass(frozen=True)
class ArticleRef:
    """What an article URL says by itself: the article's identity and its dated path."""

    site: str
    lang: str
    section: str
    article_id: str
    day: date | None
    url: str  # canonical URL built from the parts

    @property
    def key(self) -> str:
        """The archive key: (site, language, id). Ids of sister sites overlap, so the id alone is no key."""
        return f"{self.site}:{self.lang}:{self.article_id}"


@dataclass(frozen=True)
class Boilerplate:
    """A named line pattern to strip from article text; ``name`` is what the stats count."""

    name: str
    pattern: re.Pattern[str]


def boilerplate(name: str, regex: str) -> Boilerplate:
    return Boilerplate(name, re.compile(regex, re.IGNORECASE))


@dataclass(frozen=True)
class UrlShape:
    """One more article URL shape of a site: a path regex with named groups and its canonical URL.

    Groups: ``prefix`` (language path prefix, may be absent), ``section``, ``id``, and either
    ``year``/``month``/``day`` (dated URLs) or ``slug`` (slug URLs such as epravda's
    ``/tehnologiji/<slug>-813313/``). The template may use ``{base} {prefix} {section} {slug} {id}``
    and the date fields.
    """

    pattern: re.Pattern[str]
    canonical: str


@dataclass(frozen=True)
class QualityThresholds:
    """The drift guard's floors for one site (``newscrawl.quality``); shares are fractions of records.

    A run is judged only when it parsed at least ``min_sample`` articles. Defaults suit a news site whose
    parser understands its pages: nearly every record has a title, a date and a real body, and almost
    none needs the whole-page fallback.
    """

    min_sample: int = 20
    min_title_share: float = 0.95
    min_date_share: float = 0.90
    min_body_chars: int = 300
    min_body_share: float = 0.80
    max_whole_page_share: float = 0.20
    max_stripped_share: float = 0.30  # share of one record's body removed by boilerplate stripping ...
    max_heavily_stripped_share: float = 0.10  # ... and the share of records that lost more than that


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    base_url: str
    hosts: frozenset[str]
    languages: Mapping[str, str]  # language code -> path prefix ("" for the default language)
    article_path: re.Pattern[str]  # groups: prefix, section, year, month, day, id
    parser: type[Parser]
    timezone: str  # IANA name; the site's naive times are local time there, and every time is shown in it
    feeds: tuple[str, ...] = ()  # path templates with {prefix}
    listings: tuple[str, ...] = ()  # listing paths with {prefix}; page N is listing + page_path
    listing_page_path: str = "page_{n}/"
    homepage: str = "{prefix}"
    date_archives: tuple[str, ...] = ()  # templates with {prefix} and {ddmmyyyy}
    sitemap_index: str | None = None  # index of monthly sitemaps
    monthly_sitemap: re.Pattern[str] | None = None  # matches a monthly sitemap URL, groups year, month
    news_sitemaps: tuple[str, ...] = ()
    lang_prefixes: Mapping[str, str] = field(default_factory=dict)  # path prefix segment -> language
    boilerplate: tuple[Boilerplate, ...] = ()
    render_js: bool = False  # render every HTML page in a browser (newscrawl.render)
    render_on_challenge: bool = False  # render a page once more when a plain download was a JavaScript challenge
    custom_settings: Mapping[str, Any] = field(default_factory=dict)
    canonical_template: str = "{base}/{prefix}{section}/{year:04d}/{month:02d}/{day}/{id}/"
    article_shapes: tuple[UrlShape, ...] = ()  # further article URL shapes (slug URLs, ...)
    quality: QualityThresholds = QualityThresholds()  # the drift guard's floors
    legacy_encoding: str | None = None  # charset of old pages that declare none (extraction.decode)
    # browser whose TLS/HTTP2 handshake the site's anti-bot layer wants (curl_cffi's name, e.g. "chrome");
    # used only when the crawl opts in with NEWSCRAWL_IMPERSONATE (newscrawl.blocking, newscrawl.impersonate)
    impersonate: str | None = None

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @cached_property
    def time(self) -> SiteTime:
        return SiteTime.of_site(self.timezone)

    def article_ref(self, url: str) -> ArticleRef | None:
        """The article an URL points at, whatever variant of it was linked; None for other pages.

        ``article_path`` is tried first (positional groups prefix, section, year, month, day, id, built
        with ``canonical_template``), then each of ``article_shapes`` (named groups, their own template).
        """
        if host_of(url) not in self.hosts:
            return None
        path = urlsplit(url.strip()).path
        shapes = [(self.article_path, self.canonical_template)]
        shapes += [(shape.pattern, shape.canonical) for shape in self.article_shapes]
        for pattern, template in shapes:
            m = pattern.match(path)
            if m:
                return self._ref(_groups(m), template)
        return None

    def _ref(self, groups: Mapping[str, str | None], template: str) -> ArticleRef | None:
        lang = self.lang_prefixes.get(groups.get("prefix") or "", "")
        if lang not in self.languages:
            return None
        day_value: date | None = None
        if groups.get("year"):
            try:
                day_value = date(int(groups["year"] or 0), int(groups["month"] or 0), int(groups["day"] or 0))
            except ValueError:
                return None
        section = groups.get("section") or ""
        article_id = groups.get("id") or ""
        canonical = template.format(
            base=self.base_url,
            prefix=self.languages[lang],
            section=section,
            year=day_value.year if day_value else 0,
            month=day_value.month if day_value else 0,
            day=day_value.day if day_value else 0,
            id=article_id,
            slug=groups.get("slug") or "",
        )
        return ArticleRef(self.key, lang, section.split("/")[0], article_id, day_value, canonical)


_POSITIONAL = ("prefix", "section", "year", "month", "day", "id")


def _groups(m: re.Match[str]) -> dict[str, str | None]:
    """A match's groups by name: named groups as they are, positional ones in the ``article_path`` order."""
    if m.re.groupindex:
        return m.groupdict()
    return dict(zip(_POSITIONAL, m.groups(), strict=False))


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
        for raw in self.selector.xpath(
            '//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]/text()'
        ).getall():
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
        for node in self.selector.xpath("//meta[@content]"):
            content = (node.root.get("content") or "").strip()
            if not content:
                continue
            for attr in ("property", "name", "itemprop"):
                key = node.root.get(attr)
                if key is not None:
                    tags.setdefault((attr, key), content)
        return tags

    def first_text(self, *selectors: str) -> tuple[str | None, str | None]:
        """The first non-empty text of any selector, and which selector gave it."""
        for css in selectors:
            node = self.selector.css(css)
            if node:
                text = clean_inline(" ".join(node[0].css("::text").getall()))
                if text:
                    return text, css
        return None, None


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
    kind: str = "article"  # article | challenge | not_article | binary, set by newscrawl.extraction
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
            stamp = page.selector.css("time::attr(datetime)").get()
            out.published = parse_iso(stamp, rule) or parse_display_date(
                page.selector.css("time::text").get(), page.crawled_at, rule
            )
        out.modified = parse_iso(_ld_str(ld.get("dateModified")), rule) or parse_iso(
            page.meta("article:modified_time"), rule
        )
        out.authors = ld_authors(ld) or meta_authors(page)
        out.tags = [t.strip() for t in (page.meta("keywords", "news_keywords") or "").split(",") if t.strip()]
        out.canonical = page.selector.css('link[rel="canonical"]::attr(href)').get() or page.meta("og:url")
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
    for link in page.selector.css('link[rel="alternate"][hreflang]'):
        lang = (link.attrib.get("hreflang") or "").lower().split("-")[0]
        href = link.attrib.get("href")
        if lang in {"uk", "ru", "en"} and href and lang not in out:
            out[lang] = normalize_url(href, keep_query=False)
    return out


# What a reader sees on a bot-challenge page (Cloudflare, DDoS-Guard and the like): strong evidence when it
# stands in the visible text of a page that has no article.
CHALLENGE_WORDING = (
    "just a moment...",
    "checking your browser",
    "checking if the site connection is secure",
    "verifying you are human",
    "needs to review the security of your connection",
    "enable javascript and cookies to continue",
    "please enable js and disable any ad blocker",
    "ddos-guard",
    "ddos protection by",
)
# Traces of anti-bot machinery in scripts and attributes. Ordinary pages carry them too (eurointegration's
# cbtYmTName cookie script of 2023, the challenge-platform loader Cloudflare injects into every page it
# proxies): weak evidence, which never makes a page with an article a challenge.
CHALLENGE_TRACES = ("cbtymtname", "cf-browser-verification", "challenge-platform", "cf_chl_", "captcha-delivery")
# Every marker, searched in the raw page (the cheap scan; also what the browser checks, newscrawl.render).
CHALLENGE_MARKERS = CHALLENGE_WORDING + CHALLENGE_TRACES
# A script that sets a cookie and then reloads the page: the shape of a cookie challenge of any name.
_COOKIE_RELOAD = re.compile(
    r"document\.cookie\s*=.{0,400}?location\.(?:reload\s*\(|replace\s*\(|href\s*=)", re.DOTALL
)
SCAN_CHARS = 200_000  # markers are looked for in the head of a page: a challenge page is small


def has_challenge_marker(lowered: str) -> bool:
    """Whether lower-cased page text shows any challenge marker or a cookie-and-reload script."""
    return any(marker in lowered for marker in CHALLENGE_MARKERS) or _COOKIE_RELOAD.search(lowered) is not None


def challenge_wording(text: str) -> bool:
    """Whether text a reader sees says what a challenge page says."""
    lowered = text.lower()
    return any(words in lowered for words in CHALLENGE_WORDING)


def plainly_article(text: str) -> bool:
    """The usual article page, told by a text scan without parsing: no challenge marker at all, and an
    ``<article>`` or ``<h1>`` tag in the source (``detect_kind`` calls such a page an article)."""
    lowered = text[:SCAN_CHARS].lower()
    return ("<article" in lowered or "<h1" in lowered) and not has_challenge_marker(lowered)


def looks_binary(text: str) -> bool:
    """Decoded bytes of an image, PDF or archive served as HTML: NULs or many control characters up front."""
    head = text[:1024]
    if "\x00" in head:
        return True
    controls = sum(1 for c in head if c < " " and c not in "\t\n\r\f")
    return controls > len(head) // 10


def detect_kind(page: Page, reads_as_article: Callable[[], bool]) -> str:
    """``binary``, ``challenge`` for a bot-challenge page, ``not_article`` for an empty shell, else ``article``.

    A page is a challenge only when a reader sees no article on it. Any challenge marker (wording a reader
    sees, or a trace in a script or an attribute) only raises the question, and ``reads_as_article``
    answers it: whether the parser found a real title and body (``newscrawl.extraction``, where challenge
    wording in the visible text counts against it). It is called only for a page with a marker.
    """
    if looks_binary(page.text):
        return "binary"
    if has_challenge_marker(page.text[:SCAN_CHARS].lower()):
        return "article" if reads_as_article() else "challenge"
    if page.selector.css("article, h1"):
        return "article"  # measuring the text is half the cost of an extraction: only when it decides
    text_len = len(clean_inline(" ".join(page.selector.css("body *:not(script):not(style)::text").getall())))
    return "not_article" if text_len < 200 else "article"
