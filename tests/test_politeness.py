"""Unit tests of the hostile-web pieces: failure reasons, Retry-After, backoff, Crawl-delay floor, charsets."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request, Spider
from scrapy.core.downloader import Slot
from scrapy.exceptions import (
    DownloadCancelledError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from newscrawl import extract, politeness
from newscrawl.config import validate as check_settings
from newscrawl.core.decode import decode
from newscrawl.core.kind import looks_binary
from newscrawl.drops import BinaryContent
from newscrawl.failures import failure_reason
from newscrawl.politeness import BackoffRetryMiddleware, ContactUserAgent, floor_delay, retry_after
from tests.faultserver import article, old_page, post_page


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (HttpError(Response("https://x/", status=503), "Ignoring non-200 response"), "http_503"),
        (DownloadTimeoutError("took longer than 3.0 seconds"), "timeout"),
        (ResponseDataLossError("data loss"), "truncated"),
        (DownloadCancelledError("Received 16842752 bytes which is larger than download max size"), "too_large"),
        (DownloadFailedError("[<Failure ConnectionLost>]"), "connection_lost"),
        (IgnoreRequest("Forbidden by robots.txt"), "robots_txt"),
        (IgnoreRequest("Filtered offsite request to 'evil.example.com'"), "offsite"),
        (IgnoreRequest("max redirections reached"), "redirect_loop"),
        (IgnoreRequest("Ignored response <200 x> because its body (1 B compressed, 2 B decompressed so far) "
                       "exceeded DOWNLOAD_MAXSIZE (1 B) during decompression."), "decompression_too_large"),
        (IgnoreRequest("something else"), "ignored"),
        (ValueError("bad"), "value_error"),
    ],
)
def test_failure_reason(exc: BaseException, reason: str) -> None:
    assert failure_reason(exc) == reason
    assert failure_reason(Failure(exc)) == reason


def test_retry_after_seconds_and_dates() -> None:
    now = datetime(2026, 11, 29, 6, 0, 0, tzinfo=UTC)
    assert retry_after(b"120") == 120.0
    assert retry_after(" 5 ") == 5.0
    assert retry_after(b"Sun, 29 Nov 2026 06:01:30 GMT", now) == 90.0
    assert retry_after(b"Sun, 29 Nov 2026 05:00:00 GMT", now) == 0.0  # in the past: retry now
    assert retry_after(b"soon") is None
    assert retry_after(b"-3") is None
    assert retry_after(None) is None


def _middleware(**settings: Any) -> BackoffRetryMiddleware:
    crawler = get_crawler(settings_dict=settings)
    return BackoffRetryMiddleware.from_crawler(crawler)


def test_backoff_doubles_up_to_the_cap_with_at_most_half_jitter() -> None:
    mw = _middleware(NEWSCRAWL_RETRY_BACKOFF=2.0, NEWSCRAWL_RETRY_BACKOFF_MAX=10.0)
    for n, base in [(1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (9, 10.0)]:
        draws = [mw.backoff_delay(n) for _ in range(200)]
        assert min(draws) >= base
        assert max(draws) <= base * 1.5


def test_floor_delay_keeps_every_draw_above_the_crawl_delay() -> None:
    slot = Slot(concurrency=2, delay=0.0, jitter=0.5)
    floor_delay(slot, 3.0)
    assert (slot.delay, slot.jitter) == (3.0, 0.0)
    slot = Slot(concurrency=2, delay=10.0, jitter=0.5)  # AutoThrottle above the floor: jitter narrowed
    floor_delay(slot, 8.0)
    assert slot.delay == 10.0
    assert min(slot.download_delay() for _ in range(500)) >= 8.0 - 1e-9
    slot = Slot(concurrency=2, delay=20.0, jitter=0.5)  # far above: untouched
    floor_delay(slot, 8.0)
    assert (slot.delay, slot.jitter) == (20.0, 0.5)


def test_user_agent_from_contact_unless_set_explicitly() -> None:
    settings = Settings({"NEWSCRAWL_CONTACT": "mailto:ops@example.org"}, priority="cmdline")
    settings.set("USER_AGENT", "Scrapy default", priority="default")
    ContactUserAgent().update_settings(settings)
    assert settings["USER_AGENT"] == "newscrawl/0.1.0 (+mailto:ops@example.org; news archiver for research)"
    settings.set("USER_AGENT", "my-bot/1.0", priority="cmdline")
    ContactUserAgent().update_settings(settings)
    assert settings["USER_AGENT"] == "my-bot/1.0"


@pytest.mark.parametrize("name", ["NEWSCRAWL_RETRY_AFTER_MAX", "NEWSCRAWL_CRAWL_DELAY_MAX", "NEWSCRAWL_RETRY_BACKOFF"])
@pytest.mark.parametrize("value", ["soon", "-1", "nan"])
def test_bad_politeness_settings(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        check_settings(Settings({name: value}))
    check_settings(Settings({name: "1.5"}))


# --- charsets (extraction.decode) ----------------------------------------------------------------------
UK = "Євросоюз і Україна: їхній ґрунт"


@pytest.mark.parametrize(
    ("body", "content_type", "fallback"),
    [
        # windows-1251 bytes labelled utf-8 by HTTP, <meta> says windows-1251: the <meta> wins.
        (f'<meta charset="windows-1251"><p>{UK}</p>'.encode("cp1251"), "text/html; charset=utf-8", None),
        # the reverse: utf-8 bytes labelled windows-1251 by HTTP, <meta> says utf-8: utf-8 wins.
        (f'<meta charset="utf-8"><p>{UK}</p>'.encode(), "text/html; charset=windows-1251", None),
        # both agree on windows-1251
        (f'<meta charset="windows-1251"><p>{UK}</p>'.encode("cp1251"), "text/html; charset=windows-1251", None),
        # no charset anywhere: utf-8, then the site's legacy charset
        (f"<p>{UK}</p>".encode(), "text/html", "cp1251"),
        (f"<p>{UK}</p>".encode("cp1251"), "text/html", "cp1251"),
        (f"<p>{UK}</p>".encode("cp1251"), None, "cp1251"),
        # a BOM beats every label
        (b"\xef\xbb\xbf" + f"<p>{UK}</p>".encode(), "text/html; charset=windows-1251", None),
    ],
)
def test_decode_policy(body: bytes, content_type: str | None, fallback: str | None) -> None:
    assert UK in decode(body, content_type, fallback)


def test_decode_trusts_a_single_byte_http_charset_when_nothing_contradicts_it() -> None:
    # cp1251 bytes labelled cp1251 only in HTTP: decoded as declared.
    assert UK in decode(f"<p>{UK}</p>".encode("cp1251"), "text/html; charset=windows-1251")


def test_old_cp1251_page_without_charset_extracts_right() -> None:
    a = article(7160013)
    record = extract(old_page(a).encode("cp1251"), a.url)
    assert record["title"] == a.title
    assert record["text"] == a.text


def test_binary_served_as_html_is_dropped() -> None:
    assert looks_binary(bytes(range(256)).decode("latin-1"))
    assert not looks_binary(post_page(article(1)))
    with pytest.raises(BinaryContent):
        extract(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, article(7160110).url)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds the retry middleware asks to sleep, recorded instead of slept."""
    asked: list[float] = []

    async def fake_wait(crawler: Any, seconds: float) -> bool:
        asked.append(seconds)
        return False  # not stopping

    monkeypatch.setattr(politeness, "wait", fake_wait)
    return asked


