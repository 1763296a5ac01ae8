"""Golden tests: every saved page of every registered site gives exactly its expected record.

Parametrised over site × fixture × field, so a change shows as the one field (and, for the body, the one
line) that moved. A registered site without a fixture fails. ``newscrawl fixtures rebuild`` rewrites the
expected files; review that diff as the spec.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from newscrawl.fixtures import VOLATILE, expected_path, expected_record, load_meta, pages
from newscrawl.record import FIELDS
from newscrawl.sites import SITES
from tests.conftest import FIXTURES, validate_record

SITE_FIXTURES = FIXTURES / "sites"
PAGES = pages(SITE_FIXTURES)
# What an expected file holds: the record's fields, the text as ``body`` lines, no volatile field.
EXPECTED_FIELDS = sorted({f for f in FIELDS if f not in VOLATILE and f != "text"} | {"body"})


@cache
def actual(page: Path) -> dict[str, Any]:
    return expected_record(page)


@cache
def expected(page: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(expected_path(page).read_text("utf-8"))
    return data


@pytest.mark.parametrize("site", sorted(SITES))
def test_every_registered_site_has_a_fixture(site: str) -> None:
    assert pages(SITE_FIXTURES, site), f"site {site!r} is registered but has no fixture in {SITE_FIXTURES / site}/"


@pytest.mark.parametrize("page", PAGES, ids=[p.name.removesuffix(".html.gz") for p in PAGES])
def test_fixture_files_are_complete(page: Path) -> None:
    assert page.parent.name in SITES, f"{page.parent.name} is no registered site"
    meta = load_meta(page)
    assert set(meta) >= {"url", "crawled_at", "real", "source"}
    assert isinstance(meta["real"], bool)
    assert set(expected(page)) == set(EXPECTED_FIELDS)
    assert expected(page)["site"] == page.parent.name


@pytest.mark.parametrize("page", PAGES, ids=[p.name.removesuffix(".html.gz") for p in PAGES])
def test_record_satisfies_the_schema(page: Path) -> None:
    record = {k: v for k, v in actual(page).items() if k != "body"}
    record["text"] = "\n".join(actual(page)["body"])
    record["extractor"] = "trafilatura/test"
    validate_record(record)


@pytest.mark.parametrize(
    ("page", "field"),
    [(p, f) for p in PAGES for f in EXPECTED_FIELDS],
    ids=[f"{p.name.removesuffix('.html.gz')}-{f}" for p in PAGES for f in EXPECTED_FIELDS],
)
def test_field(page: Path, field: str) -> None:
    want, got = expected(page)[field], actual(page)[field]
    if field == "body":
        for number, (want_line, got_line) in enumerate(zip(want, got, strict=False), start=1):
            assert got_line == want_line, f"body line {number} differs"
        assert len(got) == len(want), f"body has {len(got)} lines, expected {len(want)}"
    else:
        assert got == want
