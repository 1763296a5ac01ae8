"""Ukrainska Pravda (www.pravda.com.ua): the group's flagship news site in uk, ru and en.

Quirks: article days are zero-padded in recent URLs (``/news/2025/12/01/8009697/``) and not in old ones,
so the canonical form pads them as the site's own sitemaps do; podcasts live one level deeper
(``/podcasts/podkast-klyati-pitannya/2025/12/01/<id>/``); the monthly sitemaps
(``/sitemap/sitemap-archive.xml`` → ``sitemap-YYYY-MM.xml.gz``, back to 2000) list each language version
with ``xhtml:link`` alternates; listings mix in sister-site links (eurointegration, epravda, life.pravda…),
which the host filter drops. JSON-LD ``datePublished`` carries an offset. Fixtures
(``tests/fixtures/sites/pravda/``) are real saved pages (SITES.md).
"""

from __future__ import annotations

import re

from newscrawl.core.sites.base import Site
from newscrawl.core.sites.upgroup import FAMILY_BOILERPLATE, FAMILY_IMPERSONATE, FAMILY_MONTHLY_SITEMAP, UPGroupParser

SITE = Site(
    key="pravda",
    name="Українська правда",
    base_url="https://www.pravda.com.ua",
    hosts=frozenset({"www.pravda.com.ua", "pravda.com.ua"}),
    languages={"uk": "", "ru": "rus/", "en": "eng/"},
    lang_prefixes={"": "uk", "rus/": "ru", "eng/": "en"},
    article_path=re.compile(
        r"^/(rus/|eng/)?(news|articles|columns|interview|events|podcasts(?:/[a-z0-9-]+)?|projects(?:/[a-z0-9-]+)?)"
        r"/(\d{4})/(\d{1,2})/(\d{1,2})/(\d+)/?$"
    ),
    canonical_template="{base}/{prefix}{section}/{year:04d}/{month:02d}/{day:02d}/{id}/",
    parser=UPGroupParser,
    timezone="Europe/Kyiv",
    feeds=("{prefix}rss/", "{prefix}rss/view_news/"),
    listings=("{prefix}news/", "{prefix}articles/"),
    date_archives=("{prefix}news/date_{ddmmyyyy}/",),
    sitemap_index="sitemap/sitemap-archive.xml",
    monthly_sitemap=FAMILY_MONTHLY_SITEMAP,
    news_sitemaps=("sitemap/sitemap-news.xml",),
    boilerplate=FAMILY_BOILERPLATE,
    impersonate=FAMILY_IMPERSONATE,
)
