"""Politeness that is enforced, not just parsed: robots.txt Crawl-delay, retries with backoff, a contact UA.

- :class:`CrawlDelay` (extension): Scrapy parses robots.txt ``Crawl-delay`` but does not obey it; this
  keeps the downloader slot of each host at least that far apart (capped by ``NEWSCRAWL_CRAWL_DELAY_MAX``),
  whatever AutoThrottle or the delay jitter would do.
- :class:`BackoffRetryMiddleware` (downloader middleware, replaces Scrapy's ``RetryMiddleware``): the same
  retry rules (``RETRY_TIMES``, ``RETRY_HTTP_CODES``, ``RETRY_EXCEPTIONS``) with a wait before each retry:
  the response's ``Retry-After`` when it gives one (no retry at all when it asks for more than
  ``NEWSCRAWL_RETRY_AFTER_MAX``), else exponential backoff from ``NEWSCRAWL_RETRY_BACKOFF`` up to
  ``NEWSCRAWL_RETRY_BACKOFF_MAX`` with up to +50% jitter.
- :class:`ContactUserAgent` (add-on): the User-Agent names the project and ``NEWSCRAWL_CONTACT``, also when
  the contact is given with ``-s``; an explicit ``-s USER_AGENT=...`` wins.
- :class:`LocalMirrorSpeed` (add-on): politeness is for real sites; a crawl whose every request goes to a
  mirror on this machine (``NEWSCRAWL_MIRROR`` on a loopback address) runs without download delay or
  AutoThrottle, several requests at a time, unless those settings were given explicitly.
"""

from __future__ import annotations

import ipaddress
import logging
import random
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.core.downloader import Slot
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings, Settings
from scrapy.utils.response import response_status_message

from newscrawl import __version__, config
from newscrawl.shutdown import stopping, wait

logger = logging.getLogger(__name__)


def user_agent(contact: str) -> str:
    return f"newscrawl/{__version__} (+{contact}; news archiver for research)"


def _seconds(settings: BaseSettings, name: str) -> float:
    return config.get_float(settings, name)


class ContactUserAgent:
    """Add-on: ``USER_AGENT`` from ``NEWSCRAWL_CONTACT`` unless the user set ``USER_AGENT`` explicitly."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def update_settings(self, settings: Settings) -> None:
        contact = settings.get("NEWSCRAWL_CONTACT") or ""
        headers = settings.getdict("DEFAULT_REQUEST_HEADERS")
        if contact and "From" not in headers:
            # The contact also travels in From, which survives when a browser profile replaces the User-Agent
            # (newscrawl.impersonate).
            settings.set("DEFAULT_REQUEST_HEADERS", {**headers, "From": contact}, priority="project")
        if (settings.getpriority("USER_AGENT") or 0) > SETTINGS_PRIORITIES["project"]:
            return
        settings.set("USER_AGENT", user_agent(settings.get("NEWSCRAWL_CONTACT") or ""), priority="project")


# What a crawl of a mirror on this machine runs with (the settings an explicit -s or a spider keeps).
LOCAL_MIRROR_SETTINGS: Mapping[str, Any] = {
    "DOWNLOAD_DELAY": 0.0,
    "AUTOTHROTTLE_ENABLED": False,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
}


def is_loopback(url: str) -> bool:
    """True for an http(s) URL whose host is this machine: localhost, 127.0.0.0/8, ::1."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalMirrorSpeed:
    """Add-on: :data:`LOCAL_MIRROR_SETTINGS` when ``NEWSCRAWL_MIRROR`` is a loopback URL, for each of them
    still at a project or default priority (an explicit ``-s`` or a spider's own setting wins)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls()

    def update_settings(self, settings: Settings) -> None:
        mirror = settings.get("NEWSCRAWL_MIRROR") or ""
        if not mirror or not is_loopback(mirror):
            return
        changed = []
        for name, value in LOCAL_MIRROR_SETTINGS.items():
            if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]:
                settings.set(name, value, priority="project")
                changed.append(f"{name}={value}")
        if changed:
            logger.info(
                "NEWSCRAWL_MIRROR %s is on this machine: live-site politeness off (%s; -s NAME=VALUE overrides)",
                mirror,
                ", ".join(changed),
            )


class CrawlDelay:
    """Keep each host's downloader slot at least robots.txt's ``Crawl-delay`` apart (per host, capped)."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        self.cap = _seconds(crawler.settings, "NEWSCRAWL_CRAWL_DELAY_MAX")
        self.user_agent: str = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("USER_AGENT")
        self.delays: dict[str, float] = {}  # downloader slot key (host) -> seconds
        # Connected after AutoThrottle (an earlier extension), so the floor is re-applied after it adjusts.
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)
        crawler.signals.connect(self.request_reached_downloader, signal=signals.request_reached_downloader)
        crawler.signals.connect(self.response_downloaded, signal=signals.response_downloaded)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        getter = getattr(robotparser, "crawl_delay", None)
        delay = getter(self.user_agent) if getter else None
        if not delay or delay <= 0:
            return
        assert self.crawler.engine is not None and self.crawler.stats is not None
        key = self.crawler.engine.downloader.get_slot_key(request)
        if delay > self.cap:
            logger.warning("robots.txt of %s asks for Crawl-delay %ss; capped at %ss", key, delay, self.cap)
            self.crawler.stats.inc_value("newscrawl/robots/crawl_delay_capped")
            delay = self.cap
        self.delays[key] = float(delay)
        self.crawler.stats.set_value(f"newscrawl/robots/crawl_delay/{key}", float(delay))
        logger.info("honouring robots.txt Crawl-delay of %ss for %s", delay, key)
        self._enforce(key)

    def request_reached_downloader(self, request: Request, spider: Any = None) -> None:
        self._enforce(request.meta.get("download_slot"))

    def response_downloaded(self, response: Response, request: Request, spider: Any = None) -> None:
        self._enforce(request.meta.get("download_slot"))

    def _enforce(self, key: str | None) -> None:
        delay = self.delays.get(key or "")
        if not delay:
            return
        assert self.crawler.engine is not None
        slot = self.crawler.engine.downloader.slots.get(key or "")
        if slot is not None:
            floor_delay(slot, delay)


