"""Whether an item is a whole article worth a record, and the named reason when it is not.

The reasons are plain exceptions, so the core runs without Scrapy; ``newscrawl.drops`` holds their
``DropItem`` counterparts, which the crawl's validate pipeline raises instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Rejected(Exception):
    """Base of every reason a page is not archived; ``reason`` is the stats name (``newscrawl/dropped/<reason>``)."""

    reason = "dropped"


class ChallengePage(Rejected):
    reason = "challenge_page"


class NotAnArticle(Rejected):
    reason = "not_an_article"


class MissingTitle(Rejected):
    reason = "missing_title"


class MissingBody(Rejected):
    reason = "missing_body"


class BinaryContent(Rejected):
    """Bytes that are not text (an image, PDF or archive) served with an HTML content type."""

    reason = "binary_content"


def validate_article(item: Mapping[str, Any]) -> None:
    """Raise the reason for an item that must not be archived: not an article, no title, no body."""
    url = item.get("url")
    kind = item.get("page_kind", "article")
    if kind == "binary":
        raise BinaryContent(f"binary content served as a page at {url}")
    if kind == "challenge":
        raise ChallengePage(f"bot challenge page at {url}")
    if kind == "not_article":
        raise NotAnArticle(f"no article structure at {url}")
    if kind == "not_article_url":
        raise NotAnArticle(f"not an article URL of site {item.get('site')}: {url}")
    if not (item.get("title") or "").strip():
        raise MissingTitle(f"no title at {url}")
    if not (item.get("text") or "").strip():
        raise MissingBody(f"no article body at {url}")
