"""URL normalisation shared by every site: one spelling per page, whatever variant a link used."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never select content.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "igshid", "ref", "_ga", "from", "utm_referrer"}
)


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def normalize_url(url: str, *, keep_query: bool = True) -> str:
    """Lower-case scheme and host, drop the fragment, default ports and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = (parts.scheme or "https").lower()
    host = (parts.hostname or "").lower()
    netloc = host
    if parts.port and not ((scheme == "http" and parts.port == 80) or (scheme == "https" and parts.port == 443)):
        netloc = f"{host}:{parts.port}"
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
