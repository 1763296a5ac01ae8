"""The extraction core is one pure package under the crawl: it loads no Scrapy and no Twisted, its layers
import downwards only, and a crawl decodes, scans and parses each article response once."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

import newscrawl.core.extract as core_extract
import newscrawl.core.kind as core_kind
import newscrawl.not_article as not_article
from newscrawl.not_article import RetryNotArticleMiddleware, take_parsed
from newscrawl.render.middleware import EscalateChallengeMiddleware
from newscrawl.spiders.eurointegration import EurointegrationSpider
from tests.faults.challenge_pages import scripted_page, short_article

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests/fixtures/sites/eurointegration/eurointegration_2023_05_10_japan_nato_office"
# The core's modules below the one that looks a site profile up, in the order of the package docstring.
LEAVES = ("dates", "urls", "decode", "boilerplate", "record", "validate", "page", "kind", "text")

PROBE = """
import gzip, json, sys
from datetime import datetime
from pathlib import Path

import newscrawl.core
import newscrawl.core.extract
import newscrawl

stem = Path(sys.argv[1])
meta = json.loads(stem.with_name(stem.name + ".meta.json").read_text(encoding="utf-8"))
body = gzip.decompress(stem.with_name(stem.name + ".html.gz").read_bytes())
record = newscrawl.extract(body, meta["url"], datetime.fromisoformat(meta["crawled_at"]))
print(json.dumps({
    "title": record["title"],
    "content_hash": record["content_hash"],
    "loaded": sorted(m for m in sys.modules if m.split(".")[0] in {"scrapy", "twisted"}),
    "ours": sorted(m for m in sys.modules if m.startswith("newscrawl.")
                   and not m.startswith(("newscrawl.core", "newscrawl.core.sites"))),
}))
"""


def run_probe(code: str, *args: str) -> Any:
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_the_core_and_newscrawl_extract_load_no_scrapy_and_no_twisted() -> None:
    """Importing ``newscrawl.core`` and extracting a fixture page with ``newscrawl.extract`` in a fresh
    interpreter loads no module of Scrapy or Twisted, and nothing of newscrawl beyond the core and the sites."""
    expected = json.loads(FIXTURE.with_name(FIXTURE.name + ".expected.json").read_text(encoding="utf-8"))
    got = run_probe(PROBE, str(FIXTURE))
    assert (got["title"], got["content_hash"]) == (expected["title"], expected["content_hash"])
    assert got["loaded"] == []
    assert got["ours"] == []


def test_the_core_leaves_do_not_reach_up_to_the_sites_or_the_whole_way() -> None:
    """The core's leaf modules import neither the site registry nor ``newscrawl.core.extract``: the sites
    build on the leaves, and only ``newscrawl.core.extract`` looks a profile up."""
    code = (
        "import importlib, json, sys\n"
        f"for leaf in {LEAVES!r}:\n"
        "    importlib.import_module('newscrawl.core.' + leaf)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('newscrawl'))))\n"
    )
    loaded = run_probe(code)
    assert loaded == sorted(["newscrawl", "newscrawl.core", *(f"newscrawl.core.{leaf}" for leaf in LEAVES)])


def _count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: Counter[str]) -> None:
    real = getattr(module, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)


def _fixture_page() -> tuple[str, bytes]:
    meta = json.loads(FIXTURE.with_name(FIXTURE.name + ".meta.json").read_text(encoding="utf-8"))
    return meta["url"], gzip.decompress(FIXTURE.with_name(FIXTURE.name + ".html.gz").read_bytes())


def _scripted_page() -> tuple[str, bytes]:
    article = short_article("current", "cloudflare_script")
    return article.url, scripted_page("current", "cloudflare_script")


@pytest.mark.parametrize(
    ("page", "parsed_by_middleware"),
    [(_fixture_page, False), (_scripted_page, True)],
    ids=["plain_article", "article_with_challenge_script"],
)
def test_an_article_response_is_decoded_scanned_classified_and_parsed_once(
    monkeypatch: pytest.MonkeyPatch, page: Any, parsed_by_middleware: bool
) -> None:
    """Both middlewares and the spider's parse share one decode, one text scan, one page-kind decision and
    one parse of an article response, whether the text scan decides (a plain article) or the middlewares
    must parse the page to classify it (an article carrying a challenge script)."""
    calls: Counter[str] = Counter()
    _count_calls(monkeypatch, core_extract, "decode", calls)
    _count_calls(monkeypatch, core_extract, "scan", calls)
    _count_calls(monkeypatch, core_kind, "scan", calls)  # detect_kind scanning again would count here
    _count_calls(monkeypatch, core_extract, "detect_kind", calls)
    _count_calls(monkeypatch, not_article, "parse_page", calls)
    url, body = page()
    crawler = get_crawler(EurointegrationSpider, {"NEWSCRAWL_NOT_ARTICLE_BACKOFF": 0})
    crawler.spider = EurointegrationSpider.from_crawler(crawler)
    request = Request(url, meta={"ref": "an article", "source": "homepage"})
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html"}, request=request)
    escalate = EscalateChallengeMiddleware.from_crawler(crawler)
    retry = RetryNotArticleMiddleware.from_crawler(crawler)
    assert escalate.process_response(request, response, crawler.spider) is response
    assert asyncio.run(retry.process_response(request, response, crawler.spider)) is response
    assert calls["parse_page"] == (1 if parsed_by_middleware else 0)
    item = take_parsed(response)
    assert (item["url"], item["page_kind"]) == (url, "article")
    assert calls == {"decode": 1, "scan": 1, "detect_kind": 1, "parse_page": 1}


def test_the_pipelines_give_the_record_extract_gives_and_carry_underscore_keys_along() -> None:
    """The crawl's pipelines, each one core call, turn the spider's item into the record ``newscrawl.extract``
    gives, and an item key starting with ``_`` rides along unchanged, outside the record's fields and hash."""
    from newscrawl import extract
    from newscrawl.core.extract import parse_page
    from newscrawl.core.record import FIELDS
    from newscrawl.pipelines.build_record import BuildRecordPipeline
    from newscrawl.pipelines.clean_text import CleanTextPipeline
    from newscrawl.pipelines.dedupe_article import DedupeArticlePipeline
    from newscrawl.pipelines.strip_boilerplate import StripBoilerplatePipeline
    from newscrawl.pipelines.validate_article import ValidateArticlePipeline

    url, body = _fixture_page()
    meta = json.loads(FIXTURE.with_name(FIXTURE.name + ".meta.json").read_text(encoding="utf-8"))
    crawled_at = datetime.fromisoformat(meta["crawled_at"])
    crawler = get_crawler(EurointegrationSpider, {"NEWSCRAWL_ARCHIVE_ENABLED": False})
    crawler.spider = EurointegrationSpider.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.open_spider()
    capture = {"warc": "a.warc.gz", "offset": 12}
    item: Any = {**parse_page(body, url, crawled_at), "_capture": capture}
    for pipeline in (CleanTextPipeline, StripBoilerplatePipeline, ValidateArticlePipeline, BuildRecordPipeline):
        item = pipeline.from_crawler(crawler).process_item(item)
    dedupe = DedupeArticlePipeline.from_crawler(crawler)
    dedupe.open_spider()
    record = dedupe.process_item(item)
    assert list(record) == [*FIELDS, "_capture"]
    assert record["_capture"] is capture
    assert {k: v for k, v in record.items() if k != "_capture"} == extract(body, url, crawled_at)
