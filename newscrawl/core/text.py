"""Turn the article body's HTML into clean text with trafilatura: one paragraph, list item or heading a line.

Also what tells a whole page's text that is only the site's chrome (``chrome_only``)."""

from __future__ import annotations

import functools
import re
from collections.abc import MutableMapping
from importlib.metadata import version
from typing import Any

from lxml import etree

EXTRACTOR = f"trafilatura/{version('trafilatura')}"
# Only ASCII blanks are folded: a non-breaking space is the newsroom's typography and part of the text.
_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
# trafilatura folds every Unicode blank, U+00A0 too; a stand-in carries it through.
_NBSP_STAND_IN = "\u2e3a\u2423\u2e3a"  # printable (trafilatura drops unprintables), never in news text
_NBSP_RUN = re.compile(r"(?:\xa0|&nbsp;|&#160;|&#xa0;)+", re.IGNORECASE)
_SPACER_EDGE = frozenset(" \t\r\n\f\v<>")


def _keep_nbsp(html: str) -> str:
    """Non-breaking spaces inside text become the stand-in; a run of them alone between tags or blanks
    (``<p>&nbsp;</p>``, a spacer) stays blank, as trafilatura would have it, so the page's structure as
    trafilatura sees it does not change."""

    def stand_in(m: re.Match[str]) -> str:
        before = html[m.start() - 1] if m.start() else " "
        after = html[m.end()] if m.end() < len(html) else " "
        if before in _SPACER_EDGE and after in _SPACER_EDGE:
            return m.group()
        return _NBSP_STAND_IN * len(_NBSP_RUN_ITEM.findall(m.group()))

    return _NBSP_RUN.sub(stand_in, html)


_NBSP_RUN_ITEM = re.compile(r"\xa0|&nbsp;|&#160;|&#xa0;", re.IGNORECASE)


def html_to_text(html: str | None, *, whole_page: bool = False) -> str:
    """Clean text of an HTML fragment (the body a parser found) or of a whole page.

    trafilatura extracts the text as XML; each paragraph, sub-heading (``head``), list item and table row
    becomes one line, so the line structure does not depend on which of trafilatura's internal
    algorithms won. A fragment is already the article, so it runs with ``favor_recall`` inside an
    ``<article>`` to keep short lines such as sub-headings and lead-ins; a whole page runs with
    trafilatura's defaults, which cut the site's chrome.
    """
    if not html or not html.strip():
        return ""
    # Non-breaking spaces survive trafilatura only as a stand-in, and only in a fragment: on a whole page
    # the stand-in changes the text lengths trafilatura weighs and so which part of the page it picks
    # (a blog post came out as its comment form), so there they fold into blanks.
    document = html if whole_page else f"<html><body><article>{_keep_nbsp(html)}</article></body></html>"
    xml = _extract_xml(document, whole_page)
    if not xml:
        return ""
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    return "\n".join(_lines(main if main is not None else root))


def _extract_xml(document: str, whole_page: bool) -> str | None:
    """trafilatura's XML of a document: ``trafilatura.extract(output_format="xml", ...)`` without its costs
    that serve nothing here (a settings object built per call, the document fingerprint)."""
    # Imported on the first page, not at start-up: it is a third of the crawl's import time, and a cron
    # run's first requests (feeds, listings) need no extraction.
    from trafilatura.core import bare_extraction, determine_returnstring
    from trafilatura.settings import Document

    options = _options(whole_page)
    # These are the two steps of trafilatura.extract (core.py, 2.3); extract also hashes the text for the
    # <doc fingerprint> attribute, an eighth of its time on a fragment, which the text does not use.
    result = bare_extraction(document, options=options)
    if not isinstance(result, Document):
        return None
    return determine_returnstring(result, options)


@functools.cache
def _options(whole_page: bool) -> Any:
    """trafilatura's options, built once: a fragment is the article (``favor_recall`` keeps short lines,
    ``fast``), a whole page runs with the defaults that cut the site's chrome."""
    from trafilatura.settings import Extractor

    return Extractor(
        output_format="xml",
        fast=not whole_page,
        recall=not whole_page,
        comments=False,
        formatting=False,
        links=False,
        images=False,
        tables=True,
        dedup=False,
        with_metadata=False,
    )


