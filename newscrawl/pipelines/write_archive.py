"""Append each record to the site's archive file; the seen-index learns of it once it is durable.

With ``NEWSCRAWL_ARCHIVE_ENABLED=0`` nothing is written; the record is still counted as new and passed on
(to Scrapy's feed exports, ``-O``)."""

from __future__ import annotations

from typing import Any

from newscrawl.archive.crawl import archive_enabled, write_record
from newscrawl.pipelines.stats import CountingPipeline
from newscrawl.statnames import ARCHIVE_NEW, ARCHIVE_UPDATED


class WriteArchivePipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        if archive_enabled(self.crawler):
            write_record(self.crawler, item)
        self.count(ARCHIVE_NEW if item["version"] == 1 else ARCHIVE_UPDATED)
        self.count(f"archive/lang/{item['lang']}")
        return item
