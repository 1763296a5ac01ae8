"""How a record is numbered against what the archive knows of its article: version 1, N+1, or unchanged.

The crawl's dedupe pipeline and ``newscrawl archive reextract`` both number records here.
"""

from __future__ import annotations

from typing import Any

from newscrawl.archive.index import Entry
from newscrawl.drops import UnchangedArticle


def decide(record: dict[str, Any], known: Entry | None) -> dict[str, Any]:
    """Number the record against what the index knows; raise ``UnchangedArticle`` for a same re-check."""
    if known is None:
        record["version"], record["previous_hash"] = 1, None
        return record
    if known.content_hash == record["content_hash"] and (known.modified or None) == record.get("modified"):
        raise UnchangedArticle(f"{record['key']} unchanged since version {known.version}")
    record["version"], record["previous_hash"] = known.version + 1, known.content_hash
    return record
