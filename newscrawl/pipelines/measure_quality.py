"""Measure each run's extraction quality per site and fail the run when a figure falls (the drift guard).

Runs after ``CleanTextPipeline`` and before ``StripBoilerplatePipeline``, so it sees the body both before
and after stripping (it applies the same ``strip_lines`` to a copy). Challenge and empty-shell pages are
not articles and are left to the not-article counters. When the spider closes after a finished run, each
site's figures and verdict go to the stats under ``newscrawl/quality/<site>/...``; a site whose figures
fell is logged with the figures named, and the run's exit code becomes ``exitcodes.DRIFT``.
"""

from __future__ import annotations

from typing import Any, Self

from itemadapter import ItemAdapter
from scrapy import signals
from scrapy.crawler import Crawler

from newscrawl.core.boilerplate import strip_lines
from newscrawl.core.sites import patterns_for
from newscrawl.core.sites.base import QualityThresholds
from newscrawl.pipelines.stats import CountingPipeline
from newscrawl.quality import DRIFT, TOO_FEW, Tally, figures, judge, parse_overrides, thresholds_for
from newscrawl.statnames import DRIFTED, stat


class MeasureQualityPipeline(CountingPipeline):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.overrides = parse_overrides(crawler.settings.get("NEWSCRAWL_QUALITY"))
        self.tallies: dict[str, Tally] = {}
        self.limits: dict[str, QualityThresholds] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        if adapter.get("page_kind", "article") != "article":
            return item
        site = str(adapter.get("site") or "")
        limits = self.limits.get(site)
        if limits is None:
            limits = self.limits[site] = thresholds_for(site, self.overrides)
        text: str = adapter.get("text") or ""
        kept, removed = strip_lines(text, patterns_for(site))
        tally = self.tallies.setdefault(site, Tally())
        tally.add(adapter, len(kept), len(text) - len(kept), [name for name, _ in removed], limits)
        return item

    def spider_closed(self, spider: Any, reason: str) -> None:
        drifted: list[str] = []
        for site, tally in sorted(self.tallies.items()):
            limits = self.limits[site]
            verdict, fell = judge(tally, limits)
            prefix = f"quality/{site}"
            self.stats.set_value(f"newscrawl/{prefix}/records", tally.records)
            for figure in figures(tally, limits):
                self.stats.set_value(f"newscrawl/{prefix}/{figure.name}", round(figure.value, 4))
            for name, hits in sorted(tally.boilerplate.items()):
                self.stats.set_value(f"newscrawl/{prefix}/boilerplate/{name}", hits)
            self.stats.set_value(f"newscrawl/{prefix}/verdict", verdict)
            self.stats.set_value(f"newscrawl/{prefix}/fell", [f.name for f in fell])
            if verdict == TOO_FEW:
                spider.logger.info(
                    "quality of %s not judged: %d article records, fewer than min_sample=%d",
                    site,
                    tally.records,
                    limits.min_sample,
                )
            elif verdict == DRIFT:
                drifted.append(site)
                spider.logger.error(
                    "quality drift on %s (%d records): %s", site, tally.records, "; ".join(f.describe() for f in fell)
                )
        self.stats.set_value(stat(DRIFTED), drifted)  # newscrawl.outcome: exit DRIFT when finished
