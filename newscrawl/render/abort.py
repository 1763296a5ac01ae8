"""What a rendered page may not load: images, media, fonts, and anything from another site.

``should_abort`` is the project's ``PLAYWRIGHT_ABORT_REQUEST``. The article text never needs them, and
third-party requests (ads, trackers, analytics, embeds) are most of a news page's weight and its memory.
"""

from __future__ import annotations

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Request as PlaywrightRequest

from newscrawl.core.urls import host_of

ABORTED_TYPES = frozenset({"image", "media", "font"})


def same_site(host: str, other: str) -> bool:
    """Whether two hosts belong to one site: equal, or one a subdomain of the other, ``www.`` ignored."""
    a, b = host.removeprefix("www."), other.removeprefix("www.")
    return bool(a) and (a == b or a.endswith("." + b) or b.endswith("." + a))


def should_abort(request: PlaywrightRequest) -> bool:
    if request.resource_type in ABORTED_TYPES:
        return True
    try:
        frame = request.frame
        if request.is_navigation_request() and frame.parent_frame is None:
            return False  # the page itself, wherever it redirects
        page_url = frame.page.main_frame.url
    except PlaywrightError:  # service-worker requests have no frame
        return True
    if not page_url.startswith(("http://", "https://")):
        return False
    return not same_site(host_of(request.url), host_of(page_url))
