"""Helpers for the newcomer tests: ``scrapy crawl`` at the project's default settings (``run_crawl`` sets
test-speed politeness on the command line, which would hide what a new user gets)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def crawl_command(spider: str, *args: str, settings: dict[str, str]) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for arg in args:
        cmd += ["-a", arg]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}


def crawl_at_defaults(
    spider: str, *args: str, output: Path, settings: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    cmd = crawl_command(spider, *args, settings={"NEWSCRAWL_OUTPUT": str(output), **(settings or {})})
    return subprocess.run(cmd, cwd=ROOT, env=clean_env(), capture_output=True, text=True, timeout=timeout)


def start_crawl_at_defaults(
    spider: str, *args: str, output: Path, settings: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    cmd = crawl_command(spider, *args, settings={"NEWSCRAWL_OUTPUT": str(output), **(settings or {})})
    return subprocess.Popen(
        cmd, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
