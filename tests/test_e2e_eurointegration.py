"""End to end: ``scrapy crawl eurointegration`` against a hand-written mirror of the site on 127.0.0.1.

The archive must hold exactly the mirror's articles, each once, with exact titles, dates and text; no
request may leave the site; a second crawl adds nothing and exits 0.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newscrawl import exitcodes
from newscrawl.samples.eurointegration import build_mirror
from tests.conftest import Mirror, read_archive, run_crawl

HOSTS = ("/www.eurointegration.com.ua/", "/eurointegration.com.ua/")


def crawl(mirror: Mirror, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = run_crawl("eurointegration", *args, mirror=mirror.url, output=out, timeout=240)
    assert isinstance(result, subprocess.CompletedProcess)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    root = tmp_path_factory.mktemp("mirror")
    return root, build_mirror(root)


def test_crawl_archives_every_article_once(
    site: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    root, expected = site
    mirror = serve_mirror(root)
    out = tmp_path / "output"

    first = crawl(mirror, out, "since=2016-12-01", "until=2025-12-31")
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    records = read_archive(out)
    by_url = {r["url"]: r for r in records}
    assert Counter(r["key"] for r in records).most_common(1)[0][1] == 1
    assert sorted(by_url) == sorted(e["url"] for e in expected)
    assert len(records) == len(expected) >= 32
    for e in expected:
        got = by_url[e["url"]]
        assert (got["lang"], got["article_id"]) == (e["lang"], e["article_id"])
        assert got["title"] == e["title"]
        assert got["published"] == e["published"]
        assert got["text"] == e["text"], e["url"]
        assert got["site"] == "eurointegration" and got["version"] == 1
    assert {r["lang"] for r in records} == {"uk", "ru", "en"}
    # every request stayed on the site (sister sites, social networks and pda. are linked, never fetched)
    requested = mirror.requested()
    assert requested and all(path.startswith(HOSTS) for path in requested), [
        p for p in requested if not p.startswith(HOSTS)
    ]
    # each article page was downloaded once, whatever variants linked to it
    article_hits = Counter(p.split("?")[0] for p in requested if p.rstrip("/").rsplit("/", 1)[-1].isdigit())
    assert set(article_hits.values()) == {1}
    assert len(article_hits) == len(expected)

    # A backfill of two days reads their date archives and adds nothing; an everyday run adds nothing.
    second = crawl(mirror, out, "since=2023-05-10", "until=2023-05-11")
    assert second.returncode == exitcodes.OK, second.stderr[-3000:]
    assert "/www.eurointegration.com.ua/news/date_10052023/" in mirror.requested()
    assert "/www.eurointegration.com.ua/rus/news/date_11052023/" in mirror.requested()
    third = crawl(mirror, out)
    assert third.returncode == exitcodes.OK, third.stderr[-3000:]
    assert sorted(read_archive(out), key=lambda r: r["key"]) == sorted(records, key=lambda r: r["key"])
    assert len(list(out.rglob("*.jsonl"))) == 1


def test_language_restriction(
    site: tuple[Path, list[dict[str, Any]]], tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    root, expected = site
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    result = crawl(mirror, out, "lang=en", "since=2016-12-01", "until=2025-12-31")
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    records = read_archive(out)
    assert sorted(r["url"] for r in records) == sorted(e["url"] for e in expected if e["lang"] == "en")
    assert not [p for p in mirror.requested() if "/rus/" in p]
