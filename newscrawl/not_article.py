"""Pages answered with 200 that are no article (bot challenges, consent walls, empty shells): retried later.

A challenge usually passes after a while, so an article request whose page ``detect_kind`` calls a
``challenge`` or ``not_article`` is re-requested with backoff (``NEWSCRAWL_NOT_ARTICLE_BACKOFF`` seconds,
doubled each time, up to ``NEWSCRAWL_NOT_ARTICLE_RETRIES`` times). The wait happens in the download path
of that one request, not in the crawl. After the last try the page goes on to the spider, and
``ValidateArticlePipeline`` drops it with its reason, so it is never archived. Counted under
``newscrawl/not_article/{seen,retried,gave_up}/<kind>`` and summed up in the log when the spider closes.
"""

from __future__ import annotations

from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from newscrawl.dates import utc_now
from newscrawl.shutdown import wait
from newscrawl.sites.base import CHALLENGE_MARKERS, Page, detect_kind

RETRIES_META = "newscrawl_not_article_retries"


def is_article_request(request: Request) -> bool:
    """Requests the spiders make for article pages carry ``ref`` (site spiders) or ``article`` (news spider)."""
    return request.meta.get("ref") is not None or bool(request.meta.get("article"))


def page_kind(url: str, text: str) -> str:
    """``detect_kind`` of a page, skipping the HTML parse for the usual case: no challenge marker and an
    ``<article>`` or ``<h1>`` tag in the source (the spider parses the page anyway)."""
    lowered = text[:200_000].lower()
    if not any(marker in lowered for marker in CHALLENGE_MARKERS) and ("<article" in lowered or "<h1" in lowered):
        return "article"
    return detect_kind(Page(url=url, text=text, crawled_at=utc_now()))


class RetryNotArticleMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.stats = crawler.stats
        self.crawler = crawler
        self.retries = crawler.settings.getint("NEWSCRAWL_NOT_ARTICLE_RETRIES", 2)
        self.backoff = crawler.settings.getfloat("NEWSCRAWL_NOT_ARTICLE_BACKOFF", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if response.status != 200 or not isinstance(response, TextResponse) or not is_article_request(request):
            return response
        kind = page_kind(response.url, response.text)
        if kind in {"article", "binary"}:  # bytes that are no text will not turn into an article later
            return response
        self._count(f"seen/{kind}")
        tries = int(request.meta.get(RETRIES_META, 0))
        if tries >= self.retries:
            self._count(f"gave_up/{kind}")
            return response  # the validate pipeline drops it with its reason
        delay = self.backoff * 2**tries
        self._count(f"retried/{kind}")
        if delay > 0 and await wait(self.crawler, delay):
            return response  # the run is stopping: the validate pipeline drops it with its reason
        retry = request.replace(dont_filter=True)
        retry.meta[RETRIES_META] = tries + 1
        return retry

    def _count(self, name: str) -> None:
        self.stats.inc_value(f"newscrawl/not_article/{name}")

    def spider_closed(self, spider: Any, reason: str) -> None:
        seen = {
            k.removeprefix("newscrawl/not_article/"): v
            for k, v in self.stats.get_stats().items()
            if k.startswith("newscrawl/not_article/")
        }
        if seen:
            spider.logger.warning(
                "pages that were no article (answered 200): %s",
                ", ".join(f"{k}={v}" for k, v in sorted(seen.items())),
            )
