"""Build the archive record of a valid article (``newscrawl.core.record.finalize``): the schema's fields in
order, the content hash, and the item's ``_`` keys carried along; working fields stay behind."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.core.record import finalize
from newscrawl.pipelines.stats import CountingPipeline


class BuildRecordPipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> dict[str, Any]:
        return finalize(ItemAdapter(item))
