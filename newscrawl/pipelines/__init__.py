"""Item pipelines, one job each, in the order the data flows (see ``ITEM_PIPELINES`` in settings).

Each module holds a pure function that does the job on a plain dict (what ``newscrawl.extract`` calls)
and the pipeline class that runs it inside a crawl and counts what it did in the crawl stats.
"""
