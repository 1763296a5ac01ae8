"""``newscrawl archive coverage``: articles per day, site and language, the likely gaps, and the last runs.

Articles, not records: each article counts once, in its latest version, on the day of its ``published``
date as the record writes it (the date in the record's own offset: Kyiv time for the Pravda group).
Only closed run files are read, so a crawl may be running. A day is a likely gap when it has no
articles, or fewer than ``FEW_SHARE`` of the median of the ``WINDOW`` days before it (judged once
``MIN_HISTORY`` days precede it); days run from the site's first to its last day with an article.
The run reports under ``.newscrawl/runs/`` give each site's last runs with their exit codes.
``--html`` draws the chart with matplotlib (the ``report`` extra) into one self-contained HTML file.
"""

from __future__ import annotations

import html
import json
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from newscrawl.archive.store import STATE_DIR, archive_files, iter_lines
from newscrawl.core.record import loads

WINDOW = 14  # days before a day whose median it is compared with
MIN_HISTORY = 7  # days that must precede a day before "unusually few" is judged
FEW_SHARE = 0.2  # fewer than this share of the trailing median is "unusually few"
LAST_RUNS = 5  # runs per site listed
LANG_ORDER = {"uk": 0, "ru": 1, "en": 2}  # fixed colours for the Pravda group's languages, others after them


class PlottingMissing(RuntimeError):
    """matplotlib is not installed (``pip install -e '.[report]'``)."""


@dataclass(frozen=True)
class Gap:
    site: str
    lang: str
    first: date
    last: date
    kind: str  # "none": no articles; "few": unusually few
    articles: int  # on these days together
    median: float | None  # trailing median of the first day ("few" only)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def when(self) -> str:
        return self.first.isoformat() if self.first == self.last else f"{self.first}..{self.last}"

    def describe(self) -> str:
        if self.kind == "none":
            span = "1 day" if self.days == 1 else f"{self.days} days"
            return f"{self.site} {self.lang} {self.when()}: no articles ({span})"
        return (
            f"{self.site} {self.lang} {self.when()}: {self.articles} article{'s' if self.articles != 1 else ''}"
            f" (trailing median {self.median:g})"
        )


@dataclass
class Coverage:
    per_day: dict[tuple[str, str], Counter[date]] = field(default_factory=dict)  # (site, lang) -> day -> articles
    undated: Counter[tuple[str, str]] = field(default_factory=Counter)
    span: dict[str, tuple[date, date]] = field(default_factory=dict)  # site -> first, last day with articles
    gaps: list[Gap] = field(default_factory=list)
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # site -> last run reports, newest first
    files: int = 0


def coverage(root: Path, site: str | None = None) -> Coverage:
    """Count the archive's articles per day, find its likely gaps and read its last run reports."""
    latest: dict[str, tuple[int, str, str, date | None]] = {}  # key -> version, site, lang, day
    files = archive_files(root, site)
    for path in files:
        for _, line in iter_lines(path):
            try:
                record = loads(line)
                key, version = record["key"], int(record["version"])
            except (ValueError, KeyError, TypeError):
                continue  # `archive verify` reports such lines; coverage counts what it can read
            known = latest.get(key)
            if known is not None and known[0] >= version:
                continue
            latest[key] = (version, record["site"], record["lang"], _day(record.get("published")))
    out = Coverage(files=len(files))
    per_day: dict[tuple[str, str], Counter[date]] = defaultdict(Counter)
    for _, s, lang, day in latest.values():
        if day is None:
            out.undated[(s, lang)] += 1
        else:
            per_day[(s, lang)][day] += 1
    out.per_day = dict(sorted(per_day.items()))
    for (s, _), days in out.per_day.items():
        first, last = min(days), max(days)
        if s in out.span:
            first, last = min(first, out.span[s][0]), max(last, out.span[s][1])
        out.span[s] = (first, last)
    for (s, lang), days in out.per_day.items():
        out.gaps += find_gaps(s, lang, days, *out.span[s])
    out.runs = last_runs(root, site)
    return out