def _retrying(**settings: Any) -> BackoffRetryMiddleware:
    crawler = get_crawler(Spider, settings_dict={"RETRY_TIMES": 2, "NEWSCRAWL_RETRY_BACKOFF": 2.0, **settings})
    spider = Spider("t")
    spider.crawler = crawler
    crawler.spider = spider
    return BackoffRetryMiddleware.from_crawler(crawler)


URL = "https://www.eurointegration.com.ua/news/2023/05/10/1/"


def test_retry_waits_what_retry_after_asks(waits: list[float]) -> None:
    mw = _retrying()
    request = Request(URL)
    response = Response(URL, status=503, headers={"Retry-After": "7"}, request=request)
    retry = asyncio.run(mw.process_response(request, response))
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert waits == [7.0]


def test_retry_without_retry_after_backs_off_exponentially(waits: list[float]) -> None:
    mw = _retrying()
    request = Request(URL)
    first = asyncio.run(mw.process_response(request, Response(URL, status=500, request=request)))
    assert isinstance(first, Request)
    second = asyncio.run(mw.process_exception(first, DownloadTimeoutError("slow")))
    assert isinstance(second, Request) and second.meta["retry_times"] == 2
    assert 2.0 <= waits[0] <= 3.0 and 4.0 <= waits[1] <= 6.0
    # RETRY_TIMES spent: the response goes on (to the errback) at once.
    final = Response(URL, status=500, request=second)
    assert asyncio.run(mw.process_response(second, final)) is final
    assert len(waits) == 2


