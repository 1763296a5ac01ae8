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
    timezone of an unknown site's times without offset (a site profile names its own). Raises the crawl's
    drop reason (a ``newscrawl.drops.ArticleDropped``, also a ``newscrawl.core.validate.Rejected``) for a
    page that would not be archived.
    """
    from newscrawl.core.extract import extract as _extract
    from newscrawl.core.validate import Rejected

    try:
        return _extract(body, url, crawled_at, content_type=content_type, tz=tz)
    except Rejected as rejected:
        # The crawl's drop reason, as ever; Scrapy (DropItem) is loaded only for a page that is rejected.
        from newscrawl.drops import drop_for

        raise drop_for(rejected) from None


__all__ = ["__version__", "extract"]
