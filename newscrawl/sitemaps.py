"""Sitemaps with their dates, and the watermark that lets a cron run skip the sitemaps that did not change.

``read_sitemap`` reads a sitemap or sitemap index (gzipped or not) into entries with ``lastmod`` and, for
news sitemaps, ``news:publication_date``. ``Watermarks`` keeps, per sitemap URL, the newest ``lastmod``
seen in it, in ``<output>/.newscrawl/<site>.sitemaps.json`` beside the seen-index (written by the run
that holds the site's lock, only when that run finished). The next run then

- skips a child of a sitemap index whose ``lastmod`` is not newer than its watermark (not downloaded);
- in a sitemap it does read, skips the entries whose ``lastmod`` is not newer than that sitemap's
  watermark (already seen by an earlier run).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from lxml import etree
from scrapy.utils.gz import gunzip

from newscrawl.archive.store import STATE_DIR
from newscrawl.dates import parse_iso, to_iso

INDEX, URLSET = "sitemapindex", "urlset"


@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: datetime | None = None
    published: datetime | None = None  # news:publication_date of a news sitemap
    alternates: tuple[str, ...] = ()

    @property
    def when(self) -> datetime | None:
        """The date to hold against a ``since`` window: publication if known, else last modification."""
        return self.published or self.lastmod


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def read_sitemap(body: bytes, max_size: int = 0) -> tuple[str, list[SitemapEntry]]:
    """The sitemap's kind (``sitemapindex`` or ``urlset``) and its entries; ValueError if it is none."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body, max_size=max_size)
    parser = etree.XMLParser(recover=True, remove_comments=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(body.lstrip(), parser=parser)
    if root is None or _local(root.tag) not in (INDEX, URLSET):
        raise ValueError("not a sitemap")
    entries: list[SitemapEntry] = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = lastmod = published = None
        alternates: list[str] = []
        for child in node.iter():
            name = _local(child.tag)
            text = (child.text or "").strip()
            if name == "loc" and child.getparent() is node:
                loc = text
            elif name == "lastmod":
                lastmod = parse_iso(text)
            elif name == "publication_date":
                published = parse_iso(text)
            elif name == "link" and child.get("rel") == "alternate" and child.get("href"):
                alternates.append(str(child.get("href")).strip())
        if loc:
            entries.append(SitemapEntry(loc, lastmod, published, tuple(alternates)))
    return _local(root.tag), entries


class Watermarks:
    """Newest ``lastmod`` per sitemap URL, kept between runs of one site."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.marks: dict[str, datetime] = {}
        if path.exists():
            for url, value in json.loads(path.read_text("utf-8")).items():
                when = parse_iso(value)
                if when is not None:
                    self.marks[url] = when
        self._seen: dict[str, datetime] = {}

    @classmethod
    def for_site(cls, output: Path, site_key: str) -> Watermarks:
        return cls(output / STATE_DIR / f"{site_key}.sitemaps.json")

    def previous(self, url: str) -> datetime | None:
        return self.marks.get(url)

    def unchanged(self, url: str, lastmod: datetime | None) -> bool:
        """Whether a sitemap whose index says ``lastmod`` holds nothing newer than an earlier run read."""
        known = self.marks.get(url)
        return lastmod is not None and known is not None and lastmod <= known

    def see(self, url: str, lastmod: datetime | None) -> None:
        """Note the newest ``lastmod`` read in a sitemap during this run (saved by :meth:`save`)."""
        if lastmod is not None and (url not in self._seen or lastmod > self._seen[url]):
            self._seen[url] = lastmod

    def save(self) -> int:
        """Merge this run's marks into the file (written whole, then renamed); returns how many moved."""
        moved = 0
        for url, when in self._seen.items():
            if url not in self.marks or when > self.marks[url]:
                self.marks[url] = when
                moved += 1
        if moved:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            data = {url: to_iso(when) for url, when in sorted(self.marks.items())}
            tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
            os.replace(tmp, self.path)
        self._seen.clear()
        return moved
