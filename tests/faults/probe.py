"""Test-only crawl components, loaded by ``scrapy crawl`` subprocesses of the fault tests through ``-s``.

``EnteredDownloaderProbe`` sits just before the robots.txt middleware and logs every request that enters the
downloader, so a test can hold a site's robots.txt until it has seen the crawl queue requests behind it.
``FailForKeyPipeline`` raises a plain ``RuntimeError`` (not a ``DropItem``) for the article whose key is in
``NEWSCRAWL_TEST_FAIL_KEY``, as a bug or a hostile byte in a pipeline would.
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


class FailForKeyPipeline:
    def __init__(self, key: str) -> None:
        self.key = key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler.settings.get("NEWSCRAWL_TEST_FAIL_KEY", ""))

    def process_item(self, item: Any) -> Any:
        if item.get("key") == self.key:
            raise RuntimeError(f"injected pipeline fault for {self.key}")
        return item


def with_failing_pipeline(priority: int) -> str:
    """``ITEM_PIPELINES`` for ``-s``: the project's, plus the failing one at ``priority``."""
    return json.dumps({**project.ITEM_PIPELINES, f"{__name__}.FailForKeyPipeline": priority})
