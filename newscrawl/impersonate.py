"""Downloads with a browser-grade TLS and HTTP/2 handshake, for requests with ``meta["impersonate"]``.

Anti-bot layers that judge the client's TLS ClientHello and HTTP/2 settings refuse Scrapy's
Twisted/OpenSSL handshake whatever headers it sends. curl_cffi (libcurl-impersonate, BoringSSL, shipped
in its wheel) sends a browser's: ``meta["impersonate"] = "chrome"`` is curl_cffi's profile name.
:class:`ImpersonateDownloader` is built by ``newscrawl.download.DownloadHandler`` on the first request
that asks, so a crawl that never asks never imports curl_cffi.

Why not the scrapy-impersonate plugin: it is a whole download handler of its own (it would replace ours,
which already routes rendering and the mirror), opens a fresh session, connection and handshake per
request, reads bodies whole whatever ``DOWNLOAD_MAXSIZE`` says, and ignores ``DOWNLOAD_TIMEOUT``. This is
the part of it we need, composed with our handler.

What is sent: the request's own headers (Scrapy's cookies, ``From`` with the contact, ``Referer`` ...)
except ``User-Agent``, ``Accept``, ``Accept-Language`` and ``Accept-Encoding``, which come from the browser
profile: a crawler's User-Agent over a Chrome handshake is the very mismatch such layers look for. libcurl
decodes the body it asked compressed, so ``Content-Encoding`` is not passed on. Redirects, retries and
cookies stay Scrapy's (curl follows no redirect and keeps no cookie).
"""

from __future__ import annotations

import time
from typing import Any

from curl_cffi.requests import AsyncSession
from curl_cffi.requests.exceptions import ConnectionError as CurlConnectionError
from curl_cffi.requests.exceptions import DNSError, RequestException, Timeout
from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
)
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes

from newscrawl.statnames import IMPERSONATED, stat

# Set by libcurl for the body it decoded, or hop-by-hop: wrong for the Response Scrapy gets.
_DROPPED_RESPONSE_HEADERS = frozenset({b"content-encoding", b"content-length", b"transfer-encoding"})
# The browser profile's own, in its own order: Scrapy's defaults here would mark the request as no browser's.
_PROFILE_HEADERS = frozenset({"user-agent", "accept", "accept-language", "accept-encoding"})


class ImpersonateDownloader:
    """One curl_cffi session (connections and TLS sessions reused) for the crawl's impersonated requests."""

    def __init__(self, crawler: Crawler, mirror: str | None) -> None:
        self.crawler = crawler
        self.mirror = mirror
        self.timeout = crawler.settings.getfloat("DOWNLOAD_TIMEOUT", 180)
        self.maxsize = crawler.settings.getint("DOWNLOAD_MAXSIZE", 0)
        self.session: AsyncSession[Any] | None = None

    async def download(self, request: Request, url: str) -> Response:
        """Fetch ``url`` (the request's own, or its mirror address) with the request's browser profile."""
        if self.session is None:
            self.session = AsyncSession(max_clients=self.crawler.settings.getint("CONCURRENT_REQUESTS", 16))
        headers = {
            key.decode("latin-1"): b", ".join(values).decode("latin-1")
            for key, values in request.headers.items()
            if key.decode("latin-1").lower() not in _PROFILE_HEADERS
        }
        timeout = float(request.meta.get("download_timeout") or self.timeout)
        maxsize = int(request.meta.get("download_maxsize", self.maxsize) or 0)
        # The local test mirror has a self-signed certificate: only a mirror URL goes unverified, never a
        # live site.
        verify = not (self.mirror and url.startswith(self.mirror + "/"))
        started = time.monotonic()
        try:
            response = await self.session.request(
                request.method,  # type: ignore[arg-type]
                url,
                headers=headers,
                data=request.body or None,
                impersonate=str(request.meta["impersonate"]),  # type: ignore[arg-type]  # checked by curl_cffi
                timeout=timeout,
                allow_redirects=False,
                verify=verify,
                discard_cookies=True,
                stream=True,
            )
            chunks: list[bytes] = []
            size = 0
            try:
                async for chunk in response.aiter_content():
                    size += len(chunk)
                    if maxsize and size > maxsize:
                        raise DownloadCancelledError(
                            f"Cancelling download of {request.url}: received {size} bytes, larger than "
                            f"download max size ({maxsize})"
                        )
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except Timeout as exc:
            raise DownloadTimeoutError(f"Getting {request.url} took longer than {timeout} seconds: {exc}") from exc
        except DNSError as exc:
            raise CannotResolveHostError(str(exc)) from exc
        except CurlConnectionError as exc:
            raise DownloadConnectionRefusedError(str(exc)) from exc
        except RequestException as exc:
            raise DownloadFailedError(str(exc)) from exc
        body = b"".join(chunks)
        out = Headers()
        for key, value in response.headers.multi_items():
            if value is not None and key.lower().encode("latin-1") not in _DROPPED_RESPONSE_HEADERS:
                out.appendlist(key, value)
        respcls = responsetypes.from_args(headers=out, url=request.url, body=body)
        request.meta["download_latency"] = time.monotonic() - started
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(stat(IMPERSONATED))
            self.crawler.stats.inc_value(f"newscrawl/impersonate/status/{response.status_code}")
        return respcls(
            url=request.url,
            status=response.status_code,
            headers=out,
            body=body,
            flags=["impersonate"],
            request=request,
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None
