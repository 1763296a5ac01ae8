"""The exit code has one owner: ``newscrawl.outcome`` decides it from facts the other parts record in the stats."""

from __future__ import annotations

import ast
import logging
from pathlib import Path
from typing import Any

import pytest
from scrapy import Spider
from scrapy.utils.test import get_crawler

from newscrawl import exitcodes, outcome

ROOT = Path(__file__).resolve().parent.parent


def test_only_the_outcome_module_names_the_exit_code_stat() -> None:
    """No other module writes or reads ``newscrawl/exit_code``: the others record facts, outcome decides."""

    def names_it(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return node.value == outcome.EXIT_CODE
        # the name's constant in newscrawl.statnames, used by name or as an attribute
        return (isinstance(node, ast.Name) and node.id == "EXIT_CODE") or (
            isinstance(node, ast.Attribute) and node.attr == "EXIT_CODE"
        )

    naming = sorted(
        {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / "newscrawl").rglob("*.py")
            if path.name != "statnames.py"
            for node in ast.walk(ast.parse(path.read_text("utf-8")))
            if names_it(node)
        }
    )
    assert naming == ["newscrawl/outcome.py"]


FOUND = {"newscrawl/archive/new": 3}
JOINED = {"newscrawl/distributed/seeded": 0}
DRIFTED = {"newscrawl/quality/drifted": ["pravda"]}


@pytest.mark.parametrize(
    ("stats", "code"),
    [
        ({"finish_reason": "finished", **FOUND}, exitcodes.OK),
        ({"finish_reason": "finished"}, exitcodes.NO_ARTICLES),
        ({"finish_reason": "closespider_itemcount", **FOUND}, exitcodes.OK),
        ({"finish_reason": "shutdown", **FOUND}, exitcodes.FAILED),
        ({}, exitcodes.FAILED),  # never started, or stopped at once
        ({"finish_reason": "site_unreachable"}, exitcodes.NO_ARTICLES),
        ({"finish_reason": "blocked"}, exitcodes.NO_ARTICLES),
        ({"finish_reason": "blocked", "newscrawl/lost/parse_error": 1}, exitcodes.FAILED),
        ({"finish_reason": "finished", **FOUND, "newscrawl/lost/pipeline_error": 1, **DRIFTED}, exitcodes.FAILED),
        # the quality guard's fact: DRIFT for a finished run only
        ({"finish_reason": "finished", **FOUND, **DRIFTED}, exitcodes.DRIFT),
        ({"finish_reason": "finished", **FOUND, "newscrawl/quality/drifted": []}, exitcodes.OK),
        ({"finish_reason": "closespider_itemcount", **FOUND, **DRIFTED}, exitcodes.OK),
        # a worker that joined a distributed run the others had done: OK, not "no article found"
        ({"finish_reason": "finished", **JOINED}, exitcodes.OK),
        ({"finish_reason": "finished", **JOINED, "newscrawl/articles/parsed": 2}, exitcodes.NO_ARTICLES),
        ({"finish_reason": "finished", "newscrawl/distributed/seeded": 1}, exitcodes.NO_ARTICLES),
        ({"finish_reason": "redis_unavailable", **JOINED}, exitcodes.FAILED),
    ],
)
def test_the_exit_code_follows_from_the_facts(stats: dict[str, Any], code: int) -> None:
    """Each exit code follows from the recorded facts alone, with the precedence cron relies on."""
    assert outcome.decide(stats) == code
    assert outcome.exit_code(stats) == code


def test_the_decision_is_recorded_before_the_stats_are_dumped(caplog: pytest.LogCaptureFixture) -> None:
    """``STATS_CLASS`` decides once the spider has closed, so the stats dump and the run report show the code."""
    crawler = get_crawler(Spider, settings_dict={"STATS_CLASS": "newscrawl.outcome.RunStats"})
    crawler.spider = Spider("t")
    assert crawler.stats is not None
    crawler.stats.set_value("finish_reason", "finished")
    crawler.stats.set_value("newscrawl/archive/new", 2)
    crawler.stats.set_value("newscrawl/quality/drifted", ["pravda"])
    with caplog.at_level(logging.INFO, logger="scrapy.statscollectors"):
        crawler.stats.close_spider(reason="finished")  # as the engine calls it
    assert crawler.stats.get_value(outcome.EXIT_CODE) == exitcodes.DRIFT
    assert "'newscrawl/exit_code': 5" in caplog.text
    assert outcome.exit_code({**crawler.stats.get_stats(), "newscrawl/quality/drifted": []}) == exitcodes.DRIFT


def test_run_stats_skip_scrapys_spider_argument_shim() -> None:
    """Scrapy 2.19 hands out its stats methods wrapped in a deprecation check (one wrapper call on every count,
    some twenty per article); RunStats reads as a plain object and counts the same. When Scrapy drops the
    shim the first assertion fails: then ``RunStats.__getattribute__`` can go."""
    from scrapy.statscollectors import MemoryStatsCollector

    crawler = get_crawler(Spider)
    assert hasattr(MemoryStatsCollector(crawler).inc_value, "__wrapped__")
    stats = outcome.RunStats(crawler)
    assert not hasattr(stats.inc_value, "__wrapped__")
    stats.inc_value("a")
    stats.inc_value("a", 2)
    stats.max_value("b", 3)
    stats.max_value("b", 1)
    stats.set_value("c", "x")
    assert stats.get_stats() == {"a": 3, "b": 3, "c": "x"}
    assert stats.get_value("a") == 3 and stats.get_value("missing", 7) == 7
