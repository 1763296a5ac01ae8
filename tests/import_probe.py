"""A test-only extension: records in the crawl stats whether optional engines were imported by the end."""

from __future__ import annotations

import sys
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler


class ImportProbe:
    MODULES = ("curl_cffi", "newscrawl.impersonate")

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def spider_closed(self, spider: Any, reason: str) -> None:
        assert self.crawler.stats is not None
        loaded = sorted(name for name in self.MODULES if name in sys.modules)
        self.crawler.stats.set_value("test/imported", loaded)
