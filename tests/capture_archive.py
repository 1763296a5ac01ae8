"""Archives with WARC captures for the re-extraction tests, written the way a crawl writes them.

Each run extracts every page with ``newscrawl.extract`` at its crawl time, numbers it with the crawl's
``decide``, appends the exchange to the run's WARC file (an unchanged re-check as a ``revisit`` record)
and the record, with its ``capture`` pointer, to the run's JSONL file through the archive's writer.
"""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from newscrawl import extract
from newscrawl.archive.store import Archive, archive_files
from newscrawl.archive.tools import reindex
from newscrawl.archive.versions import decide
from newscrawl.archive.warc import Exchange, WarcWriter, warc_date
from newscrawl.core.record import loads
from newscrawl.drops import UnchangedArticle
from newscrawl.samples import eurointegration_pages as pages

SITE = "eurointegration"
# The two sample articles with a line the test parser version also strips (``Нагадаємо: ...``).
REMINDER_KEYS = {"eurointegration:uk:7059807", "eurointegration:uk:7161964"}


@dataclasses.dataclass(frozen=True)
class Page:
    url: str
    body: bytes
    content_type: str = "text/html"


def sample_pages() -> list[Page]:
    """The 35 hand-written eurointegration article pages (three generations, uk/ru/en, two charsets)."""
    return [Page(a.url, pages.render_article(a)) for a in pages.ARTICLES]


def retitled(n: int, suffix: str) -> Page:
    """Sample article ``n`` with ``suffix`` added to its title: a revision."""
    a = pages.ARTICLES[n]
    return Page(a.url, pages.render_article(dataclasses.replace(a, title=a.title + suffix)))


def crawl_run(
    root: Path, run: str, crawled_at: str, items: list[Page], *, tz: str | None = None, site: str = SITE
) -> list[dict[str, Any]]:
    """One run of ``items``, all crawled at ``crawled_at`` (``2026-11-29T06:00:00+00:00``); its records.

    ``run`` names the run's files (``<site>/2026/<site>-<run>.warc.gz``); names sort in crawl order.
    """
    archive = Archive(root, site)
    archive.reconcile()
    archive.begin_run()
    (root / site / "2026").mkdir(parents=True, exist_ok=True)
    info = {"software": "newscrawl/0.1.0", **({"tz": tz} if tz else {})}
    warc = WarcWriter(root, f"{site}/2026/{site}-{run}.warc.gz", info)
    written = []
    when = datetime.fromisoformat(crawled_at)
    for page in items:
        exchange = Exchange(page.url, 200, [("Content-Type", page.content_type)], page.body)
        record = extract(page.body, page.url, when, content_type=page.content_type, tz=tz)
        try:
            record = decide(record, archive.index.get(record["key"]))
        except UnchangedArticle:
            warc.write_revisit(exchange, warc_date(crawled_at))
            continue
        record["capture"] = warc.write_exchange(exchange, warc_date(crawled_at))
        warc.sync()
        archive.write(record)
        written.append(record)
    warc.close()
    archive.close(complete=True)
    if archive.files_written:
        # Named as the run's WARC file, so the archive's order is the crawl order even for runs made within
        # one second by one process (whose own names would end -<pid>.jsonl, -<pid>-2.jsonl, ...).
        [path] = archive.files_written
        os.replace(path, root / f"{site}/2026/{site}-{run}.jsonl")
        reindex(root)
    return written


def three_runs(root: Path) -> list[dict[str, Any]]:
    """A first run of every sample page, a re-check of five (two revised), a third run revising one again."""
    all_pages = sample_pages()
    records = crawl_run(root, "20261129T060000Z-1", "2026-11-29T06:00:00+00:00", all_pages)
    recheck = [retitled(0, " (оновлено)"), retitled(6, " (обновлено)"), *all_pages[1:4]]
    records += crawl_run(root, "20261130T060000Z-1", "2026-11-30T06:00:00+00:00", recheck)
    records += crawl_run(root, "20261201T060000Z-1", "2026-12-01T06:00:00+00:00", [retitled(0, " (ще раз)")])
    return records


def archived(root: Path) -> list[dict[str, Any]]:
    """Every record of the archive's closed files, in file order."""
    return [loads(line) for path in archive_files(root) for line in path.read_bytes().splitlines()]


def snapshot(root: Path) -> dict[str, bytes]:
    """Every archive and capture file's bytes by name (the state folder aside: its lock files hold a pid)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).parts[0].startswith(".")
    }