def _day(published: object) -> date | None:
    if not isinstance(published, str):
        return None
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def find_gaps(site: str, lang: str, counts: Counter[date], first: date, last: date) -> list[Gap]:
    """Days from ``first`` to ``last`` with no or unusually few articles, consecutive days of a kind merged."""
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    series = [counts.get(day, 0) for day in days]
    flagged: list[tuple[date, str, int, float | None]] = []
    for i, (day, n) in enumerate(zip(days, series, strict=True)):
        if n == 0:
            flagged.append((day, "none", 0, None))
            continue
        history = series[max(0, i - WINDOW) : i]
        if len(history) >= MIN_HISTORY:
            trailing = statistics.median(history)
            if n < FEW_SHARE * trailing:
                flagged.append((day, "few", n, trailing))
    gaps: list[Gap] = []
    for day, kind, n, median in flagged:
        prev = gaps[-1] if gaps else None
        if prev is not None and prev.kind == kind and prev.last + timedelta(1) == day:
            gaps[-1] = Gap(site, lang, prev.first, day, kind, prev.articles + n, prev.median)
        else:
            gaps.append(Gap(site, lang, day, day, kind, n, median))
    return gaps


def last_runs(root: Path, site: str | None = None, limit: int = LAST_RUNS) -> dict[str, list[dict[str, Any]]]:
    """Each site's last ``limit`` run reports, newest first."""
    folder = root / STATE_DIR / "runs"
    by_site: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            report = json.loads(path.read_text("utf-8"))
            name = report["site"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # a report being written (they are written whole, via a temporary name) or foreign
        if site is None or name == site:
            by_site[name].append(report)
    return {
        name: sorted(reports, key=lambda r: str(r.get("started_at")), reverse=True)[:limit]
        for name, reports in sorted(by_site.items())
    }


def run_line(report: dict[str, Any]) -> str:
    counts = report.get("counts") or {}
    duration = report.get("duration_s")
    return (
        f"{report.get('started_at')}  exit {report.get('exit_code')} ({report.get('exit_meaning')})  "
        f"{report.get('finish_reason')}  "
        f"{f'{duration:.1f} s' if isinstance(duration, int | float) else '? s'}  "
        f"new {counts.get('new', 0)}, updated {counts.get('updated', 0)}"
    )


def summary_rows(result: Coverage) -> list[tuple[str, str, str, str, int, int, int, int]]:
    """(site, lang, first, last, days, days with articles, articles, likely gap days) per series."""
    rows = []
    for (s, lang), days in result.per_day.items():
        first, last = result.span[s]
        gap_days = sum(g.days for g in result.gaps if (g.site, g.lang) == (s, lang))
        span = (last - first).days + 1
        rows.append((s, lang, first.isoformat(), last.isoformat(), span, len(days), sum(days.values()), gap_days))
    return rows


def format_text(result: Coverage) -> str:
    lines = [
        "articles per day: latest version of each article, on its publication day in the record's own offset",
        "",
        f"{'site':<20} {'lang':<4} {'first':<10} {'last':<10} {'days':>5} {'with':>5} {'articles':>9} {'gaps':>5}",
    ]
    for s, lang, first, last, span, present, articles, gap_days in summary_rows(result):
        lines.append(f"{s:<20} {lang:<4} {first:<10} {last:<10} {span:>5} {present:>5} {articles:>9} {gap_days:>5}")
    if not result.per_day:
        lines.append("(no dated articles)")
    for (s, lang), n in sorted(result.undated.items()):
        lines.append(f"{s} {lang}: {n} article{'s' if n != 1 else ''} without a publication date")
    lines += ["", "likely gaps:"]
    lines += [f"  {gap.describe()}" for gap in result.gaps] or ["  none"]
    lines += ["", "last runs:"]
    for s, reports in result.runs.items():
        lines += [f"  {s}  {run_line(report)}" for report in reports]
    if not result.runs:
        lines.append("  no run reports")
    return "\n".join(lines)


# --- HTML ---------------------------------------------------------------------------------------------
def bar_id(site: str, lang: str, day: date) -> str:
    """The SVG id of one day's bar (``day-<site>-<lang>-<YYYY-MM-DD>``), so the chart can be checked."""
    return f"day-{site}-{lang}-{day.isoformat()}"


def chart_svg(result: Coverage) -> str:
    """The chart as an SVG document: one panel per site, per day one bar per language, stacked; the days
    with no article in any language shaded."""
    try:
        import matplotlib
    except ImportError as exc:
        raise PlottingMissing("--html needs matplotlib: pip install -e '.[report]'") from exc
    import io

    import matplotlib.dates as mdates
    from matplotlib.figure import Figure  # not pyplot: no global figure state, no GUI backend chosen

    sites = sorted(result.span)
    langs = sorted({lang for _, lang in result.per_day}, key=lambda lang: (LANG_ORDER.get(lang, 99), lang))
    palette = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    colour = {lang: palette[i % len(palette)] for i, lang in enumerate(langs)}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "newscrawl"}):
        fig = Figure(figsize=(11, 2.8 * max(1, len(sites))))
        axes = fig.subplots(len(sites) or 1, 1, squeeze=False)
        for ax, s in zip(axes[:, 0], sites, strict=False):
            first, last = result.span[s]
            bottom: Counter[date] = Counter()
            for lang in langs:
                days = result.per_day.get((s, lang))
                if not days:
                    continue
                ordered = sorted(days)
                bars = ax.bar(
                    ordered, [days[d] for d in ordered], width=0.85, bottom=[bottom[d] for d in ordered],
                    label=lang, color=colour[lang], edgecolor=colour[lang], linewidth=0.5,  # visible at a year's width
                    zorder=2,
                )
                for rect, day in zip(bars, ordered, strict=True):
                    rect.set_gid(bar_id(s, lang, day))
                bottom.update(days)
            # Shade the days on which the site has no article in any language (one language's gaps overlap).
            for gap in find_gaps(s, "*", bottom, first, last):
                if gap.kind == "none":
                    half = timedelta(0.5)
                    span = ax.axvspan(gap.first - half, gap.last + half, color="#d62728", alpha=0.15, zorder=1)
                    span.set_gid(f"empty-{s}-{gap.first.isoformat()}")
            ax.set_xlim(first - timedelta(1), last + timedelta(1))
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
            ax.set_title(f"{s}: articles per publication day", loc="left", fontsize=10)
            ax.set_ylabel("articles")
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, title="lang")
        fig.tight_layout()
        buffer = io.StringIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]  # the XML declaration and DOCTYPE do not belong inside HTML


