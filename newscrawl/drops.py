"""Why an item was not archived: one ``DropItem`` subclass per reason, counted by its class name."""

from __future__ import annotations

from scrapy.exceptions import DropItem


class ArticleDropped(DropItem):
    """Base of every drop reason; ``reason`` is the stats name (``newscrawl/dropped/<reason>``)."""

    reason = "dropped"


class ChallengePage(ArticleDropped):
    reason = "challenge_page"


class NotAnArticle(ArticleDropped):
    reason = "not_an_article"


class MissingTitle(ArticleDropped):
    reason = "missing_title"


class MissingBody(ArticleDropped):
    reason = "missing_body"


class DuplicateArticle(ArticleDropped):
    reason = "duplicate_article"


class UnchangedArticle(ArticleDropped):
    reason = "unchanged_article"


class BinaryContent(ArticleDropped):
    """Bytes that are not text (an image, PDF or archive) served with an HTML content type."""

    reason = "binary_content"
