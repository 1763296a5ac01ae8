"""End to end against a hostile web: one ``scrapy crawl`` of the fault server's eurointegration site.

Every row of the fault table (tests/faultserver.py) is served behind article URLs the feeds and listings
link to. The crawl must finish, archive each eventually servable article exactly once with its exact text,
archive nothing else, count every failure by reason, obey robots.txt and its Crawl-delay, honour
Retry-After up to the cap, stay within its memory bound, never leave the site's hosts, and stop at the
traps' limits.
"""

from __future__ import annotations

import ast
import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from newscrawl import extract
from newscrawl.politeness import user_agent
from tests.conftest import read_archive, run_crawl_measured
from tests.faultserver import BARE_HOST, HOST, SITE, FaultServer, HostileSite, hostile_eurointegration, post_page

pytestmark = pytest.mark.e2e

CONTACT = "mailto:crawler-ops@example.org"
DOWNLOAD_TIMEOUT = 3.0
RETRY_TIMES = 2
BACKOFF = 0.2
RETRY_AFTER_MAX = 5.0
# The crawl's own peak (about 130 MiB, tests.conftest.PeakRss; the 200-310 MiB once read here was pytest's
# resident set, which wait4 reports for a child) stays under this; unbounded, the gzip bomb alone expands
# to 512 MiB and the two big pages add 50 MB each.
MEMORY_BOUND_MB = 300


@dataclass
class Run:
    site: HostileSite
    server: FaultServer
    returncode: int
    stderr: str
    stats: dict[str, Any]
    records: list[dict[str, Any]]
    peak_rss_mb: float


def parse_stats(log: str) -> dict[str, Any]:
    """The final stats dict Scrapy dumps in its log."""
    dump = log.split("Dumping Scrapy stats:\n", 1)[1]
    dump = dump[: dump.index("}\n") + 1]
    dump = re.sub(r"datetime\.datetime\([^)]*\)\)?", "None", dump)
    return ast.literal_eval(dump)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Any:
    site = hostile_eurointegration()
    server = FaultServer(site.routes).start()
    output = tmp_path_factory.mktemp("hostile") / "archive"
    try:
        code, stderr, _usage, peak_kib = run_crawl_measured(
            "eurointegration",
            "lang=uk",
            "since=2023-05-10",
            "until=2023-05-10",
            f"max_pages={site.max_pages}",
            mirror=server.url,
            output=output,
            settings={
                "NEWSCRAWL_CONTACT": CONTACT,
                # AutoThrottle on with no delay of its own: the robots.txt Crawl-delay must still hold.
                "AUTOTHROTTLE_ENABLED": "1",
                "AUTOTHROTTLE_START_DELAY": "0",
                "DOWNLOAD_TIMEOUT": str(DOWNLOAD_TIMEOUT),
                "RETRY_TIMES": str(RETRY_TIMES),
                "NEWSCRAWL_RETRY_BACKOFF": str(BACKOFF),
                "NEWSCRAWL_RETRY_AFTER_MAX": str(RETRY_AFTER_MAX),
                "NEWSCRAWL_NOT_ARTICLE_BACKOFF": "0.1",  # challenge and empty pages: asked again, briefly
            },
        )
        yield Run(site, server, code, stderr, parse_stats(stderr), read_archive(output), peak_kib / 1024)
    finally:
        server.stop()


def article_path(url: str, host: str = HOST) -> str:
    return f"/{host}/" + url.removeprefix(f"{SITE}/")


def test_crawl_finishes(run: Run) -> None:
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stats["finish_reason"] == "finished"
    assert "Traceback" not in run.stderr


def test_every_servable_article_archived_once_with_its_text(run: Run) -> None:
    by_url = Counter(r["url"] for r in run.records)
    assert sorted(by_url) == sorted(a.url for a in run.site.servable)
    assert set(by_url.values()) == {1}
    records = {r["url"]: r for r in run.records}
    for a in run.site.servable:
        record = records[a.url]
        assert record["title"] == a.title, a.article_id
        assert record["text"] == a.text, a.article_id
        assert record["published"] == "2023-05-10T11:21:00+03:00", a.article_id
    assert run.stats["newscrawl/archive/new"] == len(run.site.servable) == 18


def test_nothing_else_archived(run: Run) -> None:
    archived = {r["url"] for r in run.records}
    assert not archived & (set(run.site.failing) | set(run.site.dropped))
    assert len(run.records) == len(run.site.servable)


def stats_under(run: Run, prefix: str) -> dict[str, Any]:
    return {k.removeprefix(prefix): v for k, v in run.stats.items() if k.startswith(prefix)}


def test_every_failure_counted_by_reason(run: Run) -> None:
    expected = Counter(run.site.failing.values()) + Counter(run.site.sources_failing.values())
    counted = stats_under(run, "newscrawl/failed/")
    assert counted == dict(expected)
    assert counted == {
        "http_500": 1,
        "http_503": 2,  # an article and the view_news feed
        "http_429": 1,
        "http_404": 2,  # an article and the /articles/ listing
        "timeout": 2,  # a hang and a drip slower than DOWNLOAD_TIMEOUT
        "connection_lost": 1,
        "truncated": 1,
        "too_large": 2,  # 50 MB with and without Content-Length
        "decompression_too_large": 1,
        "redirect_loop": 2,  # an endless chain and a two-URL loop
        "offsite": 1,
        "robots_txt": 1,
    }
    dropped = stats_under(run, "newscrawl/dropped/")
    assert dropped == dict(Counter(run.site.dropped.values()))
    assert run.stats["newscrawl/retry/retry_after_too_long"] == 1


