"""Ekonomichna Pravda (epravda.com.ua): the group's business news site in uk and ru.

Quirks: since 2024 article URLs are slugs without ``www`` and with the id at the end
(``/tehnologiji/yak-v-ukrajini-diyatimut-limiti-dlya-gravciv-azartnih-igor-813313/``); the Russian page has
another slug and the same id (``/rus/tehnologiji/kak-v-ukraine-…-813313/``), linked only from the language
menu (no hreflang). Old URLs are dated: ``/(rus/)?(news|publications|columns)/YYYY/MM/D/<id>/``. JSON-LD
gives naive Kyiv time (``2025-10-24 15:26:00``) and the publisher, not a person, as author. Sitemaps and
date archives are guesses by analogy with pravda. Fixtures (``tests/fixtures/sites/epravda/``) are real
saved pages (SITES.md).
"""

from __future__ import annotations

import re

from newscrawl.core.sites.base import Site
from newscrawl.core.sites.upgroup import (
    FAMILY_BOILERPLATE,
    FAMILY_IMPERSONATE,
    FAMILY_MONTHLY_SITEMAP,
    UPGroupParser,
    slug_shape,
)

SITE = Site(
    key="epravda",
    name="Економічна правда",
    base_url="https://epravda.com.ua",
    hosts=frozenset({"epravda.com.ua", "www.epravda.com.ua"}),
    languages={"uk": "", "ru": "rus/"},
    lang_prefixes={"": "uk", "rus/": "ru"},
    article_path=re.compile(r"^/(rus/)?(news|publications|columns)/(\d{4})/(\d{1,2})/(\d{1,2})/(\d+)/?$"),
    article_shapes=(slug_shape(r"(?P<prefix>rus/)?"),),
    parser=UPGroupParser,
    timezone="Europe/Kyiv",
    feeds=("{prefix}rss/", "{prefix}rss/view_news/"),
    listings=("{prefix}news/", "{prefix}publications/"),
    date_archives=("{prefix}news/date_{ddmmyyyy}/",),
    sitemap_index="sitemap/sitemap-archive.xml",
    monthly_sitemap=FAMILY_MONTHLY_SITEMAP,
    news_sitemaps=("sitemap/sitemap-news.xml",),
    boilerplate=FAMILY_BOILERPLATE,
    impersonate=FAMILY_IMPERSONATE,
)
