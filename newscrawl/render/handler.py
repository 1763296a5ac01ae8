"""The download handler of rendered requests (``meta["playwright"]``): Chromium through scrapy-playwright.

It is scrapy-playwright's handler with these changes:

- Playwright and the browser start on the first request that asks for rendering, not with the engine,
  so a crawl that renders nothing starts no browser;
- at most ``PLAYWRIGHT_MAX_PAGES_PER_CONTEXT`` pages are open at once in all contexts together, and the
  browser context is replaced every ``NEWSCRAWL_RENDER_RECYCLE_PAGES`` pages (the old one is closed once
  its last page is done), which keeps the browser's memory flat over long crawls;
- the whole stack (Playwright's Node.js driver and the browser) is restarted every
  ``NEWSCRAWL_RENDER_RESTART_PAGES`` rendered pages, or sooner once the driver passes
  ``NEWSCRAWL_RENDER_DRIVER_MAX_MB``: the driver keeps up to 10,000 protocol objects of each kind (requests,
  responses, routes) and its V8 heap grows with them, and only a fresh driver gives that memory back.
  New renderings wait while the pages in flight finish; none is lost or repeated;
- a page has ``NEWSCRAWL_RENDER_TIMEOUT`` seconds in all; one that never settles is closed and raises
  :class:`RenderTimeout`, which Scrapy's RetryMiddleware retries like any download timeout;
- the response says in its Content-Type which charset the rendered DOM was encoded in, since the page's
  own ``<meta charset>`` may name another (windows-1251 on old pages);
- with ``NEWSCRAWL_MIRROR`` the browser still navigates to the real URL, and every request it makes is
  fetched from the mirror and fulfilled under the real URL, so pages, cookies and scripts behave as live.

After navigation a page that is still a JavaScript challenge (``newscrawl.core.extract.classify``) is given
``NEWSCRAWL_RENDER_CHALLENGE_WAIT`` seconds to set its cookie and reload itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import partial
from typing import Any

import psutil
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page as BrowserPage
from playwright.async_api import Request as PlaywrightRequest
from playwright.async_api import Route
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response, TextResponse
from scrapy.utils.misc import load_object
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler
from scrapy_playwright.page import PageMethod

from newscrawl import config
from newscrawl.core.extract import classify
from newscrawl.core.kind import CHALLENGE_MARKERS
from newscrawl.download import MirrorDownloadHandler
from newscrawl.mirror import mirror_url
from newscrawl.render.browser import launch_options
from newscrawl.render.errors import RenderTimeout

logger = logging.getLogger(__name__)

CONTEXT_PREFIX = "newscrawl-"
DRIVER_CHECK_EVERY = 25  # rendered pages between two looks at the driver's size

# Cheap test in the page before the whole HTML is fetched for classify.
_HAS_MARKER_JS = (
    "m => { const h = document.documentElement.outerHTML.toLowerCase(); return m.some(x => h.includes(x)); }"
)

# Request headers that belong to one connection, not to the request.
_HOP_HEADERS = frozenset({"host", "connection", "content-length", "keep-alive", "transfer-encoding"})


async def browser_headers(
    *, browser_type_name: str, playwright_request: PlaywrightRequest, scrapy_request_data: dict[str, Any]
) -> dict[str, str]:
    """``PLAYWRIGHT_PROCESS_REQUEST_HEADERS``: the browser's own headers (and cookies), with our User-Agent.

    scrapy-playwright's default sends Scrapy's headers on navigations, which would drop a cookie that a
    challenge script has just set before reloading the page.
    """
    headers = await playwright_request.all_headers()
    user_agent = scrapy_request_data["headers"].get("User-Agent")
    if user_agent:
        headers["user-agent"] = user_agent.decode("latin-1")
    contact = scrapy_request_data["headers"].get("From")
    if contact:  # the operator's contact, as on plain and impersonated requests (newscrawl.politeness)
        headers["from"] = contact.decode("latin-1")
    return headers


class RenderDownloadHandler(ScrapyPlaywrightDownloadHandler, MirrorDownloadHandler):
    """``DOWNLOAD_HANDLERS`` for http and https: see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.config.launch_options = launch_options(settings, self.config.launch_options)
        self.page_slots = asyncio.Semaphore(self.config.max_pages_per_context)
        self.render_timeout = config.get_float(settings, "NEWSCRAWL_RENDER_TIMEOUT")
        self.challenge_wait = config.get_float(settings, "NEWSCRAWL_RENDER_CHALLENGE_WAIT")
        self.recycle_every = config.get_int(settings, "NEWSCRAWL_RENDER_RECYCLE_PAGES")
        self._start_lock = asyncio.Lock()
        self._generation = 0
        self._generation_pages = 0
        self._in_flight: Counter[str] = Counter()
        self._retired: set[str] = set()
        self._pools: dict[str, list[BrowserPage]] = {}  # idle pages of each context, reused by the next request
        self.restart_every = config.get_int(settings, "NEWSCRAWL_RENDER_RESTART_PAGES")
        self.driver_max_bytes = config.get_int(settings, "NEWSCRAWL_RENDER_DRIVER_MAX_MB") * 2**20
        self._stack_pages = 0  # pages rendered by the running driver and browser
        self._restart_due: str | None = None  # why the stack is to be restarted before the next page
        self._restart_lock = asyncio.Lock()

    # --- start lazily ---------------------------------------------------------------------------
    async def _maybe_launch_in_thread(self) -> None:
        """scrapy-playwright starts Playwright when the engine starts; we wait for a page to render."""

    async def _ensure_started(self) -> None:
        async with self._start_lock:
            if getattr(self, "browser_provider", None) is None:
                self.stats.inc_value("newscrawl/render/playwright_started")
                await self._launch()

    # --- download -------------------------------------------------------------------------------
    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        await self._take_page_slot()
        try:
            return await self._render(request)
        finally:
            self.page_slots.release()

    async def _render(self, request: Request) -> Response:
        await self._ensure_started()
        meta = request.meta
        # Pages are reused only in our own contexts and when the caller does not manage pages itself.
        pooled = not (
            meta.get("playwright_context") or meta.get("playwright_page") or meta.get("playwright_include_page")
        )
        context = meta.get("playwright_context") or self._next_context()
        await self._close_retired()
        self._in_flight[context] += 1
        state: dict[str, Any] = {}
        page: BrowserPage | None = None
        try:
            extra = self._render_meta(request, context, state)
            if pooled:
                extra["playwright_include_page"] = True
                extra["playwright_page"] = self._pooled_page(context)
            with _borrowed_meta(meta, extra):
                try:
                    response = await asyncio.wait_for(super().download_request(request), self.render_timeout)
                except (TimeoutError, PlaywrightTimeoutError) as exc:
                    self.stats.inc_value("newscrawl/render/timeout")
                    raise RenderTimeout(
                        f"page did not settle within {self.render_timeout:g}s: {request.url}"
                    ) from exc
            page = state.get("page")
        finally:
            if page is not None and pooled:
                await self._return_page(context, page)
            elif page is None and not meta.get("playwright_include_page"):
                await self._close_page(state.get("page"))  # failed or timed out: never reused
            self._in_flight[context] -= 1
            await self._close_retired()
        self.stats.inc_value("newscrawl/render/pages")
        self._count_stack_page()
        return _declare_charset(response)

    def _render_meta(self, request: Request, context: str, state: dict[str, Any]) -> dict[str, Any]:
        """The scrapy-playwright meta keys for one rendering, restored when it ends."""
        methods = request.meta.get("playwright_page_methods") or ()
        if isinstance(methods, Mapping):
            methods = list(methods.values())
        extra: dict[str, Any] = {}
        if self.mirror and self.mirror.startswith("https://"):
            # A local HTTPS mirror (the bot-wall tests) has a self-signed certificate; a live site never
            # goes unverified: this is only set when every request is answered from the mirror.
            extra["playwright_context_kwargs"] = {"ignore_https_errors": True}
        return {
            **extra,
            "playwright_context": context,
            "playwright_page_init_callback": partial(
                self._init_page, request.meta.get("playwright_page_init_callback"), state
            ),
            "playwright_page_methods": [*methods, PageMethod(self._settle)],
        }

    async def _init_page(self, user_callback: Any, state: dict[str, Any], page: BrowserPage, request: Request) -> None:
        state["page"] = page
        if self.mirror:
            # "**" like scrapy-playwright's own route, so that its unroute("**") clears ours on page reuse.
            await page.route("**", self._route_to_mirror)
        if user_callback:
            await load_object(user_callback)(page, request)

    async def _close_page(self, page: BrowserPage | None) -> None:
        if page is not None and not page.is_closed():
            with suppress(PlaywrightError):
                await page.close()
                self.stats.inc_value("playwright/page_count/closed")

    # --- pages and contexts: bounded, reused, recycled ------------------------------------------
    def _pooled_page(self, context: str) -> BrowserPage | None:
        pool = self._pools.get(context, [])
        while pool:
            page = pool.pop()
            if not page.is_closed():
                self.stats.inc_value("newscrawl/render/pages_reused")
                return page
        return None

    async def _return_page(self, context: str, page: BrowserPage | None) -> None:
        """Keep a page that rendered cleanly for the next request of its context; close any other."""
        if page is None or page.is_closed():
            return
        if context in self._retired or context not in self.context_wrappers:
            await self._close_page(page)
            return
        self._pools.setdefault(context, []).append(page)

    def _next_context(self) -> str:
        if self._generation_pages >= self.recycle_every:
            self._retired.add(f"{CONTEXT_PREFIX}{self._generation}")
            self._generation += 1
            self._generation_pages = 0
        self._generation_pages += 1
        return f"{CONTEXT_PREFIX}{self._generation}"

    async def _close_retired(self) -> None:
        """Close the idle pages of retired contexts at once, and each retired context once its last page is done."""
        for name in self._retired:
            for page in self._pools.pop(name, []):
                await self._close_page(page)
        for name in [n for n in self._retired if self._in_flight[n] <= 0]:
            self._retired.discard(name)
            self._in_flight.pop(name, None)
            self._pools.pop(name, None)
            wrapper = self.context_wrappers.get(name)
            if wrapper is not None:
                with suppress(PlaywrightError):
                    await wrapper.context.close()
                self.stats.inc_value("newscrawl/render/contexts_recycled")

    # --- the driver and browser: restarted before they grow -------------------------------------
    def _count_stack_page(self) -> None:
        self._stack_pages += 1
        if self.restart_every and self._stack_pages >= self.restart_every:
            self._restart_due = "pages"
        elif self.driver_max_bytes and self._stack_pages % DRIVER_CHECK_EVERY == 0:
            size = driver_rss()
            if size > self.driver_max_bytes:
                logger.info("the Playwright driver uses %d MiB: restarting it", size // 2**20)
                self._restart_due = "driver_size"

    async def _take_page_slot(self) -> None:
        """A page slot on a stack that is not due for a restart; the first request to find one due restarts it."""
        while True:
            await self.page_slots.acquire()
            if not self._restart_due:
                return
            self.page_slots.release()
            await self._restart_stack()

    async def _restart_stack(self) -> None:
        """Close the browser and stop the driver once the pages in flight are done; the next page starts both.

        Taking every page slot keeps new renderings waiting (in the order they came) and lets the pages in
        flight finish, so no page is lost or rendered twice; the pause is their remaining time plus about a
        second of start-up.
        """
        async with self._restart_lock:
            reason = self._restart_due
            if not reason:
                return  # another request did it while this one waited
            slots = self.config.max_pages_per_context
            for _ in range(slots):
                await self.page_slots.acquire()
            try:
                browser = getattr(self, "browser", None)
                if browser is not None:
                    # Its disconnected handler would run after the new browser is up and close that one's contexts.
                    browser.remove_listener("disconnected", self._browser_disconnected_callback)
                with suppress(PlaywrightError):
                    await self._close()
                if hasattr(self, "browser"):
                    del self.browser
                self.browser_provider = None  # type: ignore[assignment]
                self._pools.clear()
                self._retired.clear()
                self._in_flight.clear()
                self._stack_pages = 0
                self._restart_due = None
                self.stats.inc_value(f"newscrawl/render/restarts/{reason}")
                logger.info("Playwright driver and browser restarted (%s)", reason)
            finally:
                for _ in range(slots):
                    self.page_slots.release()

    # --- challenge pages ------------------------------------------------------------------------
    async def _settle(self, page: BrowserPage) -> None:
        """Give a challenge page time to set its cookie and reload into the article."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.challenge_wait
        seen_challenge = False
        while True:
            try:
                still = await page.evaluate(_HAS_MARKER_JS, list(CHALLENGE_MARKERS)) and self._is_challenge(
                    page.url, await page.content()
                )
            except PlaywrightError:
                if page.is_closed():
                    raise
                still = True  # the page is navigating away: the challenge is doing its work
            if not still:
                if seen_challenge:
                    self.stats.inc_value("newscrawl/render/challenge_passed")
                return
            seen_challenge = True
            if loop.time() >= deadline:
                self.stats.inc_value("newscrawl/render/challenge_stuck")
                return
            await asyncio.sleep(0.2)
            with suppress(PlaywrightError):
                await page.wait_for_load_state("load", timeout=max(1.0, (deadline - loop.time()) * 1000))

    @staticmethod
    def _is_challenge(url: str, html: str) -> bool:
        return classify(html, url) == "challenge"

    # --- the mirror -----------------------------------------------------------------------------
    async def _route_to_mirror(self, route: Route, request: PlaywrightRequest) -> None:
        """Fetch what the page asks for from the mirror and answer it under the real URL."""
        try:
            await self._answer_from_mirror(route, request)
        except PlaywrightError as exc:
            # Typically the page was closed (timed out, crawl ending) while one of its requests was pending.
            self.stats.inc_value("newscrawl/render/mirror_failed")
            logger.debug("mirror request for %s failed: %s", request.url, exc)
            with suppress(PlaywrightError):
                await route.abort("failed")

    async def _answer_from_mirror(self, route: Route, request: PlaywrightRequest) -> None:
        assert self.mirror is not None
        url = request.url
        if url.startswith(self.mirror + "/") or not url.startswith(("http://", "https://")):
            await route.fallback()
            return
        if self.abort_request is not None and await _maybe_await(self.abort_request(request)):
            self.stats.inc_value("playwright/request_count/aborted")
            await route.abort()
            return
        headers = {k: v for k, v in (await request.all_headers()).items() if k not in _HOP_HEADERS}
        if "cookie" not in headers:
            cookies = await request.frame.page.context.cookies(url)
            if cookies:
                headers["cookie"] = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
        user_agent = self._crawler.settings.get("USER_AGENT")
        if user_agent:
            headers["user-agent"] = user_agent
        fetched = await route.fetch(
            url=mirror_url(self.mirror, url), headers=headers, max_redirects=0, timeout=self.render_timeout * 1000
        )
        try:
            await route.fulfill(response=fetched)
        finally:
            # The driver keeps a fetched body until it is disposed of (or the context closes).
            with suppress(PlaywrightError):
                await fetched.dispose()


def _declare_charset(response: Response) -> Response:
    """Name the charset the rendered DOM was encoded in, in the Content-Type header.

    The page's own ``<meta charset>`` still names the charset it was served in (windows-1251 on old
    pages), and whoever decodes the body would believe it; the header comes first for every decoder.
    """
    if not isinstance(response, TextResponse):
        return response
    mime = (response.headers.get("Content-Type") or b"text/html").split(b";", 1)[0].strip() or b"text/html"
    headers = response.headers.copy()
    headers["Content-Type"] = mime + b"; charset=" + response.encoding.encode("ascii")
    return response.replace(headers=headers)


def driver_rss() -> int:
    """Resident bytes of this process's Playwright driver (a Node.js child running ``run-driver``); 0 if none."""
    total = 0
    for child in psutil.Process().children():
        with suppress(psutil.Error):
            if "run-driver" in child.cmdline():
                total += child.memory_info().rss
    return total


async def _maybe_await(value: Any) -> Any:
    return await value if asyncio.iscoroutine(value) else value


@contextmanager
def _borrowed_meta(meta: dict[str, Any], extra: Mapping[str, Any]) -> Iterator[None]:
    """Set meta keys for the duration of a block, then restore them, so a retried request starts clean."""
    missing = object()
    saved = {key: meta.get(key, missing) for key in extra}
    meta.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is missing:
                meta.pop(key, None)
            else:
                meta[key] = value
