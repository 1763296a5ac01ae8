"""The archive record: its fields, its content hash, and the JSON Schema every record must satisfy."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib.resources import files
from typing import Any

SCHEMA_VERSION = 1

# Field order of a written record (JSON objects keep it, so archives read well with jq and in diffs).
FIELDS = (
    "url",
    "site",
    "lang",
    "article_id",
    "key",
    "title",
    "authors",
    "published",
    "modified",
    "section",
    "tags",
    "text",
    "alternates",
    "content_hash",
    "version",
    "previous_hash",
    "crawled_at",
    "parser",
    "extractor",
    "fallbacks",
)


def content_hash(title: str | None, text: str | None) -> str:
    """What a revision is measured by: the title and the clean text."""
    digest = hashlib.sha256(f"{title or ''}\n{text or ''}".encode()).hexdigest()
    return f"sha256:{digest}"


def finalize(item: dict[str, Any]) -> dict[str, Any]:
    """The record to archive: the schema's fields in order, internal working fields left out."""
    record = {name: item.get(name) for name in FIELDS}
    record["authors"] = list(record["authors"] or [])
    record["tags"] = list(record["tags"] or [])
    record["alternates"] = dict(record["alternates"] or {})
    record["fallbacks"] = list(record["fallbacks"] or [])
    record["content_hash"] = content_hash(record["title"], record["text"])
    record["version"] = record["version"] or 1
    # Working keys (``_capture``) ride along to the pipelines that take them; they are never archived.
    record.update((k, v) for k, v in item.items() if k.startswith("_"))
    return record


try:  # orjson parses a record 2-3 times faster; the archive tools read millions of them
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - orjson is a dependency; json reads the same archive
    _loads = json.loads  # type: ignore[assignment]


def loads(line: bytes) -> Any:
    """Parse one JSONL line (bytes, UTF-8); raises ValueError on a line that is not JSON."""
    return _loads(line)


def dumps(record: dict[str, Any]) -> bytes:
    """One JSONL line: UTF-8, not ``\\u``-escaped, no newline inside, newline at the end."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


@cache
def schema() -> dict[str, Any]:
    text = files("newscrawl").joinpath("schema/article.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data
