"""Turn the article body's HTML into clean text with trafilatura: one paragraph, list item or heading a line."""

from __future__ import annotations

import re
from importlib.metadata import version
from typing import Any

from itemadapter import ItemAdapter
from lxml import etree

from newscrawl.pipelines.stats import CountingPipeline

EXTRACTOR = f"trafilatura/{version('trafilatura')}"
# Only ASCII blanks are folded: a non-breaking space is the newsroom's typography and part of the text.
_BLANKS = re.compile(r"[ \t\r\n\f\v]+")
# trafilatura's XML elements that are one line of text each.
_LINE_TAGS = {"p", "head", "item", "row", "cell"}
# trafilatura folds every Unicode blank, U+00A0 too; a stand-in carries it through.
_NBSP_STAND_IN = "\u2e3a\u2423\u2e3a"  # printable (trafilatura drops unprintables), never in news text
_NBSP = re.compile(r"\xa0|&nbsp;|&#160;|&#xa0;", re.IGNORECASE)


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
    html = _NBSP.sub(_NBSP_STAND_IN, html)
    document = html if whole_page else f"<html><body><article>{html}</article></body></html>"
    # Imported on the first page, not at start-up: it is a third of the crawl's import time, and a cron
    # run's first requests (feeds, listings) need no extraction.
    import trafilatura

    xml = trafilatura.extract(
        document,
        output_format="xml",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        include_formatting=False,
        deduplicate=False,
        favor_recall=not whole_page,
        fast=not whole_page,
        with_metadata=False,
    )
    if not xml:
        return ""
    root = etree.fromstring(xml.encode("utf-8"))
    main = root.find("main")
    return "\n".join(_lines(main if main is not None else root))


def _lines(element: etree._Element) -> list[str]:
    lines: list[str] = []
    for child in element:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "row":
            cells = [normalize_line("".join(cell.itertext())) for cell in child]
            line = " | ".join(c for c in cells if c)
            if line:
                lines.append(line)
        elif child.tag in _LINE_TAGS and not any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in child):
            line = normalize_line("".join(child.itertext()))
            if line:
                lines.append(line)
        else:
            lines.extend(_lines(child))
        # text directly inside a container (rare) is a line of its own
        if child.tail and child.tail.strip() and element.tag not in _LINE_TAGS:
            lines.append(normalize_line(child.tail))
    return lines


_BLOCK_TAGS = {"p", "head", "list", "item", "quote", "table", "row", "div"}


def normalize_line(text: str) -> str:
    """One line: ASCII blanks folded, blanks of any kind trimmed at the ends, inner U+00A0 kept."""
    return _BLANKS.sub(" ", text.replace(_NBSP_STAND_IN, "\xa0")).strip()


def normalize_text(text: str) -> str:
    """Fold runs of ASCII blanks in each line and drop empty lines."""
    lines = (normalize_line(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean_text(item: dict[str, Any]) -> None:
    """Fill ``text`` and ``extractor`` from ``body_html``; the whole-page fallback is in ``fallbacks``.

    ``page_text`` is the whole page's text when classifying the page already extracted it
    (``newscrawl.extraction``): the same call on the same HTML, so it is taken as it is.
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
    item["text"] = text
    item["extractor"] = EXTRACTOR


class CleanTextPipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        data = adapter.asdict()
        clean_text(data)
        adapter["text"] = data["text"]
        adapter["extractor"] = data["extractor"]
        if "page_text" in adapter:
            del adapter["page_text"]  # a copy of the text: no need to carry it further
        self.count("clean_text/items")
        if not data["text"]:
            self.count("clean_text/empty")
        return item
