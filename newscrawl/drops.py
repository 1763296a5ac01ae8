"""Why an item was not archived: one ``DropItem`` subclass per reason, counted by its class name.

The reasons of ``newscrawl.core.validate`` are plain exceptions (the core runs without Scrapy); each has
its counterpart here, a subclass of both, which the validate pipeline raises (``drop_for``).
"""

from __future__ import annotations

from scrapy.exceptions import DropItem

from newscrawl.core import validate


class ArticleDropped(DropItem):
    """Base of every drop reason; ``reason`` is the stats name (``newscrawl/dropped/<reason>``)."""

    reason = "dropped"


class ChallengePage(validate.ChallengePage, ArticleDropped):
    pass


class NotAnArticle(validate.NotAnArticle, ArticleDropped):
    pass


class MissingTitle(validate.MissingTitle, ArticleDropped):
    pass


class MissingBody(validate.MissingBody, ArticleDropped):
    pass


class BinaryContent(validate.BinaryContent, ArticleDropped):
    """Bytes that are not text (an image, PDF or archive) served with an HTML content type."""


class DuplicateArticle(ArticleDropped):
    reason = "duplicate_article"


class UnchangedArticle(ArticleDropped):
    """A re-check found the archived version: the normal case for a cron run, so logged at DEBUG only."""

    reason = "unchanged_article"

    def __init__(self, message: str, log_level: str | None = "DEBUG") -> None:
        super().__init__(message, log_level)


_DROPS: dict[type[validate.Rejected], type[ArticleDropped]] = {
    validate.ChallengePage: ChallengePage,
    validate.NotAnArticle: NotAnArticle,
    validate.MissingTitle: MissingTitle,
    validate.MissingBody: MissingBody,
    validate.BinaryContent: BinaryContent,
}


def drop_for(rejected: validate.Rejected) -> ArticleDropped:
    """The ``DropItem`` of the core's reason, with its message."""
    return _DROPS[type(rejected)](str(rejected))
