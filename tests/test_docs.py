"""The documentation: the site builds in strict mode, the README stays short and its loaders work."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.archive_records import record, write_run
from tests.conftest import ROOT

README = ROOT / "README.md"
INSTALL_AND_CRAWL = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install --upgrade pip && pip install -e . "
    "&& scrapy crawl eurointegration"
)
INSTALL_AND_TEST = (
    "python3 -m venv .venv && . .venv/bin/activate && pip install --upgrade pip && pip install -e '.[test]' "
    "&& python -m pytest -q"
)


def code_blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", text, flags=re.S | re.M)


def mkdocs_build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
        cwd=project, capture_output=True, text=True, timeout=300,
    )


def test_docs_build_in_strict_mode(tmp_path: Path) -> None:
    """The documentation site builds with no warning (broken links or anchors fail it), every page in it."""
    result = mkdocs_build(ROOT, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    pages = sorted(p.stem for p in (ROOT / "docs").glob("*.md"))
    built = sorted(p.parent.name if p.parent != tmp_path / "site" else "index"
                   for p in (tmp_path / "site").glob("**/index.html") if "_pending" not in p.parts)
    assert built == sorted(pages)


def test_pending_snippets_stay_out_of_the_site(tmp_path: Path) -> None:
    """Snippets in docs/_pending/ are not built, so an unfinished one cannot break the strict build."""
    project = tmp_path / "project"
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("_pending"))
    shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
    (project / "docs" / "_pending").mkdir()
    (project / "docs" / "_pending" / "some-branch.md").write_text("# Pending\n\nSee [nowhere](nowhere.md).\n")
    result = mkdocs_build(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "site" / "_pending").exists()


def test_readme_is_short() -> None:
    """The README is at most 12 KiB: the rest lives in docs/."""
    assert len(README.read_bytes()) <= 12 * 1024


def test_readme_opens_with_the_fresh_machine_commands() -> None:
    """The README's first two commands install and crawl, and install and test; CI runs that test command."""
    first, second = code_blocks(README.read_text("utf-8"), "sh")[:2]
    assert (first, second) == (INSTALL_AND_CRAWL + "\n", INSTALL_AND_TEST + "\n")
    ci = (ROOT / ".ci" / "run").read_text("utf-8").strip().splitlines()
    assert ci[-1] == "python -m pytest -q" == INSTALL_AND_TEST.rsplit(" && ", 1)[1]


