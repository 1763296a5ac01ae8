"""The registry of site profiles, by explicit import: site key = spider name = module = fixture folder."""

from __future__ import annotations

from newscrawl.core.boilerplate import Boilerplate
from newscrawl.core.sites import champion, epravda, eurointegration, pravda
from newscrawl.core.sites.base import Site
from newscrawl.core.sites.generic import GENERIC_BOILERPLATE
from newscrawl.core.urls import ArticleRef, host_of

SITES: dict[str, Site] = {
    site.key: site for site in (eurointegration.SITE, pravda.SITE, epravda.SITE, champion.SITE)
}


class UnknownSite(KeyError):
    def __str__(self) -> str:
        return f"unknown site {self.args[0]!r}; known sites: {', '.join(sorted(SITES))}"


def get_site(key: str) -> Site:
    try:
        return SITES[key]
    except KeyError:
        raise UnknownSite(key) from None


def site_for_url(url: str) -> Site | None:
    host = host_of(url)
    for site in SITES.values():
        if host in site.hosts:
            return site
    return None


def article_ref(url: str) -> ArticleRef | None:
    site = site_for_url(url)
    return site.article_ref(url) if site else None


def patterns_for(site_key: str | None) -> tuple[Boilerplate, ...]:
    """The boilerplate patterns of a site (by its key), or the generic ones for a site without a profile."""
    site = SITES.get(site_key or "")
    return site.boilerplate if site and site.boilerplate else GENERIC_BOILERPLATE


__all__ = [
    "GENERIC_BOILERPLATE",
    "SITES",
    "ArticleRef",
    "Site",
    "UnknownSite",
    "article_ref",
    "get_site",
    "patterns_for",
    "site_for_url",
]
