"""The drift guard's figures: how well a run's parser understood a site's pages, judged against floors.

A layout change rarely breaks a crawl; it fills the archive with empty or polluted text. So each run
counts, per site, the share of article records with a title, with a date, with a body of at least
``min_body_chars`` characters, the share that needed the whole-page fallback, how often each boilerplate
pattern matched, and the share of records that lost more than ``max_stripped_share`` of their body to
boilerplate stripping. ``judge`` compares them with the site's ``QualityThresholds`` (``Site.quality``,
overridable with the ``NEWSCRAWL_QUALITY`` setting) once at least ``min_sample`` records were seen.
Pure code: the pipeline that feeds it is ``newscrawl.pipelines.measure_quality``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from newscrawl.core.sites import SITES
from newscrawl.core.sites.base import QualityThresholds
from newscrawl.errors import UsageError

# A site without a profile is read by trafilatura on the whole page: that fallback is its normal case.
GENERIC_QUALITY = QualityThresholds(max_whole_page_share=1.0)

OK, DRIFT, TOO_FEW = "ok", "drift", "too_few"


@dataclass
class Tally:
    """What one run saw of one site's article pages."""

    records: int = 0
    with_title: int = 0
    with_date: int = 0
    with_body: int = 0
    whole_page: int = 0
    heavily_stripped: int = 0
    boilerplate: Counter[str] = field(default_factory=Counter)

    def add(
        self,
        item: Mapping[str, Any],
        body_chars: int,
        stripped_chars: int,
        patterns: list[str],
        limits: QualityThresholds,
    ) -> None:
        """Count one record: its body length after stripping and what stripping removed (chars, patterns)."""
        self.records += 1
        self.with_title += bool((item.get("title") or "").strip())
        self.with_date += item.get("published") is not None
        self.with_body += body_chars >= limits.min_body_chars
        self.whole_page += "body/whole_page" in (item.get("fallbacks") or [])
        before = body_chars + stripped_chars
        self.heavily_stripped += before > 0 and stripped_chars / before > limits.max_stripped_share
        self.boilerplate.update(patterns)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    limit: float
    floor: bool  # True: the value must not fall below the limit; False: must not rise above it
    meaning: str

    @property
    def fell(self) -> bool:
        return self.value < self.limit if self.floor else self.value > self.limit

    def describe(self) -> str:
        op = "<" if self.floor else ">"
        return f"{self.name} {self.value:.2f} {op} {self.limit:.2f} ({self.meaning})"


def figures(tally: Tally, limits: QualityThresholds) -> list[Figure]:
    n = max(tally.records, 1)
    stripped_pct = round(limits.max_stripped_share * 100)
    return [
        Figure("title_share", tally.with_title / n, limits.min_title_share, True, "records with a title"),
        Figure("date_share", tally.with_date / n, limits.min_date_share, True, "records with a publication date"),
        Figure(
            "body_share",
            tally.with_body / n,
            limits.min_body_share,
            True,
            f"records with a body of at least {limits.min_body_chars} characters",
        ),
        Figure(
            "whole_page_share",
            tally.whole_page / n,
            limits.max_whole_page_share,
            False,
            "records that needed the whole-page fallback",
        ),
        Figure(
            "heavily_stripped_share",
            tally.heavily_stripped / n,
            limits.max_heavily_stripped_share,
            False,
            f"records that lost more than {stripped_pct}% of their body to boilerplate stripping",
        ),
    ]


def judge(tally: Tally, limits: QualityThresholds) -> tuple[str, list[Figure]]:
    """The verdict (``ok``, ``drift`` or ``too_few``) and the figures that fell."""
    if tally.records < limits.min_sample:
        return TOO_FEW, []
    fell = [f for f in figures(tally, limits) if f.fell]
    return (DRIFT if fell else OK), fell


def parse_overrides(raw: Any) -> dict[str, Any]:
    """``NEWSCRAWL_QUALITY`` (a dict or its JSON) checked against the threshold fields; UsageError if wrong."""
    if raw in (None, "", {}):
        return {}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise UsageError(f"NEWSCRAWL_QUALITY: not a JSON object: {raw!r}") from None
    if not isinstance(raw, Mapping):
        raise UsageError(f"NEWSCRAWL_QUALITY: not a JSON object: {raw!r}")
    types = {f.name: f.type for f in dataclasses.fields(QualityThresholds)}
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in types:
            raise UsageError(f"NEWSCRAWL_QUALITY: unknown threshold {name!r} (known: {', '.join(types)})")
        whole = types[name] in ("int", int)
        allowed = "a whole number >= 0" if whole else "a finite number from 0 to 1"
        try:
            if isinstance(value, bool):
                raise ValueError
            out[name] = int(value) if whole else float(value)
            if not (0 <= out[name] <= (math.inf if whole else 1)):  # also false for NaN
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise UsageError(f"NEWSCRAWL_QUALITY: {name} must be {allowed}, not {value!r}") from None
    return out


def thresholds_for(site_key: str, overrides: Mapping[str, Any] | None = None) -> QualityThresholds:
    site = SITES.get(site_key)
    base = site.quality if site else GENERIC_QUALITY
    return dataclasses.replace(base, **dict(overrides or {}))
