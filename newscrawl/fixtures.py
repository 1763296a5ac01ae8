"""Golden fixtures: saved pages with their expected records, per site, rebuilt by one command.

Layout: ``tests/fixtures/sites/<site>/<stem>.html.gz`` (the page bytes), ``<stem>.meta.json`` (url,
crawl time, whether the page is real or hand-written, where it came from) and ``<stem>.expected.json``
(the record ``newscrawl.extract`` gives, keys sorted, the body as a list of lines so a diff shows one
paragraph a line). ``newscrawl fixtures rebuild`` rewrites every expected file from the pages; the
reviewer reads that diff as the spec. ``newscrawl fixtures add`` saves a new page and its expected file.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from newscrawl.core.dates import parse_iso
from newscrawl.core.extract import extract

FIXTURES = Path("tests/fixtures/sites")
VOLATILE = ("extractor",)  # changes with the installed trafilatura, not with the page


def stem_for(site: str, published: str | None, slug: str) -> str:
    when = parse_iso(published)
    day = when.date() if when else date.today()
    return f"{site}_{day:%Y_%m_%d}_{slug}"


def load_meta(page: Path) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(page.with_name(page.name.replace(".html.gz", ".meta.json")).read_text("utf-8"))
    return meta


def expected_record(page: Path) -> dict[str, Any]:
    """The expected JSON for one fixture page, as written to ``<stem>.expected.json``."""
    meta = load_meta(page)
    crawled_at = datetime.fromisoformat(meta["crawled_at"])
    record = extract(gzip.decompress(page.read_bytes()), meta["url"], crawled_at)
    out = {k: v for k, v in record.items() if k not in VOLATILE and k != "text"}
    out["body"] = record["text"].split("\n")
    return out


def dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def expected_path(page: Path) -> Path:
    return page.with_name(page.name.replace(".html.gz", ".expected.json"))


def pages(root: Path = FIXTURES, site: str | None = None) -> list[Path]:
    base = root / site if site else root
    return sorted(base.rglob("*.html.gz"))


def rebuild(root: Path = FIXTURES, site: str | None = None) -> list[Path]:
    """Rewrite every expected file; returns the ones whose content changed."""
    changed = []
    for page in pages(root, site):
        target = expected_path(page)
        text = dump_json(expected_record(page))
        if not target.exists() or target.read_text("utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    return changed


def add(
    source: Path,
    url: str,
    site: str,
    slug: str,
    *,
    real: bool,
    note: str,
    root: Path = FIXTURES,
    crawled_at: datetime | None = None,
) -> Path:
    """Save a page as a fixture of ``site`` and write its expected output for review."""
    raw = source.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    when = crawled_at or datetime.now().astimezone()
    record = extract(raw, url, when)
    folder = root / site
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{stem_for(site, record['published'], slug)}.html.gz"
    page.write_bytes(gzip.compress(raw, mtime=0))
    meta = {"crawled_at": when.isoformat(timespec="seconds"), "real": real, "source": note, "url": url}
    page.with_name(page.name.replace(".html.gz", ".meta.json")).write_text(dump_json(meta), encoding="utf-8")
    expected_path(page).write_text(dump_json(expected_record(page)), encoding="utf-8")
    return page
