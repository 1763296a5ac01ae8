"""Champion (champion.com.ua): the group's sports news site, on the same platform as epravda.

Quirks: Ukrainian pages live under ``ukr/`` and article URLs are slugs with the id at the end
(``/ukr/ski/shiffrin-prodovzhila-vrazhayuchu-seriyu-na-kubku-svitu-1057291/``), as on epravda; only the
Ukrainian version was seen, so only it is declared. JSON-LD gives naive Kyiv time and the publisher as
author; the reporter is in ``span.post_news_author``. Registered as a site of its own (not only parsed
through the family parser) so that its pages get the family parser, its URLs a key and its fixture a
golden test. Fixture (``tests/fixtures/sites/champion/``): a real saved page (SITES.md).
"""

from __future__ import annotations

from newscrawl.core.sites.base import Site
from newscrawl.core.sites.upgroup import FAMILY_BOILERPLATE, FAMILY_IMPERSONATE, UPGroupParser, slug_shape

_SLUG = slug_shape(r"(?P<prefix>ukr/)")

SITE = Site(
    key="champion",
    name="Чемпіон",
    base_url="https://champion.com.ua",
    hosts=frozenset({"champion.com.ua", "www.champion.com.ua"}),
    languages={"uk": "ukr/"},
    lang_prefixes={"ukr/": "uk"},
    article_path=_SLUG.pattern,
    canonical_template=_SLUG.canonical,
    parser=UPGroupParser,
    timezone="Europe/Kyiv",
    homepage="{prefix}",
    feeds=("{prefix}rss/",),
    listings=("{prefix}news/",),
    boilerplate=FAMILY_BOILERPLATE,
    impersonate=FAMILY_IMPERSONATE,
)
