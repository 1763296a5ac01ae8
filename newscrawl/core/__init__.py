"""The extraction core: page bytes (plus URL, headers and crawl time) to an archive record.

Pure Python on parsel, lxml, w3lib and trafilatura: nothing here imports Scrapy or Twisted, so the CLI,
the fixture tests, ``newscrawl.extract`` and the crawl's thin adapters (pipelines, middlewares, the spider)
all run this one code path. ``newscrawl.core.extract`` reads top to bottom as the whole way.

Layers, imports pointing down only:

1. leaves, each importing only those above it in this list: ``dates``, ``urls``, ``decode``,
   ``boilerplate``, ``record``, ``validate``, ``page`` (``Page``, ``Parser``), ``kind`` (page kind),
   ``text`` (trafilatura);
2. ``newscrawl.core.sites``: the datasheets, their parsers and the registry; they use the leaves;
3. ``extract``: the one core module that looks a site profile up (``newscrawl.core.sites``) and runs every step.
"""

from __future__ import annotations
