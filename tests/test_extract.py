"""``newscrawl.extract`` and ``newscrawl extract``: one saved page in, the archive record (or its drop reason) out."""

from __future__ import annotations

import gzip
import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newscrawl import extract
from newscrawl.drops import ChallengePage, MissingBody, NotAnArticle
from tests.conftest import FIXTURES, ROOT, validate_record

CRAWL = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
EURO = "https://www.eurointegration.com.ua/news/2023/05/10/7161964/"
SEED_PAGE = FIXTURES / "sites" / "eurointegration" / "eurointegration_2023_05_10_rus_japan_nato_office.html.gz"

CHALLENGE = """<html><head><title>www.eurointegration.com.ua</title></head><body>
<script>document.cookie="cbtYmTName=4b1f0e; path=/"; location.reload();</script>
<noscript>Please enable JavaScript and cookies to continue</noscript></body></html>"""

EMPTY_POST = """<html><head><meta charset="utf-8"><title>Стаття</title></head><body>
<div class="block_post"><h1 class="post__title">Заголовок без тексту</h1>
<div class="post__time">Середа, 10 травня 2023, 11:21</div>
<div class="post__text"><p>&nbsp;</p><ins class="adsbygoogle"></ins>
<p>Реклама:</p><p>Якщо ви помітили помилку, виділіть необхідний текст і натисніть Ctrl + Enter.</p></div>
<div class="post__report">Якщо ви помітили помилку, виділіть необхідний текст і натисніть Ctrl + Enter</div>
</div>""" + "<p>меню</p>" * 50 + "</body></html>"

GENERIC = """<html lang="en"><head><meta charset="utf-8"><title>Example news</title>
<meta property="og:title" content="Harbour reopens after storm">
<meta property="article:published_time" content="2025-02-03T10:15:00+01:00">
<link rel="canonical" href="https://news.example.org/2025/harbour-reopens?utm_source=x">
</head><body><nav>Home | World | Sport</nav><article><h1>Harbour reopens after storm</h1>
<p>The harbour reopened on Monday morning after three days of closure caused by the storm that hit the coast.</p>
<p>Port officials said ferries would run on a reduced timetable until the end of the week while crews clear debris.</p>
<p>Fishermen, who lost several days of work, welcomed the decision but asked for compensation from the city.</p>
</article><footer>Copyright Example News</footer></body></html>"""


def test_seed_page_record_is_valid() -> None:
    record = extract(gzip.decompress(SEED_PAGE.read_bytes()), "http://eurointegration.com.ua/rus/news/2023/5/10/7161964/?utm_source=fb#c", CRAWL)
    validate_record(record)
    assert record["url"] == "https://www.eurointegration.com.ua/rus/news/2023/05/10/7161964/"
    assert record["crawled_at"] == "2026-11-29T06:00:00+00:00"
    assert record["parser"] == "upgroup/1.0"
    assert record["extractor"].startswith("trafilatura/")


def test_challenge_page_is_not_an_article() -> None:
    with pytest.raises(ChallengePage):
        extract(CHALLENGE, EURO, CRAWL)


def test_empty_shell_is_not_an_article() -> None:
    with pytest.raises(NotAnArticle):
        extract("<html><body><div id='app'></div></body></html>", EURO, CRAWL)


def test_page_whose_body_is_only_boilerplate_is_dropped() -> None:
    with pytest.raises(MissingBody):
        extract(EMPTY_POST, EURO, CRAWL)


def test_unknown_site_uses_trafilatura_and_generic_metadata() -> None:
    record = extract(GENERIC, "https://news.example.org/2025/harbour-reopens", CRAWL)
    validate_record(record)
    assert record["site"] == "news_example_org"
    assert record["url"] == "https://news.example.org/2025/harbour-reopens"
    assert record["title"] == "Harbour reopens after storm"
    assert record["published"] == "2025-02-03T10:15:00+01:00"  # an unknown site keeps the page's offset
    assert record["lang"] == "en"
    assert record["parser"] == "generic/1.0"
    assert record["fallbacks"] == ["title/meta", "body/whole_page"]
    assert record["text"].split("\n") == [
        "The harbour reopened on Monday morning after three days of closure caused by the storm that hit the coast.",
        "Port officials said ferries would run on a reduced timetable until the end of the week while crews clear debris.",
        "Fishermen, who lost several days of work, welcomed the decision but asked for compensation from the city.",
    ]


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "newscrawl.cli", *args], cwd=ROOT, input=stdin, capture_output=True, timeout=60)


def test_cli_extract_prints_one_record(tmp_path: Path) -> None:
    result = run_cli("extract", str(SEED_PAGE), "--url", "https://www.eurointegration.com.ua/rus/news/2023/05/10/7161964/")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    validate_record(record)
    assert record["published"] == "2023-05-10T11:21:00+03:00"
    assert "\\u" not in lines[0]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["extract", "/nonexistent/page.html", "--url", EURO], "newscrawl: error: cannot read /nonexistent/page.html: No such file or directory", 1),
        (["extract", "-", "--url", "www.eurointegration.com.ua/news/"], "newscrawl: error: --url must be an http(s) URL", 2),
    ],
)
def test_cli_extract_bad_input(args: list[str], message: str, code: int) -> None:
    result = run_cli(*args, stdin=b"<html></html>")
    assert result.returncode == code
    err = result.stderr.decode().strip().splitlines()
    assert len(err) == 1 and err[0].startswith(message)
    assert result.stdout == b""


def test_cli_extract_not_an_article(tmp_path: Path) -> None:
    page = tmp_path / "challenge.html"
    page.write_text(CHALLENGE, encoding="utf-8")
    result = run_cli("extract", str(page), "--url", EURO)
    assert result.returncode == 1
    assert result.stderr.decode().strip() == f"newscrawl: error: not archived (challenge_page): bot challenge page at {EURO}"


def test_cli_mirror_serve(tmp_path: Path) -> None:
    (tmp_path / "www.example.org" / "news").mkdir(parents=True)
    (tmp_path / "www.example.org" / "news" / "index.html").write_text("<html>news</html>")
    (tmp_path / "www.example.org" / "rss").write_text('<?xml version="1.0"?><rss></rss>')
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "newscrawl.cli", "mirror", "serve", str(tmp_path), "--port", str(port)], cwd=ROOT)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/www.example.org/news/", timeout=2) as r:
                    assert r.read() == b"<html>news</html>"
                    assert r.headers["Content-Type"] == "text/html"
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("mirror server did not start")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/www.example.org/rss", timeout=2) as r:
            assert r.headers["Content-Type"] == "application/xml"
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/www.example.org/../../etc/passwd", timeout=2)
        assert err.value.code == 404
    finally:
        proc.terminate()
        proc.wait(10)
