"""Turn the article body's HTML into clean text with trafilatura: one paragraph, list item or heading a line."""

from __future__ import annotations

import re
from typing import Any

import trafilatura
from itemadapter import ItemAdapter

from newscrawl.pipelines.stats import CountingPipeline

EXTRACTOR = f"trafilatura/{trafilatura.__version__}"
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u200b\ufeff]+")


def html_to_text(html: str | None, *, whole_page: bool = False) -> str:
    """Clean text of an HTML fragment (the body a parser found) or of a whole page.

    A fragment is already the article, so trafilatura runs with ``favor_recall`` to keep short lines such
    as sub-headings and lead-ins; a whole page runs with trafilatura's defaults, which cut the chrome.
    """
    if not html or not html.strip():
        return ""
    text = trafilatura.extract(
        html,
        output_format="txt",
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        deduplicate=False,
        favor_recall=not whole_page,
        with_metadata=False,
    )
    return normalize_text(text or "")


def normalize_text(text: str) -> str:
    """Fold runs of blanks (non-breaking spaces too) and drop empty lines."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean_text(item: dict[str, Any]) -> None:
    """Fill ``text`` and ``extractor`` from ``body_html``; the whole-page fallback is in ``fallbacks``."""
    whole_page = "body/whole_page" in (item.get("fallbacks") or [])
    # Pages already known not to be articles (binary, challenge, empty shell) are dropped by validation.
    is_article = item.get("page_kind", "article") == "article"
    item["text"] = html_to_text(item.get("body_html"), whole_page=whole_page) if is_article else ""
    item["extractor"] = EXTRACTOR


class CleanTextPipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        data = adapter.asdict()
        clean_text(data)
        adapter["text"] = data["text"]
        adapter["extractor"] = data["extractor"]
        self.count("clean_text/items")
        if not data["text"]:
            self.count("clean_text/empty")
        return item
