"""Case 8, settings and arguments: one table of settings checked before any request, hosts in IDNA form.

A bad ``NEWSCRAWL_*`` setting (or a bad ``-a url=``) stops ``scrapy crawl`` with exit 2 and exactly one line
naming it, before any request and without touching the archive; ``docs/settings.md`` and the code agree
with the table in ``newscrawl.config``; a Unicode host is crawled, not filtered as offsite.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from scrapy.settings import Settings

from newscrawl import config, exitcodes
from newscrawl.core.urls import host_of, normalize_url
from newscrawl.errors import UsageError
from tests.conftest import ROOT, Mirror, read_archive, run_crawl
from tests.crawl_stats import stats_of


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive folder with a previous run's file in it, to show it is left exactly as it was."""
    out = tmp_path / "out"
    (out / "eurointegration").mkdir(parents=True)
    (out / "eurointegration" / "previous.jsonl").write_text('{"kept": true}\n', encoding="utf-8")
    return out


def assert_refused(result: subprocess.CompletedProcess[str], line: str, mirror: Mirror, out: Path, before: dict[str, bytes]) -> None:
    assert result.stderr.splitlines() == [f"{line} (exit 2)"], result.stderr[-3000:]
    assert result.returncode == exitcodes.USAGE
    assert mirror.requested() == []
    assert tree(out) == before


BAD_SETTINGS = [
    ("NEWSCRAWL_RECHECK_HOURS", "abc", "NEWSCRAWL_RECHECK_HOURS must be a finite number from 0 to 87600 (hours), not 'abc'"),
    ("NEWSCRAWL_RECHECK_HOURS", "nan", "NEWSCRAWL_RECHECK_HOURS must be a finite number from 0 to 87600 (hours), not 'nan'"),
    ("NEWSCRAWL_NOT_ARTICLE_BACKOFF", "abc",
     "NEWSCRAWL_NOT_ARTICLE_BACKOFF must be a finite number from 0 to 86400 (seconds), not 'abc'"),
    ("NEWSCRAWL_NOT_ARTICLE_BACKOFF", "inf",
     "NEWSCRAWL_NOT_ARTICLE_BACKOFF must be a finite number from 0 to 86400 (seconds), not 'inf'"),
    ("NEWSCRAWL_RETRY_AFTER_MAX", "1e999",
     "NEWSCRAWL_RETRY_AFTER_MAX must be a finite number from 0 to 86400 (seconds), not '1e999'"),
    ("NEWSCRAWL_NOT_ARTICLE_RETRIES", "-1", "NEWSCRAWL_NOT_ARTICLE_RETRIES must be a whole number from 0 to 100, not '-1'"),
    ("NEWSCRAWL_STOP_AFTER_ARCHIVED", "2.5",
     "NEWSCRAWL_STOP_AFTER_ARCHIVED must be a whole number from 0 to 100000, not '2.5'"),
    ("NEWSCRAWL_ARCHIVE_ENABLED", "maybe", "NEWSCRAWL_ARCHIVE_ENABLED must be true or false (1 or 0), not 'maybe'"),
    ("NEWSCRAWL_QUALITY", '{"min_title_share": NaN}',
     "NEWSCRAWL_QUALITY must be a JSON object of finite numbers, not '{\"min_title_share\": NaN}'"),
    ("NEWSCRAWL_QUALITY", '{"min_title_share": 1.5}',
     "NEWSCRAWL_QUALITY: min_title_share must be a finite number from 0 to 1, not 1.5"),
    ("NEWSCRAWL_RECHECK_HOUR", "12", "unknown setting NEWSCRAWL_RECHECK_HOUR (the settings are listed in docs/settings.md)"),
    ("DOWNLOAD_MAXSIZE", "-1", "DOWNLOAD_MAXSIZE must be a whole number >= 0 (bytes), not '-1'"),
]


