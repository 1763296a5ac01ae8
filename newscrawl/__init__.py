"""newscrawl: a Scrapy crawler and archiver for news sites."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from datetime import datetime


def extract(
    body: bytes | str,
    url: str,
    crawled_at: datetime | None = None,
    *,
    content_type: str | None = None,
    tz: str | None = None,
) -> dict[str, Any]:
    """The record the pipelines would archive for one saved page (see ``newscrawl.core.extract``).

    ``content_type``: the HTTP ``Content-Type`` header (its charset decodes the bytes); ``tz``: the IANA
    timezone of an unknown site's times without offset (a site profile names its own).
    """
    from newscrawl.core.extract import extract as _extract

    return _extract(body, url, crawled_at, content_type=content_type, tz=tz)


__all__ = ["__version__", "extract"]
