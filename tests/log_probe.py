"""A test-only extension: counts the log records built per logger family and level, written to the JSON
file named by the ``TEST_LOG_PROBE`` setting when the engine stops.

A record a logger skips (below its effective level) is never built, so it never reaches this handler on
the root logger; one that is built and then dropped by Scrapy's handler still does.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Self

from scrapy import signals
from scrapy.crawler import Crawler


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        family = ".".join(record.name.split(".")[:3]) if record.name.startswith("scrapy.") else record.name.split(".")[0]
        self.counts[f"{family} {logging.getLevelName(record.levelno)}"] += 1


class LogProbe:
    def __init__(self, crawler: Crawler) -> None:
        self.out = Path(crawler.settings.get("TEST_LOG_PROBE"))
        self.handler = _Count()
        logging.root.addHandler(self.handler)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def engine_stopped(self) -> None:
        logging.root.removeHandler(self.handler)
        self.out.write_text(json.dumps(dict(self.handler.counts), sort_keys=True))
