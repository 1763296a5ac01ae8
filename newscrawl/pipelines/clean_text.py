"""Turn the article body's HTML into clean text (``newscrawl.core.text.clean_text``) and count what it did."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.core.text import clean_text
from newscrawl.pipelines.stats import CountingPipeline


class CleanTextPipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        if clean_text(adapter):  # sets text and extractor, takes page_text off
            self.count("clean_text/chrome_only")
        self.count("clean_text/items")
        if not adapter["text"]:
            self.count("clean_text/empty")
        return item
