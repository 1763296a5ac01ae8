"""An article a pipeline fails on is lost by a named reason and fetched again (fault matrix, case 4).

Unit tests: extraction replaces the code points a record cannot hold (a JSON-LD ``"\\ud800"``), and a run
that lost an article exits FAILED. End to end, a news site with a dated sitemap is crawled three times by
``scrapy crawl news``: a clean run sets the sitemap watermark; a run in which a pipeline fails on one new
article (a test-only pipeline, ``tests.faults.injected``) exits 1, counts ``newscrawl/lost/pipeline_error``,
archives the others and leaves the watermark file and the seen-index without the article; a third run without
the fault archives it, and every article is in the archive exactly once.
"""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from scrapy import Spider, signals
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawl import exitcodes, extract, outcome
from newscrawl.archive.index import SqliteIndex
from newscrawl.archive.store import index_path
from newscrawl.core.extract import valid_unicode
from newscrawl.core.record import dumps
from newscrawl.drops import DuplicateArticle
from newscrawl.pipelines.dedupe_article import DedupeArticlePipeline
from tests.conftest import read_archive, run_crawl, validate_record
from tests.crawl_stats import stats_of
from tests.faults.injected import with_pipeline, with_spider_middleware
from tests.faultserver import FaultServer, page, urlset

NEWS = "news.example.org"
BASE = f"https://{NEWS}"

SURROGATE_PAGE = rb"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Harbour</title>
<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",
"headline": "Harbour \ud800 reopens", "datePublished": "2025-02-03T10:15:00+01:00",
"author": [{"@type": "Person", "name": "Ivan \ud800 Petrenko"}, {"@type": "Person", "name": "Olena \udfff"}]}
</script></head><body><article><h1>Harbour reopens</h1>
<p>The harbour reopened on Monday morning after three days of closure caused by the storm on the coast.</p>
<p>Port officials said ferries would run on a reduced timetable until the end of the week.</p>
</article></body></html>"""


def test_lone_surrogates_in_json_ld_are_replaced_at_extraction() -> None:
    """A lone surrogate a page's JSON-LD gives (``"\\ud800"``) becomes U+FFFD in the record, which encodes."""
    assert b"\\ud800" in SURROGATE_PAGE  # the raw JSON escape, as a page carries it
    record = extract(SURROGATE_PAGE, f"{BASE}/news/harbour/")
    assert record["authors"] == ["Ivan \ufffd Petrenko", "Olena \ufffd"]
    assert record["title"] == "Harbour \ufffd reopens"
    assert record["fallbacks"] == ["body/whole_page", "title/invalid_code_points", "authors/invalid_code_points"]
    validate_record(record)
    line = dumps(record)
    assert json.loads(line)["authors"] == ["Ivan \ufffd Petrenko", "Olena \ufffd"]


def test_every_string_of_a_field_is_made_valid() -> None:
    """Strings inside lists and dicts (authors, tags, alternates) are repaired too; a split pair is joined."""
    value = {"uk\udc00": ["Olena \ud83d\ude00", "Ivan \ud800"], "en": ["fine"]}
    assert valid_unicode(value) == ({"uk\ufffd": ["Olena \U0001f600", "Ivan \ufffd"], "en": ["fine"]}, True)
    assert valid_unicode(["fine", None]) == (["fine", None], False)


@pytest.mark.parametrize("drifted", [[], ["news_example_org"]])
def test_a_run_that_lost_an_article_fails(drifted: list[str]) -> None:
    """A finished run that lost an article in a pipeline exits FAILED, whatever else it archived or judged."""
    judged = {"finish_reason": "finished", "newscrawl/quality/drifted": drifted}
    stats = {**judged, "newscrawl/archive/new": 5, "newscrawl/lost/pipeline_error": 1}
    assert outcome.counts(stats)["lost"] == {"pipeline_error": 1}
    assert outcome.decide(stats) == exitcodes.FAILED
    assert outcome.decide({**judged, "newscrawl/archive/new": 5}) == (exitcodes.DRIFT if drifted else exitcodes.OK)