@pytest.fixture
def two_versions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``output/`` in a fresh folder: article 0071 (a leading zero, as a generic site's id may have) in two
    versions written by two runs, and article 7160002 in one version."""

    def with_id(r: dict[str, Any], article_id: str) -> dict[str, Any]:
        r["url"] = r["url"].replace(r["article_id"], article_id)
        r["key"] = r["key"].replace(r["article_id"], article_id)
        r["article_id"] = article_id
        return r

    first = with_id(record(1), "0071")
    write_run(tmp_path / "output", [first, record(2)])
    second = with_id(record(1, version=2, text="Оновлений текст.", previous_hash=first["content_hash"]), "0071")
    write_run(tmp_path / "output", [second])
    monkeypatch.chdir(tmp_path)
    return tmp_path


def loader(needle: str) -> str:
    [code] = [c for c in code_blocks(README.read_text("utf-8"), "python") if needle in c]
    assert code in code_blocks((ROOT / "docs" / "archive.md").read_text("utf-8"), "python")  # one loader, two places
    return code


def test_readme_pandas_loader_keeps_the_latest_version_with_string_ids(two_versions: Path) -> None:
    """The README's pandas loader gives one row per article, its latest version, with article_id a string."""
    scope: dict[str, Any] = {}
    exec(loader("pandas"), scope)
    df = scope["df"]
    rows = sorted(zip(df["key"], df["article_id"], df["version"], df["text"], strict=True))
    assert rows == [
        ("eurointegration:uk:0071", "0071", 2, "Оновлений текст."),
        ("eurointegration:uk:7160002", "7160002", 1, "Абзац перший статті 2.\nАбзац другий."),
    ]
    assert [type(v) for v in df["article_id"]] == [str, str]
    assert df["published"].tolist() == ["2023-05-10T11:21:00+03:00"] * 2  # as written, with its offset


def test_readme_duckdb_loader_keeps_the_latest_version_with_string_ids(two_versions: Path) -> None:
    """The README's DuckDB loader (the Python package, no CLI) gives one row per article, its latest version."""
    scope: dict[str, Any] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(loader("duckdb"), scope)
    latest = scope["latest"]
    rows = sorted(latest.select("key, article_id, version, text").fetchall())
    assert rows == [
        ("eurointegration:uk:0071", "0071", 2, "Оновлений текст."),
        ("eurointegration:uk:7160002", "7160002", 1, "Абзац перший статті 2.\nАбзац другий."),
    ]
    assert re.search(r"│ eurointegration │ uk\s+│\s+2 │", printed.getvalue()), printed.getvalue()


def test_user_pages_name_no_internal_class() -> None:
    """README and the user pages name no class of the code (the development page may): a multi-word class name
    anywhere, or a one-word one (Site, Parser) in code quotes."""
    import ast

    names = {
        node.name
        for path in (ROOT / "newscrawl").rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ClassDef)
    }
    assert {"SiteSpider", "MeasureQualityPipeline", "Site"} <= names
    pages = [README, *(p for p in (ROOT / "docs").glob("*.md") if p.name != "development.md")]
    found = []
    for page in pages:
        text = page.read_text("utf-8")
        for name in sorted(names):
            one_word = sum(c.isupper() for c in name) < 2
            pattern = rf"`[^`\n]*\b{name}\b[^`\n]*`" if one_word else rf"\b{name}\b"
            found += [f"{page.name}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert found == []


def readme_section(title: str) -> str:
    text = README.read_text("utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def text_blocks(text: str) -> list[str]:
    """The fenced blocks with no language (program output), in order."""
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", text, flags=re.S | re.M)
    return [body for lang, body in blocks if not lang]


@pytest.mark.e2e
def test_readme_offline_quick_start(tmp_path: Path) -> None:
    """The README's offline quick start, run line by line from a fresh folder, prints what it shows and archives
    the articles it says."""
    import os

    section = readme_section("Offline quick start")
    [block] = code_blocks(section, "sh")
    lines = block.splitlines()
    assert lines == [
        "newscrawl mirror build eurointegration mirror",
        "newscrawl mirror serve mirror &",
        "scrapy crawl eurointegration -s NEWSCRAWL_MIRROR=http://127.0.0.1:8000",
        "newscrawl archive stats",
    ]
    built_text, served_text = text_blocks(section)
    quickstart = (ROOT / "docs" / "quickstart.md").read_text("utf-8")
    assert block in code_blocks(quickstart, "sh")  # one quick start, two places
    assert [built_text, served_text] == text_blocks(quickstart)[:2]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SCRAPY_SETTINGS_MODULE": "newscrawl.settings",  # scrapy.cfg's project, from another folder
    }

    def sh(line: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=300)

    built = sh(lines[0])
    assert (built.returncode, built.stdout, built.stderr) == (0, built_text, "")
    # Port 0: the system picks a free port; the server prints the URL it listens on once it listens.
    server = subprocess.Popen(["bash", "-c", f"exec {lines[1].removesuffix(' &')} --port 0"], cwd=tmp_path,
                              env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        served = "".join(server.stderr.readline() for _ in served_text.splitlines())
        [url] = re.findall(r"on (http://127\.0\.0\.1:\d+) ", served)
        assert served == served_text.replace("http://127.0.0.1:8000", url)
        crawl = sh(lines[2].replace("http://127.0.0.1:8000", url))
        assert crawl.returncode == 0, crawl.stderr[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=60)
    [claimed] = re.findall(r"The crawl archives (\d+) articles", section)
    assert re.search(rf"^  new +{claimed}$", crawl.stderr, flags=re.M), crawl.stderr[-3000:]
    assert f"`new {claimed}`" in section
    stats = sh(lines[3])
    assert stats.returncode == 0, stats.stderr
    total = f"total: {claimed} articles (0 revised), {claimed} records in 1 files"
    assert stats.stdout.rstrip().splitlines()[-1] == total, stats.stdout  # the README: "ends with"
    assert total in " ".join(section.split())  # as the README shows it
    warnings = re.findall(r"WARNING: discovery source \w+ failed: \S+ \(HTTP 404\)$", crawl.stderr, flags=re.M)
    assert re.search(r"Four `discovery source \.\.\. failed\s\(HTTP 404\)` warnings are expected", section)
    assert len(warnings) == 4, crawl.stderr[-3000:]
