"""Articles a run lost after fetching them: a pipeline or a page's parsing raised something other than a drop.

Scrapy logs such an exception (signal ``item_error`` for a pipeline, ``spider_error`` for a spider callback,
such as a parser that crashes on a page) and carries on, so the article (or, for a feed, listing or sitemap,
the articles it would have named) is neither archived nor dropped for a named reason (``newscrawl.drops``).
:class:`CountLostArticles` counts it under ``newscrawl/lost/pipeline_error`` or ``newscrawl/lost/parse_error``.
Like a failed article download (``newscrawl/articles/failed``), a lost article keeps the run's sitemap
watermarks where they were (``newscrawl.sitemaps``) and marks the run incomplete (``newscrawl.archive.crawl``),
so the next run reads every source in full and fetches the article again: the seen-index never learnt of it.
A run that lost an article exits ``FAILED`` (``newscrawl.outcome``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.python.failure import Failure

from newscrawl.statnames import ARTICLES_FAILED, LOST, count_in, stat

logger = logging.getLogger(__name__)


def lost_by_reason(stats: Mapping[str, Any]) -> dict[str, int]:
    """``{reason: articles}`` of the articles this run lost (``newscrawl/lost/<reason>``)."""
    prefix = stat(LOST)
    return {key.removeprefix(prefix): int(value) for key, value in sorted(stats.items()) if key.startswith(prefix)}


def articles_missed(stats: Mapping[str, Any]) -> int:
    """Articles this run found but did not archive nor drop for a reason: failed downloads and lost ones.
    Any at all, and the run must not let a later one pass them by."""
    return count_in(stats, ARTICLES_FAILED) + sum(lost_by_reason(stats).values())


class CountLostArticles:
    """Extension: count each item a pipeline failed on (``item_error``) as ``newscrawl/lost/pipeline_error``, and
    each page whose callback raised (``spider_error``) as ``newscrawl/lost/parse_error``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        # Scrapy keeps weak references to signal handlers: hold the bound methods.
        self._on_item_error = self.item_error
        self._on_spider_error = self.spider_error
        crawler.signals.connect(self._on_item_error, signal=signals.item_error)
        crawler.signals.connect(self._on_spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def item_error(self, item: Any, response: Any, spider: Any, failure: Failure) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stat(LOST + "pipeline_error"))
        url = item.get("url") if isinstance(item, Mapping) else None
        logger.error(
            "article lost: %s (pipeline_error: %s: %s); the next run fetches it again",
            url or getattr(response, "url", "?"),
            type(failure.value).__name__,
            failure.value,
        )

    def spider_error(self, failure: Failure, response: Any, spider: Any) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stat(LOST + "parse_error"))
        logger.error(
            "page lost: %s (parse_error: %s: %s); the next run fetches it again",
            getattr(response, "url", "?"),
            type(failure.value).__name__,
            failure.value,
        )