def _lines(element: etree._Element) -> list[str]:
    """The lines of a block: each block child is a line (or its own lines), and the inline content around
    them (text directly inside a ``<quote>``, a paragraph's text before a nested list) is a line too."""
    lines: list[str] = []
    inline: list[str] = [element.text or ""]

    def flush() -> None:
        if line := normalize_line("".join(inline)):
            lines.append(line)
        inline.clear()

    for child in element:
        if not isinstance(child.tag, str):
            pass
        elif child.tag == "row":
            flush()
            cells = [normalize_line(_inline_text(cell)) for cell in child]
            if line := " | ".join(c for c in cells if c):
                lines.append(line)
        elif child.tag in _BLOCK_TAGS:
            flush()
            if any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in child):
                lines.extend(_lines(child))
            elif line := normalize_line(_inline_text(child)):
                lines.append(line)
        else:
            inline.append(" " if child.tag == "lb" else _inline_text(child))
        inline.append(child.tail or "")
    flush()
    return lines


def _inline_text(element: etree._Element) -> str:
    """The text of one line; a line break (``<lb/>``, a ``<br>`` in the page) separates words by a blank."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(" " if child.tag == "lb" else _inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


# trafilatura's block elements; everything else (hi, ref, del, lb ...) is inline.
_BLOCK_TAGS = {"p", "head", "list", "item", "quote", "table", "row", "cell", "div", "code", "main", "comments"}


def normalize_line(text: str) -> str:
    """One line: ASCII blanks folded, blanks of any kind trimmed at the ends, inner U+00A0 kept."""
    return _BLANKS.sub(" ", text.replace(_NBSP_STAND_IN, "\xa0")).strip()


def normalize_text(text: str) -> str:
    """Fold runs of ASCII blanks in each line and drop empty lines."""
    lines = (normalize_line(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


# Page parts whose words are the site's chrome, not an article's prose.
_CHROME_XPATH = (
    "//a|//nav|//header|//footer|//button|//time|//h1|//h2|//h3|//title|//label|//option|//figcaption"
    "|//*[contains(@class, 'share') or contains(@class, 'social') or contains(@class, 'breadcrumb')]"
)
# Shorter texts are checked for being nothing but chrome; a longer one is prose whatever its page holds.
CHROME_CHECK_CHARS = 1500
# A body needs at least this many words that are not links, headings, dates or buttons.
MIN_PROSE_WORDS = 10
_WORD = re.compile(r"[^\W\d_]+")
_DATE_WORDS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b\.?|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b"
    r"|\b(?:am|pm|utc|gmt|cet|cest)\b",
    re.IGNORECASE,
)


_UTF8_HTML = etree.HTMLParser(encoding="utf-8")


def chrome_only(text: str, page_html: str, title: str | None = None) -> bool:
    """Whether a whole-page text is only the site's chrome: navigation, the headline, a date, share buttons.

    A page whose article body JavaScript inserts comes without it; trafilatura then returns what is left
    ("Home Politics Sport <headline> <date> Share this article on Facebook Twitter Email"). Every text of
    the page's links, headings, navigation, time and share elements is taken out of the text, then date
    words; fewer than ``MIN_PROSE_WORDS`` words left is no body.
    """
    if len(text) >= CHROME_CHECK_CHARS:
        return False
    import lxml.html

    try:
        # bytes: lxml refuses a str that carries an XML encoding declaration
        root = lxml.html.document_fromstring(page_html.encode("utf-8"), parser=_UTF8_HTML)
    except (etree.ParserError, ValueError):
        return False
    chrome = {normalize_line("".join(node.itertext())) for node in root.xpath(_CHROME_XPATH)}
    if title:
        chrome.add(title)
    rest = normalize_line(text.replace("\n", " "))
    for piece in sorted((c for c in chrome if c), key=len, reverse=True):
        rest = rest.replace(piece, " ")
    return len(_WORD.findall(_DATE_WORDS.sub(" ", rest))) < MIN_PROSE_WORDS


def clean_text(item: MutableMapping[str, Any]) -> bool:
    """Fill ``text`` and ``extractor`` from ``body_html``; the whole-page fallback is in ``fallbacks``.

    ``page_text`` is the whole page's text when classifying the page already extracted it
    (``newscrawl.core.extract``): the same call on the same HTML, so it is taken as it is. Returns True when a
    whole page's text was only the site's chrome and was dropped (``chrome_only``).
    """
    whole_page = "body/whole_page" in (item.get("fallbacks") or [])
    # Pages already known not to be articles (binary, challenge, empty shell) are dropped by validation.
    is_article = item.get("page_kind", "article") == "article"
    extracted = item.pop("page_text", None)
    if not is_article:
        text = ""
    elif whole_page and isinstance(extracted, str):
        text = extracted
    else:
        text = html_to_text(item.get("body_html"), whole_page=whole_page)
    title = item.get("title")
    if title and text.split("\n", 1)[0] == title:
        text = text.split("\n", 1)[1] if "\n" in text else ""  # the headline is the title, not body text
    chrome = bool(text) and whole_page and chrome_only(text, item.get("body_html") or "", title)
    item["text"] = "" if chrome else text
    item["extractor"] = EXTRACTOR
    return chrome
