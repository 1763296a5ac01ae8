"""The ``-a`` arguments of the spiders: what each accepts, checked in one place before a crawl starts.

``scrapy crawl`` refuses a bad argument with one line naming it (``newscrawl.commands.crawl``); the spiders
take the parsed values. A site spider's arguments depend on its profile (its languages); the ``news``
spider's on the homepage it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from newscrawl.core.dates import check_zone, kyiv, parse_day, utc_now
from newscrawl.core.sites.base import Site
from newscrawl.core.urls import normalize_url
from newscrawl.errors import UsageError
from newscrawl.render import RENDER_ARGUMENTS, check_render

SITE_ARGUMENTS = {
    "lang": "comma-separated languages to crawl (default: all the site has)",
    "since": "first publication day of a backfill window, YYYY-MM-DD",
    "until": "last publication day of the window, YYYY-MM-DD (default: today)",
    "max_pages": "listing pages to follow per listing (default: NEWSCRAWL_MAX_LISTING_PAGES)",
    "refresh": "1 to re-check every article found, archived or not",
    **RENDER_ARGUMENTS,
}

NEWS_ARGUMENTS = {
    "url": "the site's homepage, e.g. https://example.org/ (required)",
    "since": "skip feed and sitemap items published before this day, YYYY-MM-DD",
    "tz": "the site's timezone for times its pages give without offset, e.g. Europe/Berlin (default: none, "
    "such times are archived without offset)",
    **RENDER_ARGUMENTS,
}


def _refuse_unknown(kwargs: Mapping[str, Any], known: Mapping[str, str]) -> None:
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        raise UsageError(f"unknown argument {unknown[0]!r} (known: {', '.join(sorted(known))})")


def _day(kwargs: Mapping[str, Any], name: str) -> date | None:
    value = kwargs.get(name)
    try:
        return parse_day(str(value)) if value not in (None, "") else None
    except ValueError as exc:
        raise UsageError(f"argument {name}: {exc}") from None


def check_site_arguments(site: Site, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a site spider's arguments; returns them parsed, raises UsageError naming the bad one."""
    _refuse_unknown(kwargs, SITE_ARGUMENTS)
    out: dict[str, Any] = {}
    langs = [x.strip() for x in str(kwargs.get("lang") or ",".join(site.languages)).split(",") if x.strip()]
    bad = [x for x in langs if x not in site.languages]
    if bad or not langs:
        raise UsageError(
            f"argument lang: unknown language {(bad or [''])[0]!r} for {site.key} "
            f"(choose from {', '.join(site.languages)})"
        )
    out["langs"] = tuple(dict.fromkeys(langs))
    out["since"], out["until"] = _day(kwargs, "since"), _day(kwargs, "until")
    if out["until"] is not None and out["since"] is None:
        raise UsageError("argument until: needs since (a window is since..until)")
    if out["since"] is not None:
        out["until"] = out["until"] or kyiv(utc_now()).date()
        if out["since"] > out["until"]:
            raise UsageError(f"argument since: {out['since']} is after until {out['until']}")
    max_pages = kwargs.get("max_pages")
    if max_pages not in (None, ""):
        try:
            out["max_pages"] = int(str(max_pages))
            if out["max_pages"] < 1:
                raise ValueError
        except ValueError:
            raise UsageError(f"argument max_pages: {max_pages!r} is not a positive whole number") from None
    refresh = str(kwargs.get("refresh") or "0").lower()
    if refresh not in {"0", "1", "true", "false", "yes", "no"}:
        raise UsageError(f"argument refresh: {kwargs.get('refresh')!r} is not 0 or 1")
    out["refresh"] = refresh in {"1", "true", "yes"}
    out["render"] = check_render(kwargs.get("render"))
    return out


def check_news_arguments(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Validate the ``news`` spider's arguments; returns them parsed, raises UsageError naming the bad one."""
    _refuse_unknown(kwargs, NEWS_ARGUMENTS)
    url = str(kwargs.get("url") or "").strip()
    try:
        parts = urlsplit(url)  # ValueError: a malformed IPv6 host such as http://[::1/
        if parts.scheme in ("http", "https") and parts.hostname:
            parts.port  # noqa: B018 - ValueError: a port that is not a number from 0 to 65535
            try:
                parts.hostname.encode("idna")  # as Scrapy will (newscrawl.core.urls.idna_host)
            except UnicodeError:
                raise ValueError("a host label is empty or longer than 63 characters") from None
    except ValueError as exc:
        raise UsageError(f"argument url: {url!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"argument url: give the site's homepage as http(s)://HOST/, not {url!r}")
    since_day = _day(kwargs, "since")
    render = check_render(kwargs.get("render"))
    tz = kwargs.get("tz")
    try:
        zone = check_zone(str(tz)) if tz not in (None, "") else None
    except ValueError as exc:
        raise UsageError(f"argument tz: {exc}") from None
    return {"url": normalize_url(url, keep_query=False), "since": since_day, "render": render, "tz": zone}
