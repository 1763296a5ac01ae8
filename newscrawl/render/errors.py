"""Rendering errors, in a module light enough for the middlewares that every crawl loads."""

from __future__ import annotations

from twisted.internet.error import TimeoutError as DownloadTimeoutError


class RenderTimeout(DownloadTimeoutError):
    """A rendered page that did not settle in time; retried like a download timeout, then dropped."""
