"""Champion: ``scrapy crawl champion [-a since=… -a until=…]``."""

from __future__ import annotations

from newscrawl.core.sites import get_site
from newscrawl.spiders.site import SiteSpider


class ChampionSpider(SiteSpider):
    name = "champion"
    site = get_site("champion")
