"""What a site profile is: the datasheet of one publisher (hosts, languages, URL shapes, discovery sources,
nodes to remove, boilerplate patterns, politeness) and what its URLs say.

A site is data plus a small parser class (a ``newscrawl.core.page.Parser``). Everything else (crawling,
cleaning, dedup, export) is shared. Nothing here imports Scrapy: the core looks profiles up here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from newscrawl.core.boilerplate import Boilerplate
from newscrawl.core.dates import SiteTime
from newscrawl.core.page import Parser
from newscrawl.core.urls import ArticleRef, host_of


@dataclass(frozen=True)
class UrlShape:
    """One more article URL shape of a site: a path regex with named groups and its canonical URL.

    Groups: ``prefix`` (language path prefix, may be absent), ``section``, ``id``, and either
    ``year``/``month``/``day`` (dated URLs) or ``slug`` (slug URLs such as epravda's
    ``/tehnologiji/<slug>-813313/``). The template may use ``{base} {prefix} {section} {slug} {id}``
    and the date fields.
    """

    pattern: re.Pattern[str]
    canonical: str


@dataclass(frozen=True)
class QualityThresholds:
    """The drift guard's floors for one site (``newscrawl.quality``); shares are fractions of records.

    A run is judged only when it parsed at least ``min_sample`` articles. Defaults suit a news site whose
    parser understands its pages: nearly every record has a title, a date and a real body, and almost
    none needs the whole-page fallback.
    """

    min_sample: int = 20
    min_title_share: float = 0.95
    min_date_share: float = 0.90
    min_body_chars: int = 300
    min_body_share: float = 0.80
    max_whole_page_share: float = 0.20
    max_stripped_share: float = 0.30  # share of one record's body removed by boilerplate stripping ...
    max_heavily_stripped_share: float = 0.10  # ... and the share of records that lost more than that


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    base_url: str
    hosts: frozenset[str]
    languages: Mapping[str, str]  # language code -> path prefix ("" for the default language)
    article_path: re.Pattern[str]  # groups: prefix, section, year, month, day, id
    parser: type[Parser]
    timezone: str  # IANA name; the site's naive times are local time there, and every time is shown in it
    feeds: tuple[str, ...] = ()  # path templates with {prefix}
    listings: tuple[str, ...] = ()  # listing paths with {prefix}; page N is listing + page_path
    listing_page_path: str = "page_{n}/"
    homepage: str = "{prefix}"
    date_archives: tuple[str, ...] = ()  # templates with {prefix} and {ddmmyyyy}
    sitemap_index: str | None = None  # index of monthly sitemaps
    monthly_sitemap: re.Pattern[str] | None = None  # matches a monthly sitemap URL, groups year, month
    news_sitemaps: tuple[str, ...] = ()
    lang_prefixes: Mapping[str, str] = field(default_factory=dict)  # path prefix segment -> language
    boilerplate: tuple[Boilerplate, ...] = ()
    render_js: bool = False  # render every HTML page in a browser (newscrawl.render)
    render_on_challenge: bool = False  # render a page once more when a plain download was a JavaScript challenge
    custom_settings: Mapping[str, Any] = field(default_factory=dict)
    canonical_template: str = "{base}/{prefix}{section}/{year:04d}/{month:02d}/{day}/{id}/"
    article_shapes: tuple[UrlShape, ...] = ()  # further article URL shapes (slug URLs, ...)
    quality: QualityThresholds = QualityThresholds()  # the drift guard's floors
    legacy_encoding: str | None = None  # charset of old pages that declare none (newscrawl.core.decode)
    # browser whose TLS/HTTP2 handshake the site's anti-bot layer wants (curl_cffi's name, e.g. "chrome");
    # used only when the crawl opts in with NEWSCRAWL_IMPERSONATE (newscrawl.blocking, newscrawl.impersonate)
    impersonate: str | None = None

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    @cached_property
    def time(self) -> SiteTime:
        return SiteTime.of_site(self.timezone)

    def article_ref(self, url: str) -> ArticleRef | None:
        """The article an URL points at, whatever variant of it was linked; None for other pages.

        ``article_path`` is tried first (positional groups prefix, section, year, month, day, id, built
        with ``canonical_template``), then each of ``article_shapes`` (named groups, their own template).
        """
        if host_of(url) not in self.hosts:
            return None
        path = urlsplit(url.strip()).path
        shapes = [(self.article_path, self.canonical_template)]
        shapes += [(shape.pattern, shape.canonical) for shape in self.article_shapes]
        for pattern, template in shapes:
            m = pattern.match(path)
            if m:
                return self._ref(_groups(m), template)
        return None

    def _ref(self, groups: Mapping[str, str | None], template: str) -> ArticleRef | None:
        lang = self.lang_prefixes.get(groups.get("prefix") or "", "")
        if lang not in self.languages:
            return None
        day_value: date | None = None
        if groups.get("year"):
            try:
                day_value = date(int(groups["year"] or 0), int(groups["month"] or 0), int(groups["day"] or 0))
            except ValueError:
                return None
        section = groups.get("section") or ""
        article_id = groups.get("id") or ""
        canonical = template.format(
            base=self.base_url,
            prefix=self.languages[lang],
            section=section,
            year=day_value.year if day_value else 0,
            month=day_value.month if day_value else 0,
            day=day_value.day if day_value else 0,
            id=article_id,
            slug=groups.get("slug") or "",
        )
        return ArticleRef(self.key, lang, section.split("/")[0], article_id, day_value, canonical)


_POSITIONAL = ("prefix", "section", "year", "month", "day", "id")


def _groups(m: re.Match[str]) -> dict[str, str | None]:
    """A match's groups by name: named groups as they are, positional ones in the ``article_path`` order."""
    if m.re.groupindex:
        return m.groupdict()
    return dict(zip(_POSITIONAL, m.groups(), strict=False))
