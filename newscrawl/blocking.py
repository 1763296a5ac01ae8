"""Bot walls: recognise an anti-bot answer by its kind, count it per host, and say what blocked the crawl.

A bot wall is a response that is a WAF's interstitial or refusal rather than the page asked for: a
403, 429 or 503 with a WAF's signature (Cloudflare's ``cf-mitigated: challenge`` header, its or
DDoS-Guard's ``Server`` header with a challenge page, their interstitial bodies), or a 200 page that is
nothing but such an interstitial. :func:`wall_kind` names it (``cloudflare``, ``ddos-guard``, ``generic``)
from the status, headers and body alone; it is pure Python, so it is tested without a crawler.

:class:`BlockedMiddleware` (downloader middleware) applies it to every response (robots.txt, feeds,
listings, sitemaps, articles), counts ``newscrawl/blocked/<kind>@<host>``, slows the host's downloader
slot, and climbs the ladder when the user opted in (``NEWSCRAWL_IMPERSONATE``) and the site profile
declares a browser profile (``Site.impersonate``): the blocked request once more with a browser-grade TLS
handshake (``meta["impersonate"]``, ``newscrawl.impersonate``), then a page once in Chromium
(``meta["playwright"]``), then dropped (:class:`Blocked`). A host whose last ``NEWSCRAWL_BLOCKED_STOP_AFTER``
responses were all walls ends the crawl with the finish reason ``blocked``. :func:`blocked_message` is the
line the run ends with.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from typing import Any, Self

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import _schedule_coro
from twisted.python.failure import Failure

from newscrawl import config
from newscrawl.core.sites import site_for_url
from newscrawl.core.urls import host_of
from newscrawl.politeness import floor_delay
from newscrawl.statnames import BLOCKED_BY, IMPERSONATED, stat

CLOUDFLARE = "cloudflare"
DDOS_GUARD = "ddos-guard"
GENERIC = "generic"

WALL_STATUSES = frozenset({403, 429, 503})
FINISH_REASON = "blocked"  # the crawl's finish reason when a host stays blocked

# Body markers, lower case, looked for in the first 64 KiB. Only markers of the interstitial itself: an
# article that writes about Cloudflare must not look like one.
_CLOUDFLARE_BODY = (
    "<title>just a moment...</title>",
    "<title>attention required! | cloudflare</title>",
    "cf-browser-verification",
    "/cdn-cgi/challenge-platform/",
    "window._cf_chl_opt",
    "cf_chl_",
)
_DDOS_GUARD_BODY = ("<title>ddos-guard</title>", "ddos-guard.net/", "check.ddos-guard.net", "__ddg")
_GENERIC_BODY = (
    "captcha-delivery.com",  # DataDome
    "please enable js and disable any ad blocker",  # DataDome
    "checking your browser before accessing",
    "enable javascript and cookies to continue",
    "<title>access denied</title>",  # Akamai, Imperva
    "_incapsula_resource",
    "cbtymtname",  # the script-set cookie wall of the UP group (2023)
)
_SCRIPT = re.compile(rb"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(rb"<[^>]*>")
PAGE_TEXT_MAX = 2000  # a 200 page with more visible text than this is content, whatever it mentions


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name, "").strip().lower()


def visible_text_length(body: bytes) -> int:
    """Characters of text outside tags, scripts and styles (whitespace collapsed), of the first 256 KiB."""
    text = _TAG.sub(b" ", _SCRIPT.sub(b" ", body[:262_144]))
    return len(b" ".join(text.split()))


def wall_kind(status: int, headers: Mapping[str, str], body: bytes) -> str | None:
    """The kind of bot wall a response is (``cloudflare``, ``ddos-guard``, ``generic``), or None for content.

    ``headers`` maps lower-case names to values. A 403/429/503 is a wall when a WAF signs it; a 200 only
    when it carries an interstitial marker and hardly any visible text (a short page about Cloudflare is
    still content unless it is Cloudflare's own page).
    """
    if status not in WALL_STATUSES and status != 200:
        return None
    server = _header(headers, "server")
    if _header(headers, "cf-mitigated") == "challenge":
        return CLOUDFLARE
    head = body[:65_536].lower().decode("latin-1")
    cloudflare = any(marker in head for marker in _CLOUDFLARE_BODY)
    ddos_guard = any(marker in head for marker in _DDOS_GUARD_BODY)
    generic = any(marker in head for marker in _GENERIC_BODY)
    if status == 200 and not (
        (cloudflare or ddos_guard or generic) and visible_text_length(body) <= PAGE_TEXT_MAX
    ):
        return None
    if cloudflare or (status != 200 and server == "cloudflare" and (ddos_guard or generic)):
        return CLOUDFLARE
    if ddos_guard or (status != 200 and server.startswith("ddos-guard") and generic):
        return DDOS_GUARD
    if generic:
        return GENERIC
    if status != 200 and server.startswith("ddos-guard") and status in {403, 503}:
        return DDOS_GUARD  # DDoS-Guard answers its refusals with an empty or bare body
    return None


def blocked_hosts(stats: Mapping[str, Any]) -> dict[str, int]:
    """``{"<kind>@<host>": responses}`` from the crawl stats, the run report's ``counts["blocked"]``."""
    prefix = stat(BLOCKED_BY)
    return {key.removeprefix(prefix): int(value) for key, value in sorted(stats.items()) if key.startswith(prefix)}


def blocked_message(blocked: Mapping[str, int], impersonated: bool, profile: str | None) -> str | None:
    """The line a run that found nothing ends with when bot walls answered it, naming what the user can do."""
    if not blocked:
        return None
    walls = ", ".join(
        f"{kind} at {host} ({n} response{'s' if n != 1 else ''})"
        for kind, host, n in sorted(
            ((key.split("@", 1)[0], key.split("@", 1)[1], n) for key, n in blocked.items()),
            key=lambda wall: (-wall[2], wall[1], wall[0]),
        )
    )
    if impersonated:
        advice = (
            "the browser-grade handshake did not get through either; try again later, crawl slower, "
            "or ask the site's owners to allow the crawler"
        )
    elif profile:
        advice = (
            f"the site profile needs a browser-grade handshake ({profile}): run again with "
            "-s NEWSCRAWL_IMPERSONATE=1 if you accept answering an anti-bot check, or ask the site's owners"
        )
    else:
        advice = "try again later, crawl slower, or ask the site's owners to allow the crawler"
    return f"blocked by {walls}: {advice}"


def check_settings(settings: BaseSettings) -> None:
    """ValueError when impersonation is asked for and curl_cffi is not installed (the settings' own types and
    ranges are checked with every other's, ``newscrawl.config``)."""
    if config.get_bool(settings, "NEWSCRAWL_IMPERSONATE") and importlib.util.find_spec("curl_cffi") is None:
        raise ValueError("NEWSCRAWL_IMPERSONATE needs curl_cffi: pip install 'newscrawl[impersonate]'")


def exit_line(crawler: Crawler) -> str | None:
    """:func:`blocked_message` of a finished crawl, from its stats, settings and site profile."""
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    site = getattr(crawler.spidercls, "site", None)
    return blocked_message(
        blocked_hosts(stats),
        impersonated=bool(stats.get(stat(IMPERSONATED))),
        profile=getattr(site, "impersonate", None),
    )


class Blocked(IgnoreRequest):
    """A request dropped because a bot wall answered it and nothing more is to be tried."""


def _headers_of(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1").lower(): (response.headers.get(key) or b"").decode("latin-1")
        for key in response.headers
    }


PAGE_SOURCES_PLAIN = frozenset({"feed", "sitemap"})  # never rendered: XML, not pages
LADDER = "newscrawl_blocked_step"  # meta: the ladder's step a request is on (1 handshake, 2 browser)


class BlockedMiddleware:
    """Downloader middleware (585: after HttpCompression unpacked the body, before everything else reads
    it): recognise, count, slow down, escalate, drop, and stop a crawl a host keeps blocking."""

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.stats is not None
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.impersonate = config.get_bool(settings, "NEWSCRAWL_IMPERSONATE")
        self.stop_after = config.get_int(settings, "NEWSCRAWL_BLOCKED_STOP_AFTER")
        self.slow_delay = config.get_float(settings, "NEWSCRAWL_BLOCKED_DELAY")
        self.slow_max = config.get_float(settings, "NEWSCRAWL_BLOCKED_DELAY_MAX")
        self.in_a_row: dict[str, int] = {}  # host -> walls since its last other answer
        self.delays: dict[str, float] = {}  # downloader slot -> floor of its delay since a wall
        self.walled_hosts: set[str] = set()  # hosts whose next requests start with the handshake
        self.stopping = False
        crawler.signals.connect(self.request_reached_downloader, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def profile_for(self, request: Request) -> str | None:
        """The browser profile the request's site declares, when the user turned impersonation on."""
        if not self.impersonate:
            return None
        site = site_for_url(request.url) or getattr(self.crawler.spider, "site", None)
        if site is None or host_of(request.url) not in site.hosts:
            return None
        return site.impersonate

    def process_request(self, request: Request, spider: Any = None) -> None:
        # A host that walled one request walls the next: start those with the handshake at once.
        if LADDER not in request.meta and host_of(request.url) in self.walled_hosts:
            profile = self.profile_for(request)
            if profile:
                request.meta["impersonate"] = profile
                request.meta[LADDER] = 1

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        host = host_of(request.url)
        if request.meta.get("playwright"):
            # The browser went through whatever the first answer was (its status and headers stay those of
            # the first navigation): the page it settled on is what counts.
            kind = wall_kind(200, {}, response.body)
        else:
            kind = wall_kind(response.status, _headers_of(response), response.body)
        if kind is None:
            self.in_a_row.pop(host, None)
            if (
                request.meta.get("playwright")
                and response.status in WALL_STATUSES
                and (request.meta.get(LADDER) == 2 or wall_kind(response.status, _headers_of(response), b""))
            ):
                # The wall's first answer (403, cf-mitigated) reloaded into the page in the browser: the page
                # is what was asked for, not an HTTP error for HttpErrorMiddleware to drop.
                self.stats.inc_value("newscrawl/blocked/passed/browser")
                return response.replace(status=200)
            return response
        self.stats.inc_value(stat(f"{BLOCKED_BY}{kind}@{host}"))
        self.stats.inc_value("newscrawl/blocked/responses")
        self.in_a_row[host] = self.in_a_row.get(host, 0) + 1
        article = request.meta.get("ref") is not None or bool(request.meta.get("article"))
        status = 200 if request.meta.get("playwright") else response.status
        # A 200 interstitial on an article off the ladder: the challenge machinery (newscrawl.not_article,
        # newscrawl.render) waits that one URL out or renders it, and the validate pipeline drops what stays
        # one. Only refusals and walled sources slow the whole host down.
        challenge = status == 200 and article and not request.meta.get(LADDER)
        if not challenge:
            self._slow_down(request)
        robots = request.url.split("?", 1)[0].endswith("/robots.txt")
        escalated = self._escalate(request, host, robots)
        if escalated is not None:
            return escalated
        if self.stop_after and self.in_a_row[host] >= self.stop_after and not self.stopping:
            self._stop(kind, host)
        if robots:
            return response  # robots.txt answered by a wall: Scrapy reads it as no rules, as any error page
        if challenge:
            return response
        self.stats.inc_value("newscrawl/blocked/dropped")
        raise Blocked(f"blocked by {kind} at {host}: {request.url} answered {response.status}")

    def _escalate(self, request: Request, host: str, robots: bool) -> Request | None:
        """The ladder's next step for a walled request: the handshake, then (pages) the browser, then none."""
        profile = self.profile_for(request)
        step = int(request.meta.get(LADDER, 0))
        if profile is None or step >= 2:
            return None
        if step == 0:
            self.walled_hosts.add(host)
            self.stats.inc_value("newscrawl/blocked/retried/impersonate")
            # playwright False: downloaded, not rendered, even in a crawl that renders its pages
            meta = {**request.meta, "impersonate": profile, "playwright": False, LADDER: 1}
            return request.replace(meta=meta, dont_filter=True)
        page = not robots and (
            request.meta.get("ref") is not None
            or bool(request.meta.get("article"))
            or request.meta.get("source") not in PAGE_SOURCES_PLAIN
        )
        if page and getattr(self.crawler.spider, "render", None) is not False:
            self.stats.inc_value("newscrawl/blocked/retried/browser")
            meta = {**request.meta, "playwright": True, "autothrottle_dont_adjust_delay": True, LADDER: 2}
            meta.pop("impersonate", None)
            return request.replace(meta=meta, dont_filter=True)
        return None

    def _slow_down(self, request: Request) -> None:
        """The whole host waits longer between requests after a wall: double its delay, at least
        ``NEWSCRAWL_BLOCKED_DELAY``, at most ``NEWSCRAWL_BLOCKED_DELAY_MAX``."""
        engine = self.crawler.engine
        if self.slow_delay <= 0 or engine is None:
            return
        key = request.meta.get("download_slot") or engine.downloader.get_slot_key(request)
        slot = engine.downloader.slots.get(key)
        current = max(self.delays.get(key, 0.0), slot.delay if slot is not None else 0.0)
        self.delays[key] = min(self.slow_max, max(self.slow_delay, current * 2))
        self.stats.max_value(f"newscrawl/blocked/delay/{key}", self.delays[key])
        if slot is not None:
            floor_delay(slot, self.delays[key])

    def request_reached_downloader(self, request: Request, spider: Any = None) -> None:
        # AutoThrottle lowers a slot's delay again after quick answers: keep the floor (as CrawlDelay does).
        key = request.meta.get("download_slot")
        engine = self.crawler.engine
        if key in self.delays and engine is not None:
            slot = engine.downloader.slots.get(key)
            if slot is not None:
                floor_delay(slot, self.delays[key])

    def _stop(self, kind: str, host: str) -> None:
        self.stopping = True
        self.stats.set_value("newscrawl/blocked/stopped_at", f"{kind}@{host}")
        spider = self.crawler.spider
        if spider is not None:
            spider.logger.error(
                "%s answered %d bot walls in a row (%s) and nothing else: closing the crawl",
                host,
                self.in_a_row[host],
                kind,
            )
        engine = self.crawler.engine
        assert engine is not None
        # As Scrapy's CloseSpider extension does it from a signal handler.
        _schedule_coro(engine.close_spider_async(reason=FINISH_REASON))
        # Closing waits for the downloader's queues, and a walled host's queue waits out its slowed-down
        # delay before each request: let them go unrequested now instead of knocking on the wall again.
        for slot in engine.downloader.slots.values():
            while slot.queue:
                request, waiting = slot.queue.popleft()
                self.stats.inc_value("newscrawl/blocked/not_requested")
                waiting.errback(Failure(IgnoreRequest(f"not requested, the crawl is closing: {request.url}")))