def test_retry_not_sooner_than_asked_gives_up_instead(waits: list[float]) -> None:
    mw = _retrying(NEWSCRAWL_RETRY_AFTER_MAX=10.0)
    request = Request(URL)
    response = Response(URL, status=429, headers={"Retry-After": "3600"}, request=request)
    assert asyncio.run(mw.process_response(request, response)) is response
    assert waits == []
    assert mw.crawler.stats.get_value("newscrawl/retry/retry_after_too_long") == 1  # type: ignore[union-attr]


class _Robots:
    def __init__(self, delay: float | None) -> None:
        self.delay = delay

    def crawl_delay(self, user_agent: str) -> float | None:
        return self.delay


def _crawl_delay(delay: float | None, **settings: Any) -> tuple[politeness.CrawlDelay, Slot]:
    crawler = get_crawler(Spider, settings_dict={"ROBOTSTXT_OBEY": True, **settings})
    crawler.stats.open_spider()  # type: ignore[union-attr]
    slot = Slot(concurrency=2, delay=0.0, jitter=0.5)
    downloader = SimpleNamespace(slots={"www.example.org": slot}, get_slot_key=lambda request: "www.example.org")
    crawler.engine = SimpleNamespace(downloader=downloader)  # type: ignore[assignment]
    extension = politeness.CrawlDelay.from_crawler(crawler)
    extension.robots_parsed(_Robots(delay), Request("https://www.example.org/news/"))
    return extension, slot


def test_crawl_delay_floors_the_slot_after_autothrottle_lowers_it() -> None:
    extension, slot = _crawl_delay(5.0)
    assert (slot.delay, slot.jitter) == (5.0, 0.0)
    request = Request("https://www.example.org/a/", meta={"download_slot": "www.example.org"})
    slot.delay = 0.1  # what AutoThrottle does after a fast response
    extension.response_downloaded(Response(request.url, request=request), request)
    assert slot.delay == 5.0
    slot.delay = 0.0  # a slot re-created after the downloader's idle-slot cleanup
    extension.request_reached_downloader(request)
    assert slot.delay == 5.0
    assert extension.crawler.stats.get_value("newscrawl/robots/crawl_delay/www.example.org") == 5.0  # type: ignore[union-attr]


def test_crawl_delay_capped_and_absent() -> None:
    extension, slot = _crawl_delay(500.0, NEWSCRAWL_CRAWL_DELAY_MAX=120)
    assert slot.delay == 120.0
    assert extension.crawler.stats.get_value("newscrawl/robots/crawl_delay_capped") == 1  # type: ignore[union-attr]
    _, slot = _crawl_delay(None)
    assert (slot.delay, slot.jitter) == (0.0, 0.5)


def test_mirror_download_keeps_the_latency_for_autothrottle(monkeypatch: pytest.MonkeyPatch) -> None:
    """A download through NEWSCRAWL_MIRROR reports its latency on the request the engine scheduled, so
    AutoThrottle adjusts to a mirror as to a live site (the mirrored copy's meta is its own)."""
    import asyncio

    from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
    from scrapy.http import HtmlResponse

    from newscrawl.download import MirrorDownloadHandler

    seen: list[str] = []

    async def fake_download(self: object, request: Request) -> HtmlResponse:
        seen.append(request.url)
        request.meta["download_latency"] = 0.75
        return HtmlResponse(request.url, body=b"<html></html>", request=request)

    monkeypatch.setattr(HTTP11DownloadHandler, "download_request", fake_download)
    # Built without its HTTP/1.1 machinery (which needs a running reactor): only the mirror's own step is tested.
    handler = MirrorDownloadHandler.__new__(MirrorDownloadHandler)
    handler.mirror = "http://127.0.0.1:8000"
    request = Request("https://www.eurointegration.com.ua/news/")
    response = asyncio.run(handler.download_request(request))
    assert seen == ["http://127.0.0.1:8000/www.eurointegration.com.ua/news/"]
    assert (response.url, response.request) == ("https://www.eurointegration.com.ua/news/", request)
    assert request.meta["download_latency"] == 0.75
