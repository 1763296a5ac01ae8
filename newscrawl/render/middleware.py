"""Which requests are rendered, escalation of JavaScript challenges, and counting what rendering dropped.

- :class:`RenderMiddleware`: a spider with ``render_js`` true (``-a render=js``, or its site profile's
  ``render_js``) gets its HTML pages rendered (articles, homepages, listings); feeds, sitemaps and
  robots.txt are always downloaded plainly. ``meta["playwright"]`` set in code (``True`` or ``False``) is
  left alone. Rendered requests get ``NEWSCRAWL_RENDER_RETRY_TIMES`` retries (a browser page is
  expensive); one that still fails is counted as ``newscrawl/render/dropped/<reason>`` (``timeout`` or
  ``error``). It sits below RetryMiddleware (540 < 550), so it sees an exception only once the retries
  are spent.
- :class:`EscalateChallengeMiddleware`: a plain download of an article that turns out to be a JavaScript
  challenge (``newscrawl.not_article.page_kind``) is requested once more through the browser when the site
  profile allows it (``render_on_challenge``) and the crawl did not say ``-a render=off``:
  ``newscrawl/render/escalated``.
  It sits above RetryNotArticleMiddleware (580 > 560), so a challenge goes to the browser at once
  instead of being waited out with plain retries first.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse

from newscrawl import config
from newscrawl.core.sites import site_for_url
from newscrawl.core.sites.base import Site
from newscrawl.core.urls import host_of
from newscrawl.not_article import is_article_request, page_kind
from newscrawl.render.errors import RenderTimeout

logger = logging.getLogger(__name__)

PLAIN_SOURCES = frozenset({"feed", "sitemap"})


def wants_render(request: Request) -> bool:
    """Whether a request of a rendering crawl is a page to render (not a feed, sitemap or robots.txt)."""
    if request.meta.get("dont_obey_robotstxt") or request.url.split("?", 1)[0].endswith("/robots.txt"):
        return False
    # An article is rendered whichever source found it; a feed or sitemap itself never is.
    return is_article_request(request) or request.meta.get("source") not in PLAIN_SOURCES


class _Counting:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def count(self, name: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawl/render/{name}")


class RenderMiddleware(_Counting):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.retry_times = config.get_int(crawler.settings, "NEWSCRAWL_RENDER_RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RenderMiddleware:
        return cls(crawler)

    def process_request(self, request: Request, spider: Any = None) -> None:
        if (
            "playwright" not in request.meta
            and getattr(self.crawler.spider, "render_js", False)
            and wants_render(request)
        ):
            request.meta["playwright"] = True
        if request.meta.get("playwright"):
            request.meta.setdefault("max_retry_times", self.retry_times)
            # A page that takes the browser seconds says nothing about the server's load: AutoThrottle
            # would otherwise raise the site's delay to that latency and crawl at a trickle afterwards.
            request.meta.setdefault("autothrottle_dont_adjust_delay", True)

    def process_exception(self, request: Request, exception: BaseException, spider: Any = None) -> None:
        if request.meta.get("playwright"):
            reason = "timeout" if isinstance(exception, RenderTimeout) else "error"
            self.count(f"dropped/{reason}")
            logger.warning("rendering %s failed after retries, dropped (%s): %s", request.url, reason, exception)


class EscalateChallengeMiddleware(_Counting):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EscalateChallengeMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if "playwright" in request.meta or "playwright" in response.flags or not is_article_request(request):
            return response
        if getattr(self.crawler.spider, "render", None) is False:
            return response
        site = self._site(request)
        if site is None or not site.render_on_challenge or not isinstance(response, TextResponse):
            return response
        if page_kind(response) != "challenge":
            return response
        self.count("escalated")
        logger.info("JavaScript challenge at %s: rendering it once in the browser", request.url)
        meta = {**request.meta, "playwright": True, "autothrottle_dont_adjust_delay": True}
        return request.replace(meta=meta, dont_filter=True)

    def _site(self, request: Request) -> Site | None:
        site = site_for_url(request.url)
        if site is None:
            own: Site | None = getattr(self.crawler.spider, "site", None)
            if own is not None and host_of(request.url) in own.hosts:
                site = own
        return site
