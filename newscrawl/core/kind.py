"""What a page is: ``article``, ``challenge`` (a bot challenge), ``not_article`` (an empty shell) or ``binary``.

A page's decoded text is scanned once (``scan``: binary bytes, challenge markers, article tags in the
source); ``detect_kind`` decides from that scan and, only for a page with a marker, from what its parser
found. The crawl's middlewares, the spider and ``newscrawl.core.extract`` share one scan per response.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from newscrawl.core.page import Page, clean_inline

# What a reader sees on a bot-challenge page (Cloudflare, DDoS-Guard and the like): strong evidence when it
# stands in the visible text of a page that has no article.
CHALLENGE_WORDING = (
    "just a moment...",
    "checking your browser",
    "checking if the site connection is secure",
    "verifying you are human",
    "needs to review the security of your connection",
    "enable javascript and cookies to continue",
    "please enable js and disable any ad blocker",
    "ddos-guard",
    "ddos protection by",
)
# Traces of anti-bot machinery in scripts and attributes. Ordinary pages carry them too (eurointegration's
# cbtYmTName cookie script of 2023, the challenge-platform loader Cloudflare injects into every page it
# proxies): weak evidence, which never makes a page with an article a challenge.
CHALLENGE_TRACES = ("cbtymtname", "cf-browser-verification", "challenge-platform", "cf_chl_", "captcha-delivery")
# Every marker, searched in the raw page (the cheap scan; also what the browser checks, newscrawl.render).
CHALLENGE_MARKERS = CHALLENGE_WORDING + CHALLENGE_TRACES
# A script that sets a cookie and then reloads the page: the shape of a cookie challenge of any name.
_COOKIE_RELOAD = re.compile(
    r"document\.cookie\s*=.{0,400}?location\.(?:reload\s*\(|replace\s*\(|href\s*=)", re.DOTALL
)
SCAN_CHARS = 200_000  # markers are looked for in the head of a page: a challenge page is small


def has_challenge_marker(lowered: str) -> bool:
    """Whether lower-cased page text shows any challenge marker or a cookie-and-reload script."""
    return any(marker in lowered for marker in CHALLENGE_MARKERS) or _COOKIE_RELOAD.search(lowered) is not None


def challenge_wording(text: str) -> bool:
    """Whether text a reader sees says what a challenge page says."""
    lowered = text.lower()
    return any(words in lowered for words in CHALLENGE_WORDING)


_CONTROLS = re.compile(r"[\x01-\x08\x0b\x0e-\x1f]")  # below a space: not tab, newline, carriage return, form feed


def looks_binary(text: str) -> bool:
    """Decoded bytes of an image, PDF or archive served as HTML: NULs or many control characters up front."""
    head = text[:1024]
    if "\x00" in head:
        return True
    return len(_CONTROLS.findall(head)) > len(head) // 10


@dataclass(frozen=True)
class Scan:
    """What a text scan of a page's source tells without parsing it (``scan``)."""

    binary: bool  # ``looks_binary``
    marker: bool  # a challenge marker in the head of the page (``has_challenge_marker``)
    tagged: bool  # an ``<article`` or ``<h1`` tag in the head of the page's source

    @property
    def plainly_article(self) -> bool:
        """The usual article page, told without parsing: no challenge marker at all, and an ``<article>`` or
        ``<h1>`` tag in the source (``detect_kind`` calls such a page an article)."""
        return self.tagged and not self.marker


def scan(text: str) -> Scan:
    """Scan a page's decoded text once; the middlewares, the spider and the parse share the result."""
    lowered = text[:SCAN_CHARS].lower()
    return Scan(
        binary=looks_binary(text),
        marker=has_challenge_marker(lowered),
        tagged="<article" in lowered or "<h1" in lowered,
    )


def detect_kind(page: Page, reads_as_article: Callable[[], bool], scanned: Scan | None = None) -> str:
    """``binary``, ``challenge`` for a bot-challenge page, ``not_article`` for an empty shell, else ``article``.

    A page is a challenge only when a reader sees no article on it. Any challenge marker (wording a reader
    sees, or a trace in a script or an attribute) only raises the question, and ``reads_as_article``
    answers it: whether the parser found a real title and body (``newscrawl.core.extract``, where challenge
    wording in the visible text counts against it). It is called only for a page with a marker.
    ``scanned``: the page's ``scan``, when the crawl made it already.
    """
    scanned = scanned or scan(page.text)
    if scanned.binary:
        return "binary"
    if scanned.marker:
        return "article" if reads_as_article() else "challenge"
    if page.select("article, h1"):
        return "article"  # measuring the text is half the cost of an extraction: only when it decides
    text_len = len(clean_inline(" ".join(page.selector.css("body *:not(script):not(style)::text").getall())))
    return "not_article" if text_len < 200 else "article"