@pytest.mark.parametrize(("name", "value", "message"), BAD_SETTINGS, ids=[f"{n}={v}" for n, v, _ in BAD_SETTINGS])
def test_bad_setting_exits_2_with_one_line_before_any_request(
    name: str, value: str, message: str, archive: Path, tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """A bad setting stops the crawl with exit 2 and one line naming it, the value and the allowed range:
    nothing requested, the archive untouched."""
    site = tmp_path / "mirror"
    site.mkdir()
    mirror = serve_mirror(site)
    before = tree(archive)
    result = run_crawl("eurointegration", mirror=mirror.url, output=archive, settings={name: value}, timeout=120)
    assert isinstance(result, subprocess.CompletedProcess)
    assert_refused(result, f"newscrawl: error: eurointegration: {message}", mirror, archive, before)


def test_bad_setting_from_the_environment_exits_2(
    archive: Path, tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """A setting read from the environment is checked like one given with -s (no traceback at start-up)."""
    site = tmp_path / "mirror"
    site.mkdir()
    mirror = serve_mirror(site)
    before = tree(archive)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    env |= {"NEWSCRAWL_REDIS_LEASE": "soon", "NEWSCRAWL_MIRROR": mirror.url, "NEWSCRAWL_OUTPUT": str(archive)}
    cmd = [sys.executable, "-m", "scrapy", "crawl", "eurointegration"]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    line = "newscrawl: error: eurointegration: NEWSCRAWL_REDIS_LEASE must be a finite number from 1 to 86400 (seconds), not 'soon'"
    assert_refused(result, line, mirror, archive, before)


BAD_URLS = [
    ("http://example.org:99999/", "argument url: 'http://example.org:99999/' is not a valid URL (Port out of range 0-65535)"),
    ("http://[::1/", "argument url: 'http://[::1/' is not a valid URL (Invalid IPv6 URL)"),
    (f"https://{'x' * 64}.org/", f"argument url: 'https://{'x' * 64}.org/' is not a valid URL (a host label is empty or longer than 63 characters)"),
    ("http://пример..укр/", "argument url: 'http://пример..укр/' is not a valid URL (a host label is empty or longer than 63 characters)"),
]


@pytest.mark.parametrize(("url", "message"), BAD_URLS)
def test_bad_url_argument_exits_2_with_one_line(
    url: str, message: str, tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """A homepage URL with an impossible port, a malformed IPv6 host or a bad IDNA label is a usage error."""
    site = tmp_path / "mirror"
    site.mkdir()
    mirror = serve_mirror(site)
    out = tmp_path / "out"
    out.mkdir()
    result = run_crawl("news", f"url={url}", mirror=mirror.url, output=out, timeout=120)
    assert isinstance(result, subprocess.CompletedProcess)
    assert_refused(result, f"newscrawl: error: news: {message}", mirror, out, {})


# --- a Unicode host --------------------------------------------------------------------------------------
UNICODE_HOST = "пример.укр"
IDNA_HOST = "xn--e1afmkfd.xn--j1amh"  # the mirror folder: requests carry the host in this form


def article(n: int) -> str:
    text = "".join(
        f"<p>Paragraph {k} of article {n}: the council met on Monday and agreed the budget for the harbour.</p>"
        for k in range(1, 4)
    )
    return (
        f'<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>Article {n}</title>'
        f'<meta property="og:title" content="Article {n}">'
        '<meta property="article:published_time" content="2026-01-20T10:00:00+02:00"></head>'
        f"<body><main><article><h1>Article {n}</h1>{text}</article></main></body></html>"
    )


def test_unicode_host_is_crawled_not_filtered_as_offsite(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror]
) -> None:
    """-a url=http://пример.укр/ archives the site's articles, linked in Unicode or IDNA form; none is offsite."""
    site = tmp_path / "mirror" / IDNA_HOST
    (site / "news").mkdir(parents=True)
    (site / "index.html").write_text(
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml"></head><body></body></html>',
        encoding="utf-8",
    )
    (site / "robots.txt").write_text("User-agent: *\nAllow: /\n", encoding="utf-8")
    links = [f"http://{UNICODE_HOST}/news/1.html", f"http://{IDNA_HOST}/news/2.html", "http://ПРИМЕР.укр/news/3.html"]
    items = "".join(f"<item><title>a</title><link>{link}</link></item>" for link in links)
    (site / "rss.xml").write_text(
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{items}</channel></rss>', encoding="utf-8"
    )
    for n in (1, 2, 3):
        (site / "news" / f"{n}.html").write_text(article(n), encoding="utf-8")
    mirror = serve_mirror(tmp_path / "mirror")
    out = tmp_path / "out"
    result = run_crawl("news", f"url=http://{UNICODE_HOST}/", mirror=mirror.url, output=out, timeout=180)
    assert isinstance(result, subprocess.CompletedProcess)
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    records = read_archive(out)
    assert sorted(r["url"] for r in records) == [f"http://{IDNA_HOST}/news/{n}.html" for n in (1, 2, 3)]
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [".newscrawl", "xn__e1afmkfd_xn__j1amh"]
    stats = stats_of(result.stderr)
    assert {k: v for k, v in stats.items() if "offsite" in k} == {}
    assert sorted(mirror.requested()) == sorted(
        [f"/{IDNA_HOST}/", f"/{IDNA_HOST}/sitemap.xml", f"/{IDNA_HOST}/rss.xml"]
        + [f"/{IDNA_HOST}/robots.txt"] * 2  # Scrapy's robots.txt middleware, then discovery's Sitemap: lines
        + [f"/{IDNA_HOST}/news/{n}.html" for n in (1, 2, 3)]
    )


def test_hosts_are_normalised_to_idna_once() -> None:
    """host_of and normalize_url spell a Unicode host as requests do: IDNA, lower case; IPv6 keeps brackets."""
    assert host_of("http://ПРИМЕР.укр/x") == IDNA_HOST
    assert host_of(f"https://{IDNA_HOST.upper()}/") == IDNA_HOST
    assert normalize_url("https://WWW.Пример.укр:443/a?utm_source=x") == f"https://www.{IDNA_HOST}/a"
    assert normalize_url("http://[::1]:8080/a") == "http://[::1]:8080/a"


# --- the table ---------------------------------------------------------------------------------------------
def test_docs_settings_page_is_the_table() -> None:
    """docs/settings.md is exactly what newscrawl.config.markdown_table() generates from the table."""
    assert (ROOT / "docs" / "settings.md").read_text("utf-8") == config.markdown_table()


def test_every_newscrawl_setting_in_the_code_is_in_the_table() -> None:
    """Every NEWSCRAWL_* name the code mentions is a row of the table, and every row is used by the code."""
    mentioned: set[str] = set()
    for path in (ROOT / "newscrawl").rglob("*.py"):
        if path.name != "config.py" or path.parent.name != "newscrawl":
            mentioned |= set(re.findall(r"NEWSCRAWL_[A-Z0-9_]*[A-Z0-9]", path.read_text("utf-8")))
    assert sorted(mentioned - set(config.BY_NAME)) == []
    assert sorted(set(config.BY_NAME) - mentioned) == []


def test_every_setting_the_readme_and_docs_name_is_in_the_table() -> None:
    """README and the documentation pages name only settings of the table; ``NEWSCRAWL_RENDER_*`` names some."""
    unknown = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for found in re.finditer(r"NEWSCRAWL_[A-Z0-9_]*[A-Z0-9](_\*)?", path.read_text("utf-8")):
            name = found.group().removesuffix("_*")
            known = any(row.startswith(name + "_") for row in config.BY_NAME) if found.group(1) else name in config.BY_NAME
            if not known:
                unknown.append(f"{path.name}: {found.group()}")
    assert unknown == []


def test_settings_module_takes_every_default_from_the_table() -> None:
    """newscrawl.settings has one NEWSCRAWL_* value per table row, the table's default (env cleared), and no
    getint/getfloat/getbool of a NEWSCRAWL_* setting with a second default is left in the code."""
    script = (
        "import json, newscrawl.settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in dir(s) if k.startswith('NEWSCRAWL_')}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_")}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    import json

    assert json.loads(result.stdout) == {s.name: s.default for s in config.SETTINGS}
    source = "\n".join(p.read_text("utf-8") for p in (ROOT / "newscrawl").rglob("*.py"))
    assert re.findall(r"\.get(?:int|float|bool|list|dict)\(\s*[\"']NEWSCRAWL_", source) == []
    assert re.findall(r"^NEWSCRAWL_\w+\s*=", (ROOT / "newscrawl" / "settings.py").read_text("utf-8"), re.M) == []


@pytest.mark.parametrize(
    ("name", "raw", "value"),
    [
        ("NEWSCRAWL_RECHECK_HOURS", "12.5", 12.5),
        ("NEWSCRAWL_RECHECK_HOURS", " 0 ", 0.0),
        ("NEWSCRAWL_RECHECK_HOURS", None, 48.0),
        ("NEWSCRAWL_FLUSH_EVERY", "7", 7),
        ("NEWSCRAWL_FLUSH_EVERY", 7.0, 7),
        ("NEWSCRAWL_ARCHIVE_ENABLED", "false", False),
        ("NEWSCRAWL_ARCHIVE_ENABLED", "1", True),
        ("NEWSCRAWL_QUALITY", '{"min_sample": 5}', {"min_sample": 5}),
        ("NEWSCRAWL_MIRROR", "http://[::1]:8000", "http://[::1]:8000"),
        ("NEWSCRAWL_REDIS_URL", "unix:///run/redis.sock", "unix:///run/redis.sock"),
    ],
)
def test_typed_accessor_reads_through_the_table(name: str, raw: object, value: object) -> None:
    """A setting is read as its table type; an absent one is the table's default."""
    settings = Settings({name: raw} if raw is not None else {})
    assert config.get(settings, name) == value
    config.validate(settings)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("NEWSCRAWL_RECHECK_MIN_MINUTES", "-inf"),
        ("NEWSCRAWL_RECHECK_AGE_FRACTION", float("nan")),
        ("NEWSCRAWL_FLUSH_EVERY", True),
        ("NEWSCRAWL_FLUSH_EVERY", "0"),
        ("NEWSCRAWL_MIRROR", "http://127.0.0.1:99999"),
        ("NEWSCRAWL_MIRROR", "http://[::1"),
        ("NEWSCRAWL_MIRROR", "ftp://127.0.0.1"),
        ("NEWSCRAWL_REDIS_URL", "http://127.0.0.1:6379"),
        ("NEWSCRAWL_QUALITY", "[1, 2]"),
        ("NEWSCRAWL_QUALITY", '{"min_sample": true}'),
        ("NEWSCRAWL_CONTACT", "ops\x00@example.org"),
    ],
)
def test_bad_values_are_refused_by_the_accessor_too(name: str, raw: object) -> None:
    """The accessor never returns a value outside the table's range, even where validation did not run."""
    with pytest.raises(UsageError, match=f"^{name} must be .*, not {re.escape(repr(raw))}$"):
        config.get(Settings({name: raw}), name)


def test_a_crawl_opens_no_code_execution_port() -> None:
    """Neither Scrapy's telnet console nor its remote-control HTTP server (which runs Python sent to it) is on."""
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    assert settings.getbool("TELNETCONSOLE_ENABLED") is False
    assert settings.getbool("REMOTE_CONTROL_ENABLED") is False
