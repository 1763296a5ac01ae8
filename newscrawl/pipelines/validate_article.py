"""Drop, with a named reason, whatever is not a whole article (``newscrawl.core.validate``): challenge pages,
empty shells, no title, no body."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.core.validate import Rejected, validate_article
from newscrawl.drops import drop_for
from newscrawl.pipelines.stats import CountingPipeline


class ValidateArticlePipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        try:
            validate_article(ItemAdapter(item))
        except Rejected as rejected:
            self.count(f"dropped/{rejected.reason}")
            raise drop_for(rejected) from None
        return item
