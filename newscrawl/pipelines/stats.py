"""A small base for pipelines that count what they do under ``newscrawl/`` in the crawl stats."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector


class CountingPipeline:
    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats: StatsCollector = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def count(self, name: str, value: int = 1) -> None:
        self.stats.inc_value(f"newscrawl/{name}", value)

    def process_item(self, item: Any, spider: Any = None) -> Any:  # pragma: no cover - overridden
        return item
