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
    """A re-check found the archived version: the normal case for a cron run, so logged at DEBUG only."""

    reason = "unchanged_article"

    def __init__(self, message: str, log_level: str | None = "DEBUG") -> None:
        super().__init__(message, log_level)


class BinaryContent(ArticleDropped):
    """Bytes that are not text (an image, PDF or archive) served with an HTML content type."""

    reason = "binary_content"
