"""Item pipelines, one job each, in the order the data flows (see ``ITEM_PIPELINES`` in settings).

Each is a thin adapter: the item in (``ItemAdapter``, no copy), one call into ``newscrawl.core`` (what
``newscrawl.extract`` runs on a plain dict), what it did counted in the crawl stats.
"""
