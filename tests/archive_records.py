"""Valid archive records for the archive unit tests, and a way to write an archive of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newscrawl.archive.store import Archive
from newscrawl.core.record import finalize


def record(n: int, *, lang: str = "uk", version: int = 1, text: str | None = None, site: str = "eurointegration",
           published: str | None = "2023-05-10T11:21:00+03:00", previous_hash: str | None = None) -> dict[str, Any]:
    prefix = {"uk": "", "ru": "rus/", "en": "eng/"}[lang]
    article_id = str(7160000 + n)
    item = {
        "url": f"https://www.eurointegration.com.ua/{prefix}news/2023/05/10/{article_id}/",
        "site": site,
        "lang": lang,
        "article_id": article_id,
        "key": f"{site}:{lang}:{article_id}",
        "title": f"Заголовок {n}",
        "authors": ["Ольга Глущенко"],
        "published": published,
        "modified": None,
        "section": "news",
        "tags": ["ЄС"],
        "text": text or f"Абзац перший статті {n}.\nАбзац другий.",
        "alternates": {},
        "crawled_at": "2026-11-29T06:00:00+00:00",
        "parser": "upgroup/1.0",
        "extractor": "trafilatura/2.0.0",
        "fallbacks": [],
    }
    out = finalize(item)
    out["version"] = version
    out["previous_hash"] = previous_hash
    return out


def write_run(root: Path, records: list[dict[str, Any]], site: str = "eurointegration", flush_every: int = 50) -> Path:
    """One complete run writing ``records``; returns the file it published."""
    archive = Archive(root, site, flush_every=flush_every)
    archive.reconcile()
    archive.begin_run()
    for r in records:
        archive.write(r)
    archive.close(complete=True)
    [path] = archive.files_written
    return path
