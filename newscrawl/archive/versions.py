"""How a record is numbered against what the archive knows of its article: version 1, N+1, or unchanged.

The crawl's dedupe pipeline and ``newscrawl archive reextract`` both number records here.
"""

from __future__ import annotations

from typing import Any

from newscrawl.archive.index import Entry
from newscrawl.drops import UnchangedArticle


def decide(record: dict[str, Any], known: Entry | None, *, published_counts: bool = False) -> dict[str, Any]:
    """Number the record against what the index knows; raise ``UnchangedArticle`` for a same re-check.

    A re-check compares title, text and ``modified``; with ``published_counts`` (a re-extraction, which may
    correct the publication time alone) a different ``published`` is a new version too.
    """
    if known is None:
        record["version"], record["previous_hash"] = 1, None
        return record
    same = known.content_hash == record["content_hash"] and (known.modified or None) == record.get("modified")
    if same and (not published_counts or known.published == record.get("published")):
        raise UnchangedArticle(f"{record['key']} unchanged since version {known.version}")
    record["version"], record["previous_hash"] = known.version + 1, known.content_hash
    return record
