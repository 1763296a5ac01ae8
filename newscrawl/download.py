"""The download handler of every crawl: Scrapy's HTTP/1.1 handler, from ``NEWSCRAWL_MIRROR`` when set.

A request with ``meta["impersonate"]`` (a browser profile) is downloaded with that browser's TLS handshake
(``newscrawl.impersonate``, curl_cffi), built on the first such request, so a crawl that never asks never
imports curl_cffi. Rendering plugs in on top (``newscrawl.render.download``, named in ``DOWNLOAD_HANDLERS``);
nothing here knows it exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response

from newscrawl.mirror import mirror_url, validate_mirror

if TYPE_CHECKING:
    from newscrawl.impersonate import ImpersonateDownloader


class MirrorDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP/1.1 handler, redirected to ``NEWSCRAWL_MIRROR`` when that setting is given."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        raw = crawler.settings.get("NEWSCRAWL_MIRROR")
        self.mirror = validate_mirror(raw) if raw else None

    async def download_request(self, request: Request) -> Response:
        if not self.mirror or request.url.startswith(self.mirror + "/"):
            return await super().download_request(request)
        mirrored = request.replace(url=mirror_url(self.mirror, request.url))
        response = await super().download_request(mirrored)
        # The copy's meta is its own: AutoThrottle reads the latency from the request it scheduled.
        if "download_latency" in mirrored.meta:
            request.meta["download_latency"] = mirrored.meta["download_latency"]
        return response.replace(url=request.url, request=request)


class DownloadHandler(MirrorDownloadHandler):
    """Plain downloads (from ``NEWSCRAWL_MIRROR`` when set); ``meta["impersonate"]`` ones with a browser's
    TLS handshake, through the same mirror."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._crawler = crawler
        self._impersonate: ImpersonateDownloader | None = None

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("impersonate") and not request.meta.get("playwright"):
            return await self._download_impersonated(request)
        return await super().download_request(request)

    async def _download_impersonated(self, request: Request) -> Response:
        if self._impersonate is None:
            from newscrawl.impersonate import ImpersonateDownloader

            self._impersonate = ImpersonateDownloader(self._crawler, self.mirror)
        if not self.mirror or request.url.startswith(self.mirror + "/"):
            return await self._impersonate.download(request, request.url)
        return await self._impersonate.download(request, mirror_url(self.mirror, request.url))

    async def close(self) -> None:
        if self._impersonate is not None:
            await self._impersonate.close()
        await super().close()
