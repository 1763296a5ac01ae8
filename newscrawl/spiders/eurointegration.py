"""Evropeiska Pravda: ``scrapy crawl eurointegration [-a lang=uk,ru,en] [-a since=… -a until=…]``."""

from __future__ import annotations

from newscrawl.core.sites import get_site
from newscrawl.spiders.site import SiteSpider


class EurointegrationSpider(SiteSpider):
    name = "eurointegration"
    site = get_site("eurointegration")
