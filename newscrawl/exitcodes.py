"""Exit codes of ``scrapy crawl`` for cron (documented in docs/cron.md)."""

from __future__ import annotations

OK = 0  # the run finished; finding only already-archived articles is success too
FAILED = 1  # the run failed: an error stopped it, or it did not finish
USAGE = 2  # bad argument or setting; nothing was requested, the archive untouched
LOCKED = 3  # another run of this site is writing the same archive
NO_ARTICLES = 4  # the sources yielded no article at all: site down, changed, or blocking us
DRIFT = 5  # the run finished but a site's extraction quality fell below its thresholds (layout drift)
