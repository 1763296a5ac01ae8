"""Ukrainska Pravda: ``scrapy crawl pravda [-a lang=uk,ru,en] [-a since=… -a until=…]``."""

from __future__ import annotations

from newscrawl.core.sites import get_site
from newscrawl.spiders.site import SiteSpider


class PravdaSpider(SiteSpider):
    name = "pravda"
    site = get_site("pravda")
