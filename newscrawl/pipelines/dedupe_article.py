"""One record per article: drop repeats within a run, unchanged re-checks, and number real revisions.

It takes the record ``BuildRecordPipeline`` built and numbers its version against the index.

An article a later pipeline failed on (``newscrawl.lost``) is not a repeat: another copy of it in the same
run may still be archived.
"""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.archive.crawl import archive_enabled, archive_for
from newscrawl.archive.versions import decide
from newscrawl.drops import ArticleDropped, DuplicateArticle, UnchangedArticle
from newscrawl.pipelines.stats import CountingPipeline


class DedupeArticlePipeline(CountingPipeline):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.item_error, signal=signals.item_error)
        return pipeline

    def open_spider(self, spider: Any = None) -> None:
        self.seen = set()

    def item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        self.seen.discard(str(ItemAdapter(item).get("key") or ""))

    def process_item(self, record: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        key = record["key"]
        try:
            if key in self.seen:
                raise DuplicateArticle(f"{key} already archived in this run")
            self.seen.add(key)
            if not archive_enabled(self.crawler):
                return decide(record, None)  # no archive to compare with: every article is version 1
            archive = archive_for(self.crawler)
            try:
                record = decide(record, archive.index.get(key))
            except UnchangedArticle:
                archive.mark_checked(key, record["crawled_at"])
                raise
        except ArticleDropped as drop:
            self.count(f"dropped/{drop.reason}")
            raise
        return record
