"""End to end: the raw capture a crawl writes beside its JSONL file (WARC/1.1, one gzip member per record).

A crawl of a hostile little site (a windows-1251 page, a gzip-encoded response, a retried page) keeps
every archived article's response byte for byte as served, under the real URL; a re-check of an unchanged
page writes a revisit record and no page; ``NEWSCRAWL_WARC=0`` writes nothing; a run killed with SIGKILL is
completed by the next one with every WARC file whole; distributed workers write their own WARC files;
``archive verify`` names each article whose capture is missing or damaged.
"""

from __future__ import annotations

import gzip
import json
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl import exitcodes
from newscrawl.archive.warc import check_file, crawled_at_of, iter_captures, payload_digest, read_capture, warc_date
from tests.conftest import ROOT, Mirror, read_archive, run_crawl
from tests.faultserver import FaultServer, article, fail_first, old_page, page, post_page, rss, status

pytestmark = pytest.mark.e2e

PREFIX = "/www.eurointegration.com.ua/"


def served_pages() -> dict[str, tuple[bytes, bytes, dict[str, str]]]:
    """Article URL -> (bytes on the wire, bytes the spider reads, headers) of each page the site serves."""
    plain, cp1251, packed, retried, changing = (article(n) for n in (7160001, 7160013, 7160018, 7160002, 7160003))
    pages = {
        plain.url: post_page(plain).encode(),
        cp1251.url: old_page(cp1251).encode("cp1251"),  # no charset anywhere: the site's legacy charset
        packed.url: post_page(packed).encode(),
        retried.url: post_page(retried).encode(),
        changing.url: post_page(changing).encode(),
    }
    out = {}
    for url, body in pages.items():
        if url == packed.url:
            out[url] = (gzip.compress(body, mtime=0), body, {"Content-Encoding": "gzip"})
        else:
            out[url] = (body, body, {})
    return out


CHANGING = article(7160003).url  # the same text on every visit, but a counter in the bytes


def site_routes() -> dict[str, Any]:
    pages = served_pages()
    routes: dict[str, Any] = {
        f"{PREFIX}robots.txt": page(b"User-agent: *\nAllow: /\n", "text/plain"),
        f"{PREFIX}rss/": page(rss(list(pages)), "application/rss+xml; charset=utf-8"),
    }
    for url, (wire, _, headers) in pages.items():
        path = PREFIX + url.split("/", 3)[3]
        content_type = "text/html" if "7160013" in url else "text/html; charset=utf-8"
        behaviour = page(wire, content_type, **headers)
        if "7160002" in url:
            behaviour = fail_first(1, status(500), behaviour)
        if url == CHANGING:

            def counted(h: Any, n: int, wire: bytes = wire, content_type: str = content_type) -> None:
                page(wire + f"<!-- visit {n} -->".encode(), content_type)(h, n)

            behaviour = counted
        routes[path] = behaviour
    return routes


def wire_bytes(url: str, visit: int = 1) -> bytes:
    wire = served_pages()[url][0]
    return wire + f"<!-- visit {visit} -->".encode() if url == CHANGING else wire


@pytest.fixture
def site() -> Iterator[FaultServer]:
    server = FaultServer(site_routes()).start()
    yield server
    server.stop()