def floor_delay(slot: Slot, minimum: float) -> None:
    """Make every delay the slot can draw (its delay minus the jitter) at least ``minimum`` seconds."""
    if slot.delay <= minimum:
        slot.delay, slot.jitter = minimum, 0.0
    elif slot.delay * (1 - slot.jitter) < minimum:
        slot.jitter = 1 - minimum / slot.delay


def retry_after(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent or bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, waiting before each: ``Retry-After`` up to a cap, else exponential backoff."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.backoff = _seconds(settings, "NEWSCRAWL_RETRY_BACKOFF")
        self.backoff_max = _seconds(settings, "NEWSCRAWL_RETRY_BACKOFF_MAX")
        self.retry_after_max = _seconds(settings, "NEWSCRAWL_RETRY_AFTER_MAX")

    def backoff_delay(self, retry_times: int) -> float:
        """Seconds before retry number ``retry_times`` (1, 2, ...): base * 2^(n-1), capped, +0-50% jitter."""
        base = min(self.backoff_max, self.backoff * 2 ** max(0, retry_times - 1))
        return base * (1 + 0.5 * random.random())  # jitter, not cryptography

    # Scrapy awaits coroutine middleware methods, so the wait does not block the reactor.
    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after(response.headers.get("Retry-After"))
        if asked is not None and asked > self.retry_after_max:
            # Retrying sooner than the server asked would be hammering it; give up on this URL instead.
            self._count("retry/retry_after_too_long")
            logger.warning(
                "not retrying %s: Retry-After %ss is above NEWSCRAWL_RETRY_AFTER_MAX (%ss)",
                request.url,
                asked,
                self.retry_after_max,
            )
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if asked is not None:
            self._count("retry/retry_after")
        if await self._wait(asked if asked is not None else self.backoff_delay(retry.meta["retry_times"])):
            return response  # the run is stopping: no retry, the failure stands
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception, spider: Any = None
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request) and await self._wait(self.backoff_delay(retry.meta["retry_times"])):
            return None  # the run is stopping: no retry, the exception goes on to the errback
        return retry

    async def _wait(self, seconds: float) -> bool:
        """Wait before a retry; True if the run started stopping meanwhile (``newscrawl.shutdown``)."""
        if seconds <= 0:
            return stopping(self.crawler)
        self._count("retry/waits")
        self._count("retry/waited_ms", round(seconds * 1000))
        return await wait(self.crawler, seconds)

    def _count(self, name: str, value: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"newscrawl/{name}", value)