def test_transient_faults_retried_exactly_as_needed(run: Run) -> None:
    counts = Counter(run.server.paths())
    once_failing = [7160002, 7160003, 7160004, 7160005, 7160006, 7160007, 7160008]
    for a in run.site.servable:
        path = article_path(a.url)
        assert counts[path] == (2 if a.article_id in once_failing else 1), path
    assert counts[f"/{BARE_HOST}/news/2023/05/10/7160015/"] == 1  # the redirect target on the site's other host
    always = ["7160101", "7160102", "7160104", "7160105", "7160106"]
    for article_id in always:
        assert counts[f"/{HOST}/news/2023/05/10/{article_id}/"] == 1 + RETRY_TIMES, article_id
    for article_id in ["7160103", "7160107", "7160108", "7160109", "7160110", "7160115"]:  # not worth retrying
        assert counts[f"/{HOST}/news/2023/05/10/{article_id}/"] == 1, article_id
    for article_id in ["7160201", "7160202"]:  # a challenge may pass: NEWSCRAWL_NOT_ARTICLE_RETRIES (2) more tries
        # the challenge is also tried once in the browser first (newscrawl.render escalation): one more
        escalated = 1 if article_id == "7160201" else 0
        assert counts[f"/{HOST}/news/2023/05/10/{article_id}/"] == 3 + escalated, article_id
    assert run.stats["newscrawl/render/escalated"] == 1


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


def test_retry_after_honoured_and_backoff_between_retries(run: Run) -> None:
    server = run.server
    # Retry-After: 1 (503 once, 429 once, 503 always): never sooner than one second.
    for article_id in ["7160003", "7160005", "7160102"]:
        times = server.times(f"/{HOST}/news/2023/05/10/{article_id}/")
        assert len(times) >= 2
        assert min(gaps(times)) >= 1.0, (article_id, gaps(times))
    # No Retry-After: exponential backoff from NEWSCRAWL_RETRY_BACKOFF (0.2 s, then 0.4 s).
    for article_id in ["7160002", "7160004", "7160007", "7160008"]:
        (gap,) = gaps(server.times(f"/{HOST}/news/2023/05/10/{article_id}/"))
        assert gap >= BACKOFF, article_id
    first, second = gaps(server.times(f"/{HOST}/news/2023/05/10/7160101/"))
    assert first >= BACKOFF and second >= 2 * BACKOFF
    # Retry-After: 3600 is above the cap: not retried at all rather than retried early.
    assert len(server.times(f"/{HOST}/news/2023/05/10/7160103/")) == 1


def test_robots_txt_obeyed_and_crawl_delay_enforced_per_host(run: Run) -> None:
    paths = run.server.paths()
    assert paths[0] == f"/{HOST}/robots.txt"
    assert f"/{BARE_HOST}/robots.txt" in paths
    # Every request to www after its robots.txt, spaced by the Crawl-delay (AutoThrottle would go lower).
    times = [h.at for h in run.server.hits if h.path.startswith(f"/{HOST}/") and not h.path.endswith("robots.txt")]
    spacing = gaps(times)
    assert len(spacing) > 50
    delay = run.site.crawl_delay
    assert statistics.median(spacing) >= 0.9 * delay, spacing
    # Arrival times jitter with the machine's load; a request may arrive late and the next on time.
    assert sum(g < 0.6 * delay for g in spacing) <= len(spacing) // 10, spacing
    assert run.stats["newscrawl/robots/crawl_delay/www.eurointegration.com.ua"] == run.site.crawl_delay


def test_no_request_leaves_the_site_and_traps_end_at_their_limits(run: Run) -> None:
    paths = run.server.paths()
    assert all(p.startswith((f"/{HOST}/", f"/{BARE_HOST}/")) for p in paths), paths
    for path in run.site.never_requested:
        assert path not in paths
    listing_pages = sorted(p for p in paths if p.startswith(f"/{HOST}/news/page_"))
    assert listing_pages == [f"/{HOST}/news/page_{n}/" for n in range(2, run.site.max_pages + 1)]
    assert [p for p in paths if "/date_" in p] == [f"/{HOST}/news/date_10052023/"]
    assert [p for p in paths if "/sitemap/" in p and "2023-" in p] == [f"/{HOST}/sitemap/sitemap-2023-05.xml"]
    # The self-paging sitemap index: three levels of index are read (the discovery index, pages 2 and 3);
    # page 4 is fetched (it could have been a urlset) but, being an index, not followed.
    assert sorted(p for p in paths if "sitemap-archive.xml" in p) == [
        f"/{HOST}/sitemap/sitemap-archive.xml",
        *(f"/{HOST}/sitemap/sitemap-archive.xml?page={n}" for n in (2, 3, 4)),
    ]
    assert run.stats["newscrawl/discovery/sitemap_too_deep"] == 1
    # The endless redirect chain stops after REDIRECT_MAX_TIMES (5) hops.
    assert max(int(p.rsplit("hop=", 1)[1]) for p in paths if "hop=" in p) == 5


def test_memory_bounded_against_bombs_and_huge_pages(run: Run) -> None:
    assert run.peak_rss_mb < MEMORY_BOUND_MB, run.peak_rss_mb


def test_user_agent_names_project_and_contact(run: Run) -> None:
    agents = {h.user_agent for h in run.server.hits}
    assert agents == {user_agent(CONTACT)}
    assert agents == {f"newscrawl/0.1.0 (+{CONTACT}; news archiver for research)"}


def test_fault_pages_extract_alone() -> None:
    """The page template's text is what extraction yields, so the e2e text check tests the crawl only."""
    site = hostile_eurointegration()
    a = site.servable[0]
    record = extract(post_page(a).encode(), a.url)
    assert record["text"] == a.text
    assert record["title"] == a.title
