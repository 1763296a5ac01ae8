"""The project's download handler with rendering plugged in: ``DOWNLOAD_HANDLERS`` for http and https.

A request that asks for rendering (``meta["playwright"]``) goes to :mod:`newscrawl.render.handler`, imported
and built on the first such request, so a crawl that renders nothing never imports Playwright (a fifth of a
cron run's start-up); every other request is downloaded by ``newscrawl.download``, which knows nothing of
rendering. This module imports nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from newscrawl.download import DownloadHandler

if TYPE_CHECKING:
    from newscrawl.render.handler import RenderDownloadHandler


class RenderingDownloadHandler(DownloadHandler):
    """``newscrawl.download.DownloadHandler``, with rendered requests sent to Chromium."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._render: RenderDownloadHandler | None = None

    async def download_request(self, request: Request) -> Response:
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        if self._render is None:
            from newscrawl.render.handler import RenderDownloadHandler

            self._render = RenderDownloadHandler(self._crawler)
        return await self._render.download_request(request)

    async def close(self) -> None:
        if self._render is not None:
            await self._render.close()
        await super().close()