def test_an_article_lost_after_deduplication_is_not_a_duplicate_later_in_the_run(tmp_path: Path) -> None:
    """After a later pipeline failed on an article, another copy of it in the same run is not dropped as a
    duplicate (the run's duplicate check does not record a lost article as seen)."""
    # No archive: the run's own duplicate check is what is tested (the archive is opened by its extension
    # in a crawl, and a fresh one knows no article either).
    settings = {"NEWSCRAWL_OUTPUT": str(tmp_path), "NEWSCRAWL_ARCHIVE_ENABLED": False}
    crawler = get_crawler(Spider, settings_dict=settings)
    crawler.spider = Spider("news_example_org")
    pipeline = DedupeArticlePipeline.from_crawler(crawler)
    pipeline.open_spider()
    item = {"key": "news_example_org:en:b", "url": f"{BASE}/news/b/", "site": "news_example_org", "lang": "en",
            "title": "Story b", "text": "Text of story b."}
    assert pipeline.process_item(dict(item))["version"] == 1
    with pytest.raises(DuplicateArticle):
        pipeline.process_item(dict(item))
    crawler.signals.send_catch_log(
        signals.item_error, item=item, response=None, spider=crawler.spider, failure=Failure(RuntimeError("x"))
    )
    assert pipeline.process_item(dict(item))["version"] == 1


# --- end to end ---------------------------------------------------------------------------------------------
def article_page(slug: str) -> bytes:
    title = f"Story {slug} of the harbour town"
    paras = "".join(
        f"<p>{title}: paragraph {n}, long enough to count as the text of a news article on this page.</p>"
        for n in range(1, 4)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:title" content="{title}"><link rel="canonical" href="{BASE}/news/{slug}/">'
        '<meta property="article:published_time" content="2025-03-01T09:00:00+02:00"></head>'
        f"<body><article><h1>{title}</h1>{paras}</article></body></html>"
    ).encode()


def sitemap(slugs: list[str]) -> bytes:
    """A dated sitemap: article ``a`` last modified on 1 March 2025, ``b`` on the 2nd, ``c`` on the 3rd."""
    body = urlset([f"{BASE}/news/{slug}/" for slug in slugs]).decode()
    for slug in slugs:
        day = "abc".index(slug) + 1
        body = body.replace(
            f"<loc>{BASE}/news/{slug}/</loc>", f"<loc>{BASE}/news/{slug}/</loc><lastmod>2025-03-0{day}T12:00:00Z</lastmod>"
        )
    return body.encode()


@pytest.mark.e2e
def test_page_with_a_lone_surrogate_in_json_ld_is_archived(tmp_path: Path) -> None:
    """The page that once made the archive write fail (a JSON-LD author ``"\\ud800"``) is archived, with
    U+FFFD in place of the surrogate, and the run exits 0."""
    routes = {
        f"/{NEWS}/": page(b"<html><head><title>News</title></head><body></body></html>"),
        f"/{NEWS}/robots.txt": page(b"User-agent: *\nAllow: /\n", "text/plain"),
        f"/{NEWS}/sitemap.xml": page(urlset([f"{BASE}/news/harbour/"]), "application/xml"),
        f"/{NEWS}/news/harbour/": page(SURROGATE_PAGE),
    }
    server = FaultServer(routes).start()
    try:
        code, log = crawl(server, tmp_path / "archive")
    finally:
        server.stop()
    assert code == exitcodes.OK, log[-3000:]
    stats = stats_of(log)
    assert stats["newscrawl/fallback/authors/invalid_code_points"] == 1
    assert "newscrawl/lost/pipeline_error" not in stats
    [record] = read_archive(tmp_path / "archive")
    assert (record["title"], record["authors"]) == ("Harbour \ufffd reopens", ["Ivan \ufffd Petrenko", "Olena \ufffd"])


