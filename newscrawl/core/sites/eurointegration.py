"""Evropeiska Pravda (www.eurointegration.com.ua): European-integration news in uk, ru and en.

Quirks: days in article URLs are not zero-padded (``/news/2017/01/5/7059807/``); the three language
versions of one article share its numeric id; old pages are windows-1251; a JavaScript-set cookie
(``cbtYmTName``) guarded the site in 2023. No real article page of this site was available offline, so its
fixtures (``tests/fixtures/sites/eurointegration/``) are hand-written from SITES.md and marked so.
"""

from __future__ import annotations

import re

from newscrawl.core.sites.base import Site
from newscrawl.core.sites.upgroup import FAMILY_BOILERPLATE, FAMILY_IMPERSONATE, UPGroupParser

SITE = Site(
    key="eurointegration",
    name="Європейська правда",
    base_url="https://www.eurointegration.com.ua",
    hosts=frozenset({"www.eurointegration.com.ua", "eurointegration.com.ua"}),
    languages={"uk": "", "ru": "rus/", "en": "eng/"},
    lang_prefixes={"": "uk", "rus/": "ru", "eng/": "en"},
    article_path=re.compile(
        r"^/(rus/|eng/)?(news|articles|experts|interview|columns)/(\d{4})/(\d{1,2})/(\d{1,2})/(\d+)/?$"
    ),
    parser=UPGroupParser,
    timezone="Europe/Kyiv",
    feeds=("{prefix}rss/", "{prefix}rss/view_news/"),
    listings=("{prefix}news/", "{prefix}articles/"),
    date_archives=("{prefix}news/date_{ddmmyyyy}/",),
    sitemap_index="sitemap/sitemap-archive.xml",
    monthly_sitemap=re.compile(r"sitemap-(\d{4})-(\d{2})\.xml(?:\.gz)?$"),
    news_sitemaps=("sitemap/sitemap-news.xml",),
    boilerplate=FAMILY_BOILERPLATE,
    impersonate=FAMILY_IMPERSONATE,
    legacy_encoding="cp1251",
    render_on_challenge=True,  # the cbtYmTName cookie script of 2023 passes in a browser
)
