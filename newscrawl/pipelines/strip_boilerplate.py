"""Strip boilerplate lines with the patterns of the item's site (``newscrawl.core.boilerplate``), counted by name.

Patterns come from the item's site profile through the registry, so saved items can be re-processed
offline.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.core.boilerplate import strip_boilerplate
from newscrawl.core.sites import patterns_for
from newscrawl.pipelines.stats import CountingPipeline


class StripBoilerplatePipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        before = len(adapter.get("text") or "")
        removed = strip_boilerplate(adapter, patterns_for(adapter.get("site")))
        for name, _line in removed:
            self.count(f"boilerplate/{name}")
        if removed:
            self.count("boilerplate/items_changed")
            self.count("boilerplate/chars_removed", before - len(adapter["text"]))
        return item