_STYLE = (
    "body{font-family:sans-serif;margin:1.5em;max-width:70em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left}"
    "td.n{text-align:right}svg{max-width:100%;height:auto}"
)


def format_html(result: Coverage, root: Path) -> str:
    """One self-contained HTML page: the chart inline, the summary, the likely gaps and the last runs."""
    e = html.escape
    svg = chart_svg(result) if result.span else "<p>No dated articles.</p>"
    rows = "".join(
        f"<tr><td>{e(s)}</td><td>{e(lang)}</td><td>{first}</td><td>{last}</td><td class=n>{span}</td>"
        f"<td class=n>{present}</td><td class=n>{articles}</td><td class=n>{gap_days}</td></tr>"
        for s, lang, first, last, span, present, articles, gap_days in summary_rows(result)
    )
    undated = "".join(
        f"<li>{e(s)} {e(lang)}: {n} without a publication date</li>" for (s, lang), n in sorted(result.undated.items())
    )
    gaps = "".join(
        f'<li class="gap {gap.kind}" data-site="{e(gap.site)}" data-lang="{e(gap.lang)}" '
        f'data-first="{gap.first}" data-last="{gap.last}">{e(gap.describe())}</li>'
        for gap in result.gaps
    ) or "<li>none</li>"
    runs = "".join(
        f"<tr><td>{e(s)}</td><td>{e(str(r.get('started_at')))}</td><td class=n>{e(str(r.get('exit_code')))}</td>"
        f"<td>{e(str(r.get('exit_meaning')))}</td><td>{e(str(r.get('finish_reason')))}</td>"
        f"<td class=n>{(r.get('counts') or {}).get('new', 0)}</td>"
        f"<td class=n>{(r.get('counts') or {}).get('updated', 0)}</td></tr>"
        for s, reports in result.runs.items()
        for r in reports
    ) or '<tr><td colspan="7">no run reports</td></tr>'
    return (
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
        f"<title>newscrawl coverage: {e(str(root))}</title><style>{_STYLE}</style></head><body>\n"
        f"<h1>Archive coverage</h1><p>{e(str(root))}, {result.files} files. Articles are counted once, in their"
        " latest version, on the day of their publication date in the record's own offset.</p>\n"
        f'<div id="chart">{svg}</div>\n'
        "<h2>Per site and language</h2><table id=summary><tr><th>site</th><th>lang</th><th>first</th>"
        "<th>last</th><th>days</th><th>with articles</th><th>articles</th><th>likely gap days</th></tr>"
        f"{rows}</table><ul>{undated}</ul>\n"
        f"<h2>Likely gaps</h2><p>Days with no articles, or fewer than {FEW_SHARE:.0%} of the median of the"
        f" {WINDOW} days before.</p><ul id=gaps>{gaps}</ul>\n"
        "<h2>Last runs</h2><table id=runs><tr><th>site</th><th>started</th><th>exit code</th><th>meaning</th>"
        f"<th>finish reason</th><th>new</th><th>updated</th></tr>{runs}</table>\n</body></html>\n"
    )
