"""The whole way from a page's bytes to its archive record, read top to bottom.

``extract`` is that way: decode (``newscrawl.core.decode``) and scan (``newscrawl.core.kind``) the bytes
once, parse them with the site's parser or the generic one (``newscrawl.core.page``), classify the page,
take its text (``newscrawl.core.text``), strip boilerplate (``newscrawl.core.boilerplate``), validate
(``newscrawl.core.validate``) and build the record (``newscrawl.core.record``). A crawl runs the same
steps, split where Scrapy splits them: ``read`` and ``parse_page`` in the middlewares and the spider (one
decode, one scan and one parse per response), then one step per item pipeline. ``classify`` is what a page
is, as ``parse_page`` decides it. Nothing here needs Scrapy, a network or a frozen clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from newscrawl.core.boilerplate import strip_boilerplate
from newscrawl.core.dates import SiteTime, to_iso, utc_now
from newscrawl.core.decode import decode
from newscrawl.core.kind import Scan, challenge_wording, detect_kind, scan
from newscrawl.core.page import Page, ParsedPage, Parser
from newscrawl.core.record import finalize
from newscrawl.core.sites import Site, patterns_for, site_for_url
from newscrawl.core.text import clean_text, html_to_text
from newscrawl.core.urls import host_of, normalize_url
from newscrawl.core.validate import validate_article


def extract(
    body: bytes | str,
    url: str,
    crawled_at: datetime | None = None,
    *,
    content_type: str | None = None,
    tz: str | None = None,
) -> dict[str, Any]:
    """The record the pipelines would archive for one saved page.

    Raises the reason (a ``newscrawl.core.validate.Rejected``) for a page that would not be archived.
    ``content_type``: the HTTP ``Content-Type`` header, whose charset decodes the bytes; ``tz``: see
    ``parse_page``.
    """
    item = parse_page(body, url, crawled_at, content_type=content_type, tz=tz)  # decode, classify, parse
    clean_text(item)
    strip_boilerplate(item, patterns_for(item["site"]))
    validate_article(item)
    return finalize(item)


@dataclass(frozen=True)
class Reading:
    """A page's bytes decoded and scanned: made once per response, shared by the middlewares and the spider."""

    text: str
    scan: Scan


def read(body: bytes | str, url: str, content_type: str | None = None) -> Reading:
    """Decode a page (with its site's legacy charset as the fallback) and scan it (``newscrawl.core.kind``)."""
    return _read(body, content_type, site_for_url(url))


def _read(body: bytes | str, content_type: str | None, site: Site | None) -> Reading:
    text = decode(body, content_type, site.legacy_encoding if site else None)
    return Reading(text, scan(text))


def parse_page(
    body: bytes | str | Reading,
    url: str,
    crawled_at: datetime | None = None,
    *,
    content_type: str | None = None,
    tz: str | None = None,
) -> dict[str, Any]:
    """The item a spider yields for one article page (metadata plus ``body_html`` for the pipelines).

    ``body``: the page's bytes, or its ``Reading`` when the crawl decoded it already. ``tz`` (an IANA
    name) is the local time of a page of an unknown site whose times carry no offset; a site profile's own
    timezone always wins (``newscrawl.core.dates``).
    """
    crawled_at = crawled_at or utc_now()
    site = site_for_url(url)
    reading = body if isinstance(body, Reading) else _read(body, content_type, site)
    time = site.time if site else SiteTime.unknown_site(tz)
    page = Page(url=url, text=reading.text, crawled_at=crawled_at, time=time)
    ref = site.article_ref(url) if site else None
    parser: Parser = site.parser() if site else Parser()
    parsed = parser.parse(page)
    page_text = _classify(page, parsed, reading.scan)
    if site and ref is None and parsed.kind == "article":
        # A known site's page off its article URL shapes (a homepage, a listing) has no article key.
        parsed.kind = "not_article_url"

    canonical = normalize_url(url, keep_query=site is None)
    if ref is not None:
        canonical = ref.url
        # The page's own canonical link wins when it names the same article on the same site.
        if parsed.canonical and site and (own := site.article_ref(parsed.canonical)) and own.key == ref.key:
            canonical = own.url
    elif parsed.canonical and host_of(parsed.canonical) == host_of(url):
        canonical = normalize_url(parsed.canonical, keep_query=True)

    lang = ref.lang if ref else _page_lang(page)
    article_id = ref.article_id if ref else canonical.rstrip("/").rsplit("/", 1)[-1] or canonical
    site_key = site.key if site else generic_site_key(url)
    alternates = {k: v for k, v in parsed.alternates.items() if k != lang}
    if site:
        # Alternates are normalised to canonical form when they are this site's articles.
        alternates = {k: (r.url if (r := site.article_ref(v)) else v) for k, v in alternates.items()}
    item: dict[str, Any] = {
        "url": canonical,
        "site": site_key,
        "lang": lang,
        "article_id": article_id,
        "key": f"{site_key}:{lang}:{article_id}",
        "title": parsed.title,
        "authors": parsed.authors,
        "published": to_iso(parsed.published),
        "modified": to_iso(parsed.modified),
        "section": ref.section if ref else None,
        "tags": parsed.tags,
        "alternates": alternates,
        "crawled_at": to_iso(_utc(crawled_at)),
        "parser": parser.label(),
        "fallbacks": parsed.fallbacks,
        "body_html": parsed.body_html,
        "page_kind": parsed.kind,
        "generation": parsed.generation,
        # the whole page's extracted text, when classifying needed it: clean_text takes it as it is
        "page_text": page_text,
    }
    for name in list(item):
        value, replaced = valid_unicode(item[name])
        if replaced:
            item[name] = value
            item["fallbacks"] = [*item["fallbacks"], f"{_FIELD.get(name, name)}/invalid_code_points"]
    return item


