"""The drift guard's figures and verdicts, and the retry of pages that are no article (unit level)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl import exitcodes
from newscrawl.core.sites.base import QualityThresholds
from newscrawl.errors import UsageError
from newscrawl.not_article import RETRIES_META, RetryNotArticleMiddleware
from newscrawl.quality import DRIFT, GENERIC_QUALITY, OK, TOO_FEW, Tally, judge, parse_overrides, thresholds_for
from tests.conftest import run_crawl
from tests.mirror_pravda import CHALLENGE_PAGE

LIMITS = QualityThresholds(min_sample=4, min_body_chars=20)
GOOD = {"title": "A title", "published": "2026-01-01T10:00:00+02:00", "fallbacks": []}


def tally_of(*records: tuple[dict[str, Any], int, int]) -> Tally:
    tally = Tally()
    for item, body, stripped in records:
        tally.add(item, body, stripped, ["ad_label"] if stripped else [], LIMITS)
    return tally


def test_sound_run_is_ok() -> None:
    verdict, fell = judge(tally_of(*[(GOOD, 100, 0)] * 4), LIMITS)
    assert (verdict, fell) == (OK, [])


def test_too_few_records_are_not_judged() -> None:
    assert judge(tally_of(*[({"fallbacks": ["body/whole_page"]}, 0, 0)] * 3), LIMITS) == (TOO_FEW, [])


def test_each_figure_falls_on_its_own() -> None:
    no_date = {**GOOD, "published": None}
    whole = {**GOOD, "fallbacks": ["title/meta", "body/whole_page"]}
    tally = tally_of((GOOD, 100, 0), (no_date, 10, 0), (whole, 100, 0), ({**GOOD, "title": ""}, 100, 200))
    verdict, fell = judge(tally, LIMITS)
    assert verdict == DRIFT
    assert [(f.name, f.value) for f in fell] == [
        ("title_share", 0.75),
        ("date_share", 0.75),
        ("body_share", 0.75),
        ("whole_page_share", 0.25),
        ("heavily_stripped_share", 0.25),
    ]
    assert fell[2].describe() == "body_share 0.75 < 0.80 (records with a body of at least 20 characters)"
    assert fell[4].describe() == (
        "heavily_stripped_share 0.25 > 0.10 (records that lost more than 30% of their body to boilerplate stripping)"
    )
    assert tally.boilerplate == {"ad_label": 1}


def test_thresholds_per_site_and_overrides() -> None:
    assert thresholds_for("pravda") == QualityThresholds()
    assert thresholds_for("news_example_org") == GENERIC_QUALITY
    assert GENERIC_QUALITY.max_whole_page_share == 1.0
    assert thresholds_for("pravda", parse_overrides('{"min_sample": "5", "min_body_share": 0.5}')) == (
        QualityThresholds(min_sample=5, min_body_share=0.5)
    )
    with pytest.raises(UsageError, match="unknown threshold 'min_smaple'"):
        parse_overrides('{"min_smaple": 5}')
    with pytest.raises(UsageError, match=r"min_sample must be a whole number >= 0, not .many.$"):
        parse_overrides({"min_sample": "many"})


def test_bad_quality_setting_stops_the_crawl_before_any_request(tmp_path: Path) -> None:
    result = run_crawl("pravda", output=tmp_path / "out", settings={"NEWSCRAWL_QUALITY": '{"min_smaple": 5}'})
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.USAGE
    assert "NEWSCRAWL_QUALITY: unknown threshold 'min_smaple'" in result.stderr
    assert not (tmp_path / "out").exists()


ARTICLE_URL = "https://www.pravda.com.ua/news/2025/12/01/8009697/"


def _middleware() -> tuple[RetryNotArticleMiddleware, Any]:
    crawler = get_crawler(settings_dict={"NEWSCRAWL_NOT_ARTICLE_RETRIES": 2, "NEWSCRAWL_NOT_ARTICLE_BACKOFF": 0})
    crawler.stats.open_spider()
    return RetryNotArticleMiddleware(crawler), crawler.stats


def _respond(middleware: RetryNotArticleMiddleware, request: Request, body: str) -> Any:
    response = HtmlResponse(request.url, body=body.encode(), encoding="utf-8", request=request)
    return asyncio.run(middleware.process_response(request, response))


def test_challenge_is_retried_then_handed_on() -> None:
    middleware, stats = _middleware()
    request = Request(ARTICLE_URL, meta={"ref": object()})
    first = _respond(middleware, request, CHALLENGE_PAGE)
    assert isinstance(first, Request) and first.dont_filter and first.meta[RETRIES_META] == 1
    second = _respond(middleware, first, CHALLENGE_PAGE)
    assert isinstance(second, Request) and second.meta[RETRIES_META] == 2
    last = _respond(middleware, second, CHALLENGE_PAGE)
    assert isinstance(last, HtmlResponse)  # the validate pipeline drops it with its reason
    assert stats.get_value("newscrawl/not_article/seen/challenge") == 3
    assert stats.get_value("newscrawl/not_article/retried/challenge") == 2
    assert stats.get_value("newscrawl/not_article/gave_up/challenge") == 1


def test_empty_shell_is_retried_and_an_article_passes() -> None:
    middleware, stats = _middleware()
    request = Request(ARTICLE_URL, meta={"ref": object()})
    shell = "<html><body><div id='app'></div></body></html>"
    assert isinstance(_respond(middleware, request, shell), Request)
    assert stats.get_value("newscrawl/not_article/retried/not_article") == 1
    article = "<html><body><article><h1>Title</h1><p>" + "Text. " * 100 + "</p></article></body></html>"
    assert isinstance(_respond(middleware, request, article), HtmlResponse)
    # discovery pages (listings, feeds) are not judged
    assert isinstance(_respond(middleware, Request("https://www.pravda.com.ua/news/"), shell), HtmlResponse)
