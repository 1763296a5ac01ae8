"""Ekonomichna Pravda: ``scrapy crawl epravda [-a lang=uk,ru] [-a since=… -a until=…]``."""

from __future__ import annotations

from newscrawl.core.sites import get_site
from newscrawl.spiders.site import SiteSpider


class EpravdaSpider(SiteSpider):
    name = "epravda"
    site = get_site("epravda")