# The record field a working field of the item becomes.
_FIELD = {"body_html": "text"}


def valid_unicode(value: Any) -> tuple[Any, bool]:
    """``value`` (a string, or a list or dict of them) with every code point UTF-8 cannot encode replaced by
    U+FFFD, and whether any was. Those are lone surrogates, which a page's JSON-LD gives with an escape such
    as ``"\\ud800"``; a record holding one could not be written. A surrogate pair held as two code points is
    joined into its character.
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace"), True
        return value, False
    replaced = False

    def valid(part: Any) -> Any:
        nonlocal replaced
        part, changed = valid_unicode(part)
        replaced = replaced or changed
        return part

    if isinstance(value, list):
        return [valid(v) for v in value], replaced
    if isinstance(value, dict):
        return {valid(k): valid(v) for k, v in value.items()}, replaced
    return value, False


# Extracted text a page without a known layout needs to count as an article when it carries a challenge
# marker (as much as the empty-shell threshold of ``detect_kind``).
MIN_ARTICLE_CHARS = 200


def _classify(page: Page, parsed: ParsedPage, scanned: Scan) -> str | None:
    """Set ``parsed.kind`` from what a reader sees; the whole page's extracted text if that was needed.

    A page with a challenge marker is an article when its parser found a real title (not challenge
    wording) and a body: the layout's body node with text in it, or, on a page of no known layout (an
    unknown site, or a site's page the parser did not recognise), at least ``MIN_ARTICLE_CHARS`` of
    extracted text in lines that are not challenge wording. Extraction runs only for such a page, and
    its text is kept for ``clean_text``, so no page is extracted twice.
    """
    extracted: list[str] = []

    def reads_as_article() -> bool:
        if not parsed.title or challenge_wording(parsed.title):
            return False
        if parsed.body_chars is not None:
            return parsed.body_chars > 0
        extracted.append(html_to_text(page.text, whole_page=True))
        lines = [line for line in extracted[0].splitlines() if not challenge_wording(line)]
        return sum(len(line) for line in lines) >= MIN_ARTICLE_CHARS

    parsed.kind = detect_kind(page, reads_as_article, scanned)
    return extracted[0] if extracted else None


def classify(body: bytes | str, url: str, *, content_type: str | None = None) -> str:
    """``article``, ``challenge``, ``not_article`` or ``binary``: the ``page_kind`` ``parse_page`` gives the
    page, with the parse skipped where a text scan of a page given as text decides (``Scan.plainly_article``)."""
    reading = read(body, url, content_type)
    if isinstance(body, str) and reading.scan.plainly_article:
        return "article"
    kind: str = parse_page(reading, url, content_type=content_type)["page_kind"]
    return kind


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _page_lang(page: Page) -> str:
    lang = (page.attribute("html", "lang") or "").lower().split("-")[0]
    return lang if len(lang) == 2 and lang.isalpha() else "xx"


def generic_site_key(url: str) -> str:
    """The ``site`` of a page of a site without a profile: its host, letters and digits (``www.`` off)."""
    host = host_of(url).removeprefix("www.")
    return "".join(c if c.isalnum() else "_" for c in host) or "unknown"
