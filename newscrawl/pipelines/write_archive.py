"""Append each record to the site's archive file; the seen-index learns of it once it is durable."""

from __future__ import annotations

from typing import Any

from newscrawl.archive.crawl import write_record
from newscrawl.pipelines.stats import CountingPipeline


class WriteArchivePipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        write_record(self.crawler, item)
        self.count("archive/new" if item["version"] == 1 else "archive/updated")
        self.count(f"archive/lang/{item['lang']}")
        return item
