"""Extraction as a pure function of the page bytes, its URL and the crawl time.

``parse_page`` is what the spider calls for each article response; ``extract`` runs the same parse and
then the same cleaning steps as the item pipelines, so the CLI, the fixture tests and a crawl share one
code path; ``classify`` is what a page is (article, challenge, ...), as ``parse_page`` decides it. Nothing
here needs Scrapy's engine, a network or a frozen clock.
"""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from typing import Any

from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom

from newscrawl.dates import SiteTime, to_iso, utc_now
from newscrawl.pipelines.clean_text import clean_text, html_to_text
from newscrawl.pipelines.strip_boilerplate import strip_boilerplate
from newscrawl.pipelines.validate_article import validate_article
from newscrawl.record import finalize
from newscrawl.sites import site_for_url
from newscrawl.sites.base import Page, ParsedPage, Parser, challenge_wording, detect_kind, plainly_article
from newscrawl.urls import host_of, normalize_url


def decode(body: bytes | str, content_type: str | None = None, fallback: str | None = None) -> str:
    """Decode page bytes; a wrong HTTP charset is overruled when the bytes say otherwise (docs/politeness.md#charsets).

    A byte-order mark wins. Otherwise the declared charsets (HTTP ``Content-Type``, then ``<meta>``) are
    tried in that order and the first that decodes the bytes without error is used, except that bytes
    which are valid UTF-8 are read as UTF-8 when either declaration says UTF-8 (a single-byte charset such
    as windows-1251 decodes any bytes, so its succeeding proves nothing). With no declaration at all: UTF-8,
    then ``fallback`` (the site's legacy charset), or for a site without one charset_normalizer's guess.
    Last resort: w3lib's sniffing with replacement characters.
    """
    if isinstance(body, str):
        return body
    if read_bom(body)[0] is not None:
        return html_to_unicode(content_type, body)[1]
    declared = [e for e in (http_content_type_encoding(content_type), html_body_declared_encoding(body)) if e]
    names = list(dict.fromkeys(_codec_name(e) for e in declared))
    if not names or "utf-8" in names:
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for name in [*names, *([_codec_name(fallback)] if fallback and not names else [])]:
        try:
            return body.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    if not names and not fallback:
        # Undeclared and not UTF-8, on a site without a profile: the charset the bytes look like
        # (w3lib's sniffing below reads them as UTF-8 with replacement characters).
        from charset_normalizer import from_bytes

        guess = from_bytes(body).best()
        if guess is not None:
            return str(guess)
    return html_to_unicode(content_type, body)[1]


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def parse_page(
    body: bytes | str,
    url: str,
    crawled_at: datetime | None = None,
    *,
    content_type: str | None = None,
    tz: str | None = None,
) -> dict[str, Any]:
    """The item a spider yields for one article page (metadata plus ``body_html`` for the pipelines).

    ``tz`` (an IANA name) is the local time of a page of an unknown site whose times carry no offset; a
    site profile's own timezone always wins (``newscrawl.dates``).
    """
    crawled_at = crawled_at or utc_now()
    site = site_for_url(url)
    page = Page(
        url=url,
        text=decode(body, content_type, site.legacy_encoding if site else None),
        crawled_at=crawled_at,
        time=site.time if site else SiteTime.unknown_site(tz),
    )
    ref = site.article_ref(url) if site else None
    parser: Parser = site.parser() if site else Parser()
    parsed = parser.parse(page)
    page_text = _classify(page, parsed)
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
    site_key = site.key if site else _generic_site_key(url)
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


def _classify(page: Page, parsed: ParsedPage) -> str | None:
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

    parsed.kind = detect_kind(page, reads_as_article)
    return extracted[0] if extracted else None


def classify(body: bytes | str, url: str, *, content_type: str | None = None) -> str:
    """``article``, ``challenge``, ``not_article`` or ``binary``: the ``page_kind`` ``parse_page`` gives the
    page, with the parse skipped where a text scan decides (``plainly_article``)."""
    if isinstance(body, str) and plainly_article(body):
        return "article"
    kind: str = parse_page(body, url, content_type=content_type)["page_kind"]
    return kind


def extract(
    body: bytes | str,
    url: str,
    crawled_at: datetime | None = None,
    *,
    content_type: str | None = None,
    tz: str | None = None,
) -> dict[str, Any]:
    """The record the pipelines would archive for one saved page.

    Raises the pipelines' drop reason (a ``newscrawl.drops.ArticleDropped``) for a page that would not be
    archived. ``content_type``: the HTTP ``Content-Type`` header, whose charset decodes the bytes;
    ``tz``: see ``parse_page``.
    """
    item = parse_page(body, url, crawled_at, content_type=content_type, tz=tz)
    clean_text(item)
    strip_boilerplate(item)
    validate_article(item)
    return finalize(item)


def _utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _page_lang(page: Page) -> str:
    lang = (page.selector.css("html::attr(lang)").get() or "").lower().split("-")[0]
    return lang if len(lang) == 2 and lang.isalpha() else "xx"


def _generic_site_key(url: str) -> str:
    host = host_of(url).removeprefix("www.")
    return "".join(c if c.isalnum() else "_" for c in host) or "unknown"
