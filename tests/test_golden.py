"""Golden tests: every fixture page of every registered site gives exactly its expected record.

Expected files are written by ``newscrawl fixtures rebuild`` and reviewed as a diff; these tests compare
field by field (the body line by line) and validate each record against the JSON schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newscrawl.core.sites import SITES
from newscrawl.fixtures import expected_path, expected_record, load_meta, pages
from tests.conftest import FIXTURES, validate_record

SITE_FIXTURES = FIXTURES / "sites"
FIELDS = (
    "url", "site", "lang", "article_id", "key", "title", "authors", "published", "modified", "section", "tags",
    "alternates", "content_hash", "version", "previous_hash", "crawled_at", "parser", "fallbacks", "body",
)


def all_pages() -> list[Path]:
    return pages(SITE_FIXTURES)


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_registered_site_has_fixtures(site: str) -> None:
    assert pages(SITE_FIXTURES, site), f"site {site!r} is registered but has no fixture in {SITE_FIXTURES / site}"


@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.name.removesuffix(".html.gz"))
def test_fixture_is_complete(page: Path) -> None:
    meta = load_meta(page)
    assert set(meta) >= {"url", "crawled_at", "real", "source"}
    assert isinstance(meta["real"], bool)
    if not meta["real"]:
        assert "hand-written" in meta["source"], "a page written by hand must say so in its metadata"
    assert page.name.startswith(page.parent.name + "_")
    assert expected_path(page).exists(), "run `newscrawl fixtures rebuild` and review the diff"


_cache: dict[Path, dict[str, Any]] = {}


def actual(page: Path) -> dict[str, Any]:
    if page not in _cache:
        _cache[page] = expected_record(page)
    return _cache[page]


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.name.removesuffix(".html.gz"))
def test_field(page: Path, field: str) -> None:
    expected = json.loads(expected_path(page).read_text("utf-8"))
    got = actual(page)
    if field == "body":
        assert got["body"] == expected["body"]
        assert all(line.strip() == line and line for line in got["body"])
    else:
        assert got[field] == expected[field]


@pytest.mark.parametrize("page", all_pages(), ids=lambda p: p.name.removesuffix(".html.gz"))
def test_record_matches_schema(page: Path) -> None:
    record = dict(actual(page))
    record["text"] = "\n".join(record.pop("body"))
    record["extractor"] = "trafilatura/test"
    validate_record(record)
