"""Strip boilerplate lines (ad labels, error-report footers, subscribe calls, "read also" promos).

Patterns come from the item's site profile through the registry, so saved items can be re-processed
offline. Editorial lead-ins (``Джерело:``, ``Деталі:``, ``Нагадаємо:`` …) are article text and stay.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from newscrawl.pipelines.stats import CountingPipeline
from newscrawl.sites import SITES
from newscrawl.sites.base import Boilerplate, boilerplate
from newscrawl.sites.upgroup import FAMILY_BOILERPLATE

# Sites without patterns of their own (the generic spider) get the widely shared ones, and two kinds of
# line that are never an article's prose: a bare timestamp (page metadata trafilatura took for text) and
# the reprint/print buttons. (Measured on AEB: repeated lines, copyright lines and bare URLs are more often
# article text than not, so they stay.)
GENERIC_BOILERPLATE: tuple[Boilerplate, ...] = (
    *(b for b in FAMILY_BOILERPLATE if b.name in {"ad_label", "error_report", "link_copied"}),
    boilerplate("timestamp", r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$"),
    boilerplate("reprints", r"^(?:Order Reprints|Print Article|Print this article)\s*$"),
)


def patterns_for(site_key: str | None) -> tuple[Boilerplate, ...]:
    site = SITES.get(site_key or "")
    return site.boilerplate if site and site.boilerplate else GENERIC_BOILERPLATE


def strip_lines(text: str, patterns: tuple[Boilerplate, ...]) -> tuple[str, list[tuple[str, str]]]:
    """The text without boilerplate lines, and (pattern name, removed line) for each line removed."""
    kept: list[str] = []
    removed: list[tuple[str, str]] = []
    for line in text.splitlines():
        hit = next((b.name for b in patterns if b.pattern.search(line)), None)
        if hit is None:
            kept.append(line)
        else:
            removed.append((hit, line))
    return "\n".join(kept), removed


def strip_boilerplate(item: dict[str, Any]) -> list[tuple[str, str]]:
    """Strip the item's ``text`` in place; returns what was removed, by pattern name."""
    text, removed = strip_lines(item.get("text") or "", patterns_for(item.get("site")))
    item["text"] = text
    return removed


class StripBoilerplatePipeline(CountingPipeline):
    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        text: str = adapter.get("text") or ""
        data: dict[str, Any] = {"text": text, "site": adapter.get("site")}
        removed = strip_boilerplate(data)
        adapter["text"] = data["text"]
        for name, _line in removed:
            self.count(f"boilerplate/{name}")
        if removed:
            self.count("boilerplate/items_changed")
            self.count("boilerplate/chars_removed", len(text) - len(data["text"]))
        return item
