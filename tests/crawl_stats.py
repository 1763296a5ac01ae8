"""Read the stats a ``scrapy crawl`` subprocess dumped to its log (``Dumping Scrapy stats:``)."""

from __future__ import annotations

import ast
import datetime
import re
from typing import Any


def stats_of(stderr: str) -> dict[str, Any]:
    marker = "Dumping Scrapy stats:\n"
    start = stderr.rindex(marker) + len(marker)
    after = re.search(r"\n\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \[", stderr[start:])
    text = stderr[start : start + after.start()] if after else stderr[start:]
    # the dump is a pprint of the stats dict; datetimes are the only non-literals in it
    tree = ast.parse(text, mode="eval")
    code = compile(tree, "<stats>", "eval")
    stats: dict[str, Any] = eval(code, {"__builtins__": {}, "datetime": datetime})
    return stats
