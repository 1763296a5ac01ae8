"""Rendering decisions without a browser: arguments, launch options, what to render, escalation, aborts."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from newscrawl.core.sites import get_site
from newscrawl.errors import UsageError
from newscrawl.render import check_render
from newscrawl.render.abort import same_site
from newscrawl.render.browser import QUIET_ARGS, ChromiumProvider, check_chromium_setting, launch_options
from newscrawl.render.handler import RenderTimeout
from newscrawl.render.middleware import EscalateChallengeMiddleware, RenderMiddleware, wants_render
from newscrawl.spiders.eurointegration import EurointegrationSpider
from newscrawl.spiders.site import check_arguments
from tests.render_mirror import Article, article_html, challenge_html

ARTICLE_URL = "https://www.eurointegration.com.ua/news/2023/05/10/7162010/"


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("js", True), ("JS", True), ("off", False)])
def test_check_render(value: str | None, expected: bool | None) -> None:
    assert check_render(value) is expected


def test_check_render_rejects_other_values() -> None:
    with pytest.raises(UsageError, match=r"^argument render: 'yes' is not js or off$"):
        check_render("yes")


def test_render_is_a_site_spider_argument() -> None:
    site = get_site("eurointegration")
    assert check_arguments(site, {"render": "js"})["render"] is True
    assert check_arguments(site, {})["render"] is None


@pytest.mark.parametrize(("arg", "render_js"), [({}, False), ({"render": "js"}, True), ({"render": "off"}, False)])
def test_spider_render_js_follows_argument_then_site(arg: dict[str, str], render_js: bool) -> None:
    spider = EurointegrationSpider(**arg)
    assert spider.render_js is render_js


def test_launch_options_as_root_turn_the_sandbox_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    options = launch_options({"NEWSCRAWL_CHROMIUM": "/usr/bin/chromium"}, {"args": ["--lang=uk"]})
    assert options["headless"] is True
    assert options["chromium_sandbox"] is False
    assert options["executable_path"] == "/usr/bin/chromium"
    assert options["args"] == ["--lang=uk", *QUIET_ARGS]
    assert "--disable-background-networking" in options["args"]


def test_launch_options_as_a_user_keep_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    options = launch_options({})
    assert options["chromium_sandbox"] is True
    assert "executable_path" not in options  # Playwright's own Chromium, or a system one at launch


def test_chromium_setting_must_be_an_executable(tmp_path: Path) -> None:
    check_chromium_setting({"NEWSCRAWL_CHROMIUM": ""})
    with pytest.raises(ValueError, match=r"^NEWSCRAWL_CHROMIUM: /nonexistent/chromium is not an executable file$"):
        check_chromium_setting({"NEWSCRAWL_CHROMIUM": "/nonexistent/chromium"})
    plain = tmp_path / "chromium"
    plain.write_text("")
    with pytest.raises(ValueError, match="is not an executable file"):
        check_chromium_setting({"NEWSCRAWL_CHROMIUM": str(plain)})


def _provider(own: str, options: dict[str, Any]) -> tuple[ChromiumProvider, list[dict[str, Any]]]:
    launched: list[dict[str, Any]] = []

    async def launch(**kwargs: Any) -> str:
        launched.append(kwargs)
        return "browser"

    config = SimpleNamespace(cdp_url=None, connect_url=None, launch_options=options)
    provider = ChromiumProvider(config)  # type: ignore[arg-type]
    provider.browser_type = SimpleNamespace(executable_path=own, launch=launch, name="chromium")  # type: ignore[assignment]
    return provider, launched


def test_provider_falls_back_to_a_system_chromium(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newscrawl.render.browser.system_chromium", lambda: "/usr/bin/chromium")
    provider, launched = _provider("/nonexistent/ms-playwright/chrome", {"headless": True})
    assert asyncio.run(provider.launch_browser()) == "browser"
    assert launched == [{"headless": True, "executable_path": "/usr/bin/chromium"}]


def test_provider_prefers_playwrights_own_chromium(tmp_path: Path) -> None:
    own = tmp_path / "chrome"
    own.write_text("")
    provider, launched = _provider(str(own), {"headless": True})
    asyncio.run(provider.launch_browser())
    assert launched == [{"headless": True}]


def test_provider_without_any_chromium_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("newscrawl.render.browser.system_chromium", lambda: None)
    provider, launched = _provider("/nonexistent/chrome", {})
    with pytest.raises(NotConfigured, match=r"playwright install chromium.*NEWSCRAWL_CHROMIUM"):
        asyncio.run(provider.launch_browser())
    assert launched == []


@pytest.mark.parametrize(
    ("host", "other", "expected"),
    [
        ("www.eurointegration.com.ua", "www.eurointegration.com.ua", True),
        ("eurointegration.com.ua", "www.eurointegration.com.ua", True),
        ("static.eurointegration.com.ua", "www.eurointegration.com.ua", True),
        ("counter.example.net", "www.eurointegration.com.ua", False),
        ("www.pravda.com.ua", "www.eurointegration.com.ua", False),
        ("evil-eurointegration.com.ua", "www.eurointegration.com.ua", False),
        ("", "www.eurointegration.com.ua", False),
    ],
)
def test_same_site(host: str, other: str, expected: bool) -> None:
    assert same_site(host, other) is expected


@pytest.mark.parametrize(
    ("url", "meta", "expected"),
    [
        (ARTICLE_URL, {"source": "homepage"}, True),
        ("https://www.eurointegration.com.ua/news/", {"source": "listing"}, True),
        ("https://www.eurointegration.com.ua/rss/", {"source": "feed"}, False),
        (ARTICLE_URL, {"source": "feed", "ref": "an article found in a feed"}, True),
        (ARTICLE_URL, {"source": "sitemap", "ref": "an article found in a sitemap"}, True),
        ("https://example.org/2023/05/10/story/", {"source": "feed", "article": True}, True),  # the news spider
        ("https://example.org/robots.txt", {"source": "robots"}, False),
        ("https://www.eurointegration.com.ua/sitemap/sitemap-news.xml", {"source": "sitemap"}, False),
        ("https://www.eurointegration.com.ua/robots.txt", {"dont_obey_robotstxt": True}, False),
    ],
)
def test_wants_render(url: str, meta: dict[str, Any], expected: bool) -> None:
    assert wants_render(Request(url, meta=meta)) is expected


def _middleware(**spider_args: str) -> tuple[RenderMiddleware, Crawler]:
    crawler = get_crawler(EurointegrationSpider, {"NEWSCRAWL_RENDER_RETRY_TIMES": 1})
    crawler.spider = EurointegrationSpider.from_crawler(crawler, **spider_args)
    return RenderMiddleware.from_crawler(crawler), crawler


def _response(request: Request, page: str) -> HtmlResponse:
    return HtmlResponse(request.url, body=page.encode("utf-8"), encoding="utf-8", request=request)


def test_render_js_marks_pages_but_not_feeds() -> None:
    mw, _crawler = _middleware(render="js")
    article = Request(ARTICLE_URL, meta={"source": "homepage"})
    feed = Request("https://www.eurointegration.com.ua/rss/", meta={"source": "feed"})
    opted_out = Request(ARTICLE_URL, meta={"playwright": False})
    for request in (article, feed, opted_out):
        assert mw.process_request(request) is None
    assert article.meta["playwright"] is True
    assert article.meta["max_retry_times"] == 1
    assert "playwright" not in feed.meta and "max_retry_times" not in feed.meta
    assert opted_out.meta["playwright"] is False


def test_plain_crawl_marks_nothing() -> None:
    mw, _crawler = _middleware()
    request = Request(ARTICLE_URL, meta={"source": "homepage"})
    mw.process_request(request)
    assert "playwright" not in request.meta


def _escalator(**spider_args: str) -> tuple[EscalateChallengeMiddleware, Crawler]:
    _mw, crawler = _middleware(**spider_args)
    return EscalateChallengeMiddleware.from_crawler(crawler), crawler


def test_challenge_is_escalated_once() -> None:
    mw, crawler = _escalator()
    request = Request(ARTICLE_URL, meta={"source": "homepage", "ref": "kept"})
    retried = mw.process_response(request, _response(request, challenge_html()))
    assert isinstance(retried, Request)
    assert retried.url == ARTICLE_URL
    assert retried.meta["playwright"] is True
    assert retried.meta["ref"] == "kept"
    assert retried.dont_filter is True
    assert crawler.stats is not None
    assert crawler.stats.get_value("newscrawl/render/escalated") == 1
    # The rendered answer is final, challenge or not: the pipelines drop it as ChallengePage if need be.
    rendered = _response(retried, challenge_html())
    assert mw.process_response(retried, rendered) is rendered
    assert crawler.stats.get_value("newscrawl/render/escalated") == 1


def test_article_is_not_escalated() -> None:
    mw, crawler = _escalator()
    request = Request(ARTICLE_URL, meta={"ref": "an article"})
    page = article_html(Article(7162010, "Заголовок", ["Абзац один.", "Абзац два."]))
    response = _response(request, page)
    assert mw.process_response(request, response) is response
    assert crawler.stats is not None
    assert crawler.stats.get_value("newscrawl/render/escalated") is None


def test_render_off_other_sites_and_discovery_pages_are_not_escalated() -> None:
    mw, _crawler = _escalator(render="off")
    request = Request(ARTICLE_URL, meta={"ref": "an article"})
    response = _response(request, challenge_html())
    assert mw.process_response(request, response) is response
    mw, _crawler = _escalator()
    other = Request("https://example.org/news/1/", meta={"article": True})
    response = _response(other, challenge_html())
    assert mw.process_response(other, response) is response
    listing = Request("https://www.eurointegration.com.ua/news/", meta={"source": "listing"})
    response = _response(listing, challenge_html())
    assert mw.process_response(listing, response) is response


def test_rendering_failures_are_counted_by_reason() -> None:
    mw, crawler = _middleware(render="js")
    rendered = Request(ARTICLE_URL, meta={"playwright": True})
    assert mw.process_exception(rendered, RenderTimeout("page did not settle")) is None
    assert mw.process_exception(rendered, RuntimeError("net::ERR_CONNECTION_REFUSED")) is None
    assert mw.process_exception(Request(ARTICLE_URL), RenderTimeout("plain")) is None
    assert crawler.stats is not None
    assert crawler.stats.get_value("newscrawl/render/dropped/timeout") == 1
    assert crawler.stats.get_value("newscrawl/render/dropped/error") == 1
