"""Sample mirrors for offline crawls: HAND-WRITTEN pages, not copies of a real site.

``newscrawl mirror build SITE DIR`` writes one (the same pages the end-to-end tests crawl), with a
``README.txt`` saying that every page in it is a sample; ``newscrawl mirror serve DIR`` then serves it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from newscrawl.samples import eurointegration

SAMPLE_NOTE = "README.txt"

# site key -> builder writing the mirror under a folder and returning the records a crawl must archive
BUILDERS: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "eurointegration": eurointegration.build_mirror,
}

_NOTE = """\
This folder is a SAMPLE mirror of {host} made by `newscrawl mirror build {site}`.

Every page in it is HAND-WRITTEN sample content (newscrawl/samples/): the layout imitates the real
site's, the text and the articles do not come from it. Use it to try the crawler offline:

    newscrawl mirror serve {folder}
    scrapy crawl {site} -s NEWSCRAWL_MIRROR=http://127.0.0.1:8000

A crawl of it archives {count} sample articles.
"""


def build(site: str, root: Path) -> list[dict[str, Any]]:
    """Write the sample mirror of ``site`` under ``root`` (KeyError for a site without samples)."""
    records = BUILDERS[site](root)
    hosts = sorted(p.name for p in root.iterdir() if p.is_dir())
    (root / SAMPLE_NOTE).write_text(
        _NOTE.format(host=", ".join(hosts), site=site, folder=root, count=len(records)), encoding="utf-8"
    )
    return records
