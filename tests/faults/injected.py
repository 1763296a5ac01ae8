"""Test-only crawl components, injected into the ``scrapy crawl`` subprocesses of the fault tests with ``-s``.

``EnteredDownloaderProbe`` sits just before the robots.txt middleware and logs every request that enters the
downloader, so a test can hold a site's robots.txt until it has seen the crawl queue requests behind it.
The ``...ForKeyPipeline`` classes make one article (``-s TEST_FAULT_KEY=<key>``) fail in the pipelines with
an exception that is not a ``DropItem``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler

from newscrawl import settings as project

logger = logging.getLogger(__name__)
ENTERED = "probe: entered the downloader: "


class EnteredDownloaderProbe:
    def process_request(self, request: Request) -> None:
        if not request.meta.get("dont_obey_robotstxt"):  # the middleware's own robots.txt download
            logger.info("%s%s", ENTERED, request.url)


def with_probe() -> str:
    """``DOWNLOADER_MIDDLEWARES`` for ``-s``: the project's, plus the probe just before robots.txt (100)."""
    return json.dumps({**project.DOWNLOADER_MIDDLEWARES, f"{__name__}.EnteredDownloaderProbe": 99})


class _ForKey:
    """A pipeline that harms the article whose key is the ``TEST_FAULT_KEY`` setting."""

    def __init__(self, key: str) -> None:
        self.key = key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.get("TEST_FAULT_KEY", ""))


class RaiseForKeyPipeline(_ForKey):
    """Raises a plain ``RuntimeError``, as a bug in a pipeline would."""

    def process_item(self, item: Any) -> Any:
        if item.get("key") == self.key:
            raise RuntimeError(f"injected pipeline fault for {self.key}")
        return item


class LoneSurrogateForKeyPipeline(_ForKey):
    """Puts a lone surrogate into the record's authors after extraction, so the archive write itself fails
    (``UnicodeEncodeError``), as it did before extraction replaced them."""

    def process_item(self, item: Any) -> Any:
        if item.get("key") == self.key:
            item["authors"] = [*item["authors"], "Ivan \ud800 Petrenko"]
        return item


class RaiseForUrlSpiderMiddleware:
    """Raises while the spider handles the page at the ``TEST_FAULT_URL`` setting, as a parser bug would."""

    def __init__(self, url: str) -> None:
        self.url = url

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.get("TEST_FAULT_URL", ""))

    async def process_spider_output(self, response: Any, result: Any) -> Any:
        if response.url == self.url:
            raise ValueError(f"injected parser fault for {self.url}")
        async for item in result:
            yield item


def with_spider_middleware() -> str:
    """``SPIDER_MIDDLEWARES`` for ``-s``: the project's (if any) plus the raising one, nearest the spider."""
    return json.dumps({**getattr(project, "SPIDER_MIDDLEWARES", {}), f"{__name__}.RaiseForUrlSpiderMiddleware": 999})


def with_pipeline(name: str, priority: int) -> str:
    """``ITEM_PIPELINES`` for ``-s``: the project's, plus the pipeline ``name`` of this module at ``priority``."""
    return json.dumps({**project.ITEM_PIPELINES, f"{__name__}.{name}": priority})