def crawl(mirror: str, out: Path, *args: str, settings: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = run_crawl("eurointegration", "lang=uk", *args, mirror=mirror, output=out, settings=settings, timeout=180)
    assert isinstance(result, subprocess.CompletedProcess)
    return result


def warc_records(path: Path) -> list[tuple[str, str, dict[str, str]]]:
    """(type, target URI, WARC headers) of every record, read to the end by warcio."""
    with path.open("rb") as fh:
        return [
            (r.rec_headers.get_header("WARC-Type"), r.rec_headers.get_header("WARC-Target-URI") or "",
             dict(r.rec_headers.headers))
            for r in ArchiveIterator(fh)
        ]


def verify(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscrawl.cli", "archive", "verify", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )


def test_every_archived_article_is_captured_byte_for_byte_under_its_real_url(
    tmp_path: Path, site: FaultServer
) -> None:
    """Each archived article has exactly one response record holding the bytes the site served, under the
    real URL, with the record's crawl time; its pointer resolves; warcio reads every file to the end."""
    out = tmp_path / "out"
    result = crawl(site.url, out)
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    pages = served_pages()
    records = read_archive(out)
    assert sorted(r["url"] for r in records) == sorted(pages)
    [jsonl] = list(out.rglob("*.jsonl"))
    [warc] = list(out.rglob("*.warc.gz"))
    assert warc.name == jsonl.name.removesuffix(".jsonl") + ".warc.gz"  # beside the run's JSONL file
    for record in records:
        wire, spider_bytes, headers = pages[record["url"]]
        wire = wire_bytes(record["url"])
        capture = record["capture"]
        assert capture["file"] == warc.relative_to(out).as_posix()
        assert capture["digest"] == payload_digest(wire)
        got = read_capture(out, capture)
        assert got.raw_body == wire  # as served: still gzip-encoded, still windows-1251
        assert got.body == (spider_bytes if record["url"] != CHANGING else wire)
        assert got.url == record["url"]  # the real URL, never the mirror's
        assert got.status == 200
        assert got.warc_date == warc_date(record["crawled_at"])
        assert crawled_at_of(got.warc_date) == record["crawled_at"]
        assert dict(got.headers).get("Content-Encoding") == headers.get("Content-Encoding")
        assert ("Host", "www.eurointegration.com.ua") in got.request_headers
    assert Counter(t for t, _, _ in warc_records(warc)) == {"warcinfo": 1, "response": 5, "request": 5}
    assert sorted(c.url for _, _, c in iter_captures(warc)) == sorted(pages)
    assert sorted((o, n) for o, n, _ in iter_captures(warc)) == sorted(
        (r["capture"]["offset"], r["capture"]["length"]) for r in records
    )
    assert check_file(warc) == []
    assert not any("127.0.0.1" in uri for _, uri, _ in warc_records(warc))
    info = warc_records(warc)[0][2]
    assert info["WARC-Filename"] == warc.name
    assert "newscrawl/archive/files_written" in result.stderr
    [report] = [json.loads(p.read_text()) for p in (out / ".newscrawl" / "runs").glob("*.json")]
    assert [c["path"] for c in report["captures"]] == [warc.relative_to(out).as_posix()]
    assert report["captures"][0]["bytes"] == warc.stat().st_size
    assert "'newscrawl/warc/responses': 5," in result.stderr
    check = verify(out)
    assert check.returncode == exitcodes.OK, check.stdout + check.stderr
    assert check.stdout == ""


def test_an_unchanged_recheck_writes_a_revisit_record_not_the_page(tmp_path: Path, site: FaultServer) -> None:
    """A re-check of an unchanged page writes a revisit record (identical payload) and no new JSONL line;
    a page whose text is unchanged but whose bytes differ is kept whole, never claimed identical."""
    out = tmp_path / "out"
    first = crawl(site.url, out)
    assert first.returncode == exitcodes.OK, first.stderr[-3000:]
    records = read_archive(out)
    again = crawl(site.url, out, "refresh=1")
    assert again.returncode == exitcodes.OK, again.stderr[-3000:]
    assert read_archive(out) == records  # no new line, nothing rewritten
    assert len(list(out.rglob("*.jsonl"))) == 1
    [_, second] = sorted(out.rglob("*.warc.gz"))
    kinds = warc_records(second)
    assert Counter(t for t, _, _ in kinds) == {"warcinfo": 1, "revisit": 4, "response": 1, "request": 1}
    by_url = {r["url"]: r for r in records}
    for kind, uri, headers in kinds:
        if kind == "revisit":
            assert uri != CHANGING
            assert headers["WARC-Profile"] == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
            assert headers["WARC-Payload-Digest"] == by_url[uri]["capture"]["digest"]
            assert headers["WARC-Refers-To-Target-URI"] == uri
            assert headers["WARC-Refers-To-Date"] == warc_date(by_url[uri]["crawled_at"])
        if kind == "response":
            assert uri == CHANGING  # its bytes changed (a counter): kept whole, with no record pointing at it
            assert headers["WARC-Payload-Digest"] == payload_digest(wire_bytes(CHANGING, 2))
    assert "'newscrawl/warc/revisits': 4," in again.stderr
    assert "'newscrawl/warc/rechecks_changed_bytes': 1," in again.stderr
    assert check_file(second) == []


def test_warc_off_writes_no_capture_and_no_pointer(tmp_path: Path, site: FaultServer) -> None:
    """With NEWSCRAWL_WARC=0 no WARC file is written and no record carries a capture pointer."""
    out = tmp_path / "out"
    result = crawl(site.url, out, settings={"NEWSCRAWL_WARC": "0"})
    assert result.returncode == exitcodes.OK, result.stderr[-3000:]
    records = read_archive(out)
    assert len(records) == 5
    assert [r for r in records if "capture" in r] == []
    assert sorted(p.name for p in out.rglob("*") if ".warc" in p.name) == []
    assert "newscrawl/warc/" not in result.stderr


def test_sigkill_mid_crawl_then_rerun_leaves_every_warc_whole(tmp_path: Path) -> None:
    """After SIGKILL mid-crawl (and a torn WARC tail as a power cut leaves it) the next run publishes every
    WARC file whole: each reads cleanly to its end, every pointer resolves, each article is archived once."""
    from tests.archive_mirror import build
    from tests.test_archive_e2e import SLOW, part_lines

    articles = build(tmp_path / "mirror", 12)
    routes: dict[str, Any] = {}
    for path in (tmp_path / "mirror").rglob("*"):
        if path.is_file():
            rel = path.relative_to(tmp_path / "mirror").as_posix().removesuffix("index.html")
            body = path.read_bytes()
            kind = "text/plain" if rel.endswith("robots.txt") else "application/rss+xml" if "rss" in rel else "text/html"
            serve = page(body, kind)
            if "/news/2023/" in rel:

                def slow(h: Any, n: int, serve: Any = serve) -> None:
                    time.sleep(0.2)  # so that the kill lands mid-crawl
                    serve(h, n)

                routes[f"/{rel}"] = slow
            else:
                routes[f"/{rel}"] = serve
    server = FaultServer(routes).start()
    out = tmp_path / "out"
    try:
        proc = run_crawl("eurointegration", "lang=uk", mirror=server.url, output=out, settings=SLOW, wait=False)
        assert isinstance(proc, subprocess.Popen)
        try:
            deadline = time.monotonic() + 120
            while part_lines(out) < 3:
                assert proc.poll() is None, "the crawl ended before it could be killed"
                assert time.monotonic() < deadline, "no records written in time"
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
            proc.communicate(timeout=30)
        [part] = list(out.rglob("*.warc.gz.part"))
        whole = part.stat().st_size
        with part.open("ab") as fh:  # half a record, as a power cut mid-write would leave it
            fh.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + b"x" * 5000)[:700])
        assert check_file(part)[-1] == f"{part.name} at offset {whole}: damaged or torn after the last whole record"

        rerun = crawl(server.url, out)
        assert rerun.returncode == exitcodes.OK, rerun.stderr[-3000:]
    finally:
        server.stop()
    assert list(out.rglob("*.part")) == []
    records = read_archive(out)
    assert sorted(r["key"] for r in records) == sorted(a.key for a in articles)  # each article exactly once
    warcs = sorted(out.rglob("*.warc.gz"))
    assert len(warcs) == 2
    assert warcs[0].stat().st_size == whole  # the torn tail cut, nothing else
    for warc in warcs:
        assert check_file(warc) == []
        assert warc_records(warc)[0][0] == "warcinfo"
    pointed = {(r["capture"]["file"], r["capture"]["offset"]) for r in records}
    assert len(pointed) == len(records)  # no two records share a capture
    for record in records:
        got = read_capture(out, record["capture"])
        assert got.url == record["url"]
        assert got.warc_date == warc_date(record["crawled_at"])
    responses = [(w.relative_to(out).as_posix(), o, c.url) for w in warcs for o, _, c in iter_captures(w)]
    orphans = [r for r in responses if (r[0], r[1]) not in pointed]
    # At most the one article in flight between its capture and its line when the kill came: it was
    # fetched again by the rerun, and only the rerun's capture is pointed at.
    assert len(orphans) <= 1, orphans
    assert len(responses) == len(records) + len(orphans)
    check = verify(out)
    assert check.returncode == exitcodes.OK, check.stdout + check.stderr


