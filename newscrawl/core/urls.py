"""URL normalisation shared by every site (one spelling per page, whatever variant a link used), and what
an article URL says by itself (``ArticleRef``, which a site profile reads from it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "igshid", "ref", "_ga", "from", "utm_referrer"}
)


def idna_host(host: str) -> str:
    """A host as Scrapy's requests spell it: lower case, a Unicode name in IDNA (punycode) form.

    Scrapy escapes every request URL with ``w3lib.url.safe_url_string``, which encodes the host with
    Python's ``idna`` codec; hosts compared with request hosts (``allowed_domains``, a spider's own hosts)
    must be spelled the same way, or every request to ``пример.укр`` is filtered as offsite. A host the
    codec refuses (an empty or over-long label) stays as it is, as w3lib leaves it.
    """
    host = host.lower()
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return host


def host_of(url: str) -> str:
    """The URL's host in the form requests carry it (:func:`idna_host`); empty for a URL with no host."""
    return idna_host(urlsplit(url).hostname or "")


def normalize_url(url: str, *, keep_query: bool = True) -> str:
    """Lower-case scheme and host (IDNA), drop the fragment, default ports and tracking parameters."""
    # Not w3lib's canonicalize_url: it sorts and re-quotes the query, which would change the URLs and keys
    # of records already archived from sites without a profile.
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "https").lower()
    host = idna_host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        netloc = f"{netloc}:{parts.port}"
    query = ""
    if keep_query and parts.query:
        pairs = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
        ]
        query = urlencode(pairs)
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def is_on_hosts(url: str, hosts: frozenset[str] | tuple[str, ...]) -> bool:
    return host_of(url) in hosts


@dataclass(frozen=True)
class ArticleRef:
    """What an article URL says by itself: the article's identity and its dated path."""

    site: str
    lang: str
    section: str
    article_id: str
    day: date | None
    url: str  # canonical URL built from the parts

    @property
    def key(self) -> str:
        """The archive key: (site, language, id). Ids of sister sites overlap, so the id alone is no key."""
        return f"{self.site}:{self.lang}:{self.article_id}"