def crawl(server: FaultServer, output: Path, **settings: str) -> tuple[int, str]:
    result = run_crawl("news", f"url={BASE}/", mirror=server.url, output=output, settings=settings, timeout=240)
    assert isinstance(result, subprocess.CompletedProcess)
    return result.returncode, result.stderr


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("pipeline", "priority", "error"),
    [
        # the archive write itself raises, as it did on a JSON-LD author with a lone surrogate
        ("LoneSurrogateForKeyPipeline", 450, "UnicodeEncodeError"),
        # a pipeline before deduplication raises
        ("RaiseForKeyPipeline", 350, "RuntimeError"),
    ],
)
def test_article_lost_in_a_pipeline_is_counted_and_fetched_again(
    tmp_path: Path, pipeline: str, priority: int, error: str
) -> None:
    """An article a pipeline fails on is counted as lost (pipeline_error), the run exits 1 without moving the
    sitemap watermark or recording the article as seen, and the next run archives it exactly once."""
    routes = {
        f"/{NEWS}/": page(b"<html><head><title>News</title></head><body></body></html>"),
        f"/{NEWS}/robots.txt": page(b"User-agent: *\nAllow: /\n", "text/plain"),
        f"/{NEWS}/sitemap.xml": page(sitemap(["a"]), "application/xml"),
        **{f"/{NEWS}/news/{slug}/": page(article_page(slug)) for slug in "abc"},
    }
    server = FaultServer(routes).start()
    out = tmp_path / "archive"
    watermarks = out / ".newscrawl" / "news_example_org.sitemaps.json"
    lost_key = "news_example_org:en:b"
    try:
        code, log = crawl(server, out)
        assert code == exitcodes.OK, log[-3000:]
        marked = watermarks.read_bytes()
        assert json.loads(marked)[f"{BASE}/sitemap.xml"]["lastmod"] == "2025-03-01T14:00:00+02:00"

        routes[f"/{NEWS}/sitemap.xml"] = page(sitemap(["a", "b", "c"]), "application/xml")
        code, log = crawl(
            server, out, ITEM_PIPELINES=with_pipeline(pipeline, priority), TEST_FAULT_KEY=lost_key
        )
        assert code == exitcodes.FAILED, log[-3000:]
        stats = stats_of(log)
        assert stats["newscrawl/lost/pipeline_error"] == 1
        assert stats["newscrawl/archive/new"] == 1
        assert f"article lost: {BASE}/news/b/ (pipeline_error: {error}: " in log
        assert "  lost " in log and "pipeline_error 1" in log  # the run summary names the reason
        assert watermarks.read_bytes() == marked
        assert sorted(r["url"] for r in read_archive(out)) == [f"{BASE}/news/a/", f"{BASE}/news/c/"]
        index = SqliteIndex(index_path(out))
        try:
            assert index.get(lost_key) is None
            assert index.get("news_example_org:en:c") is not None
        finally:
            index.close()
        runs = sorted((out / ".newscrawl" / "runs").glob("*.json"), key=lambda path: path.stat().st_mtime_ns)
        manifest = json.loads(runs[-1].read_text("utf-8"))
        assert (manifest["exit_code"], manifest["counts"]["lost"]) == (exitcodes.FAILED, {"pipeline_error": 1})

        code, log = crawl(server, out)
        assert code == exitcodes.OK, log[-3000:]
        stats = stats_of(log)
        assert stats["newscrawl/archive/new"] == 1
        assert "newscrawl/lost/pipeline_error" not in stats
    finally:
        server.stop()
    records = read_archive(out)
    assert Counter(r["url"] for r in records) == {f"{BASE}/news/{slug}/": 1 for slug in "abc"}
    assert json.loads(watermarks.read_bytes())[f"{BASE}/sitemap.xml"]["lastmod"] == "2025-03-03T14:00:00+02:00"


@pytest.mark.e2e
def test_page_whose_parsing_raises_is_lost_by_name_and_fetched_again(tmp_path: Path) -> None:
    """A page whose spider callback raises (a parser bug) is counted as lost (parse_error), the run exits 1
    without moving the sitemap watermark, and the next run archives the article exactly once."""
    routes = {
        f"/{NEWS}/": page(b"<html><head><title>News</title></head><body></body></html>"),
        f"/{NEWS}/robots.txt": page(b"User-agent: *\nAllow: /\n", "text/plain"),
        f"/{NEWS}/sitemap.xml": page(sitemap(["a"]), "application/xml"),
        **{f"/{NEWS}/news/{slug}/": page(article_page(slug)) for slug in "abc"},
    }
    server = FaultServer(routes).start()
    out = tmp_path / "archive"
    watermarks = out / ".newscrawl" / "news_example_org.sitemaps.json"
    try:
        code, log = crawl(server, out)
        assert code == exitcodes.OK, log[-3000:]
        marked = watermarks.read_bytes()

        routes[f"/{NEWS}/sitemap.xml"] = page(sitemap(["a", "b", "c"]), "application/xml")
        code, log = crawl(server, out, SPIDER_MIDDLEWARES=with_spider_middleware(), TEST_FAULT_URL=f"{BASE}/news/b/")
        assert code == exitcodes.FAILED, log[-3000:]
        stats = stats_of(log)
        assert stats["newscrawl/lost/parse_error"] == 1
        assert stats["newscrawl/archive/new"] == 1
        assert f"page lost: {BASE}/news/b/ (parse_error: ValueError: injected parser fault for {BASE}/news/b/)" in log
        assert watermarks.read_bytes() == marked

        code, log = crawl(server, out)
        assert code == exitcodes.OK, log[-3000:]
        assert stats_of(log)["newscrawl/archive/new"] == 1
    finally:
        server.stop()
    assert Counter(r["url"] for r in read_archive(out)) == {f"{BASE}/news/{slug}/": 1 for slug in "abc"}