def test_distributed_workers_each_write_their_own_warc(
    tmp_path: Path, serve_mirror: Callable[[Path], Mirror], redis: Any
) -> None:
    """Each worker of a distributed crawl writes its own WARC file beside its own JSONL file, and its
    records point into it."""
    from tests.mirror_bulk import build_bulk_mirror
    from tests.test_distributed import records_per_file, start_together, wait_all

    root = tmp_path / "bulk"
    expected = build_bulk_mirror(root, 40)
    mirror = serve_mirror(root)
    out = tmp_path / "output"
    procs = start_together(2, mirror, out, redis.url, tmp_path / "logs", NEWSCRAWL_REDIS_LEASE="60")
    assert wait_all(procs) == [exitcodes.OK] * 2, [p.stderr.read() for p in procs if p.stderr]
    records = read_archive(out)
    assert sorted(r["url"] for r in records) == sorted(e["url"] for e in expected)
    per_file = records_per_file(out)
    warcs = {p.name: p for p in out.rglob("*.warc.gz")}
    assert sorted(warcs) == sorted(name.removesuffix(".jsonl") + ".warc.gz" for name in per_file)
    for jsonl in out.rglob("*.jsonl"):
        warc = warcs[jsonl.name.removesuffix(".jsonl") + ".warc.gz"]
        lines = [json.loads(line) for line in jsonl.read_text("utf-8").splitlines()]
        assert {r["capture"]["file"] for r in lines} == {warc.relative_to(out).as_posix()}
        assert sorted(c.url for _, _, c in iter_captures(warc)) == sorted(
            read_capture(out, r["capture"]).url for r in lines
        )
        assert check_file(warc) == []
    assert list(out.rglob("*.part")) == []


