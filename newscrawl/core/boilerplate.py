"""Strip boilerplate lines (ad labels, error-report footers, subscribe calls, "read also" promos) from text.

The patterns are a site profile's (``newscrawl.core.sites``); editorial lead-ins (``Джерело:``, ``Деталі:``,
``Нагадаємо:`` …) are article text and stay.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Boilerplate:
    """A named line pattern to strip from article text; ``name`` is what the stats count."""

    name: str
    pattern: re.Pattern[str]


def boilerplate(name: str, regex: str) -> Boilerplate:
    return Boilerplate(name, re.compile(regex, re.IGNORECASE))


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


def strip_boilerplate(item: MutableMapping[str, Any], patterns: tuple[Boilerplate, ...]) -> list[tuple[str, str]]:
    """Strip the item's ``text`` in place; returns what was removed, by pattern name."""
    text, removed = strip_lines(item.get("text") or "", patterns)
    item["text"] = text
    return removed