def test_verify_names_each_article_whose_capture_is_missing_or_damaged(tmp_path: Path, site: FaultServer) -> None:
    """verify reports one line per article whose capture file is missing or damaged, exits 1, no traceback."""
    out = tmp_path / "out"
    assert crawl(site.url, out).returncode == exitcodes.OK
    first_records = read_archive(out)
    [first_warc] = list(out.rglob("*.warc.gz"))
    # a second run with one new article, so that one file can go missing and the other be damaged
    site.routes[f"{PREFIX}news/2023/05/10/7160004/"] = page(post_page(article(7160004)).encode())
    site.routes[f"{PREFIX}rss/"] = page(rss([article(7160004).url]), "application/rss+xml; charset=utf-8")
    assert crawl(site.url, out).returncode == exitcodes.OK
    [second_warc] = [p for p in out.rglob("*.warc.gz") if p != first_warc]
    [new] = [r for r in read_archive(out) if r not in first_records]

    first_warc.unlink()
    data = bytearray(second_warc.read_bytes())
    offset = new["capture"]["offset"]
    data[offset + new["capture"]["length"] - 8] ^= 0xFF  # the CRC-32 of its response record
    second_warc.write_bytes(bytes(data))

    check = verify(out)
    assert check.returncode == exitcodes.FAILED
    assert "Traceback" not in check.stderr
    lines = check.stdout.splitlines()
    jsonl_of = {r["key"]: r for r in first_records}
    missing = sorted(line for line in lines if "file missing" in line)
    assert len(missing) == 5
    for record in first_records:
        name = record["capture"]["file"]
        assert any(
            line.endswith(f": {record['key']} v1: {name} at offset {record['capture']['offset']}: file missing")
            for line in missing
        ), (record["key"], missing)
    assert set(jsonl_of) == {line.split(": ")[2].split(" ")[0] for line in missing}
    name = new["capture"]["file"]
    damaged = [line for line in lines if new["key"] in line]
    assert damaged == [
        f"capture: {second_file(out)}:1: {new['key']} v1: {name} at offset {offset}: damaged gzip "
        "(Error -3 while decompressing data: incorrect data check)"
    ]
    folder = name.rsplit("/", 1)[0]
    assert [line for line in lines if not line.startswith("capture: ") or " v1: " not in line] == [
        f"capture: {folder}/{second_warc.name} at offset {offset}: damaged or torn after the last whole record"
    ]
    assert check.stderr.splitlines()[-1].endswith(": 7 capture")


def second_file(out: Path) -> str:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*.jsonl"))[-1]
