"""Case 10, unbounded inputs: the CLI and the mirror server hold the crawl's bounds against hostile input.

``newscrawl extract`` refuses a page above ``DOWNLOAD_MAXSIZE`` (16 MiB), as saved or once inflated, with
one line, never inflating a gzip bomb in memory; ``newscrawl mirror serve`` answers 400 to a path with a
NUL byte or an over-long one, and closes a connection that stays silent.
"""

from __future__ import annotations

import gzip
import os
import resource
import socket
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from newscrawl import exitcodes
from newscrawl.cli import PageTooLarge, read_page
from newscrawl.mirror import MAX_PATH, make_server
from tests.conftest import ROOT, PeakRss

MIB = 1 << 20
LIMIT = 16 * MIB  # DOWNLOAD_MAXSIZE in newscrawl.settings
URL = "https://example.org/news/1.html"
# The CLI's peak memory: its imports (scrapy, trafilatura: about 65 MiB) and a few copies of at most
# DOWNLOAD_MAXSIZE (16 MiB) read or inflated; peaks of 81-137 MiB seen, by machine load. Unbounded, the
# 1 GiB bomb used 4.2 GB (and here dies of the 1 GiB address-space fail-safe below).
RSS_BOUND_KIB = 192 * 1024
ADDRESS_SPACE = 1 << 30  # fail-safe: an unbounded run dies of MemoryError instead of taking the machine


def gzip_bomb(path: Path, inflated_mib: int) -> None:
    """A gzip of ``<html><body><p>`` and zeros inflating to ``inflated_mib`` MiB, written in a second.

    Each MiB of zeros is one raw deflate segment ending in a full flush, which resets the compressor, so the
    same bytes repeat; the CRC is computed over the whole inflated text as gzip requires.
    """
    head = b"<html><body><p>"
    zeros = bytes(MIB)
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head + zeros[len(head) :]) + first.flush(zlib.Z_FULL_FLUSH)
    again = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = again.compress(zeros) + again.flush(zlib.Z_FULL_FLUSH)
    end = zlib.compressobj(9, zlib.DEFLATED, -15)
    final = end.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head + zeros[len(head) :])
    for _ in range(inflated_mib - 1):
        crc = zlib.crc32(zeros, crc)
    size = (inflated_mib * MIB) & 0xFFFFFFFF
    with path.open("wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        out.write(start)
        for _ in range(inflated_mib - 1):
            out.write(segment)
        out.write(final)
        out.write(crc.to_bytes(4, "little") + size.to_bytes(4, "little"))


def limit_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def extract(*args: str, stdin: Path | None = None) -> tuple[int, str, str, int]:
    """``newscrawl extract`` in a child: exit code, stdout, stderr and its peak memory (KiB, ``PeakRss``)."""
    with (stdin.open("rb") if stdin else open(os.devnull, "rb")) as source:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newscrawl.cli", "extract", *args, "--url", URL],
            cwd=ROOT, stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit_address_space,
        )
        peak = PeakRss(proc.pid)
        out: dict[str, bytes] = {}
        readers = [
            threading.Thread(target=lambda n=name: out.__setitem__(n, getattr(proc, n).read()), daemon=True)
            for name in ("stdout", "stderr")
        ]
        for reader in readers:
            reader.start()
        timer = threading.Timer(300, proc.kill)  # fail-safe only
        timer.start()
        try:
            _pid, status, _usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        for reader in readers:
            reader.join(timeout=30)
    return os.waitstatus_to_exitcode(status), out["stdout"].decode(), out["stderr"].decode(), peak.stop()


def test_gzip_bomb_is_refused_with_one_line_and_little_memory(tmp_path: Path) -> None:
    """A 1 MB gzip inflating to 1 GiB is refused past 16 MiB with one line, in under 192 MiB of memory."""
    bomb = tmp_path / "bomb.html.gz"
    gzip_bomb(bomb, 1024)
    assert bomb.stat().st_size < 2 * MIB
    code, out, err, peak_kib = extract(str(bomb))
    assert (code, out) == (exitcodes.FAILED, "")
    assert err.splitlines() == [f"newscrawl: error: not extracted: {bomb} is over {LIMIT} bytes once decompressed (DOWNLOAD_MAXSIZE)"]
    assert peak_kib < RSS_BOUND_KIB, peak_kib


def test_huge_page_is_refused_with_one_line_without_reading_it(tmp_path: Path) -> None:
    """A 50 MB page is refused at once (only DOWNLOAD_MAXSIZE + 1 bytes read), from a file and from stdin."""
    page = tmp_path / "huge.html"
    with page.open("wb") as out:
        out.write(b"<html><body>")
        paragraph = b"<p>" + b"word " * 200 + b"</p>\n"
        for _ in range(50 * MIB // len(paragraph)):
            out.write(paragraph)
    assert page.stat().st_size > 49 * MIB
    for args, stdin, name in (([str(page)], None, str(page)), (["-"], page, "-")):
        code, stdout, err, peak_kib = extract(*args, stdin=stdin)
        assert (code, stdout) == (exitcodes.FAILED, "")
        assert err.splitlines() == [f"newscrawl: error: not extracted: {name} is over {LIMIT} bytes (DOWNLOAD_MAXSIZE)"]
        assert peak_kib < RSS_BOUND_KIB, peak_kib


@pytest.mark.parametrize(("inflated", "refused"), [(1000, False), (1001, True)])
def test_read_page_bounds_the_inflated_size_exactly(tmp_path: Path, inflated: int, refused: bool) -> None:
    """A gzip inflating to the limit is read whole; one byte more is refused."""
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress(b"p" * inflated))
    if refused:
        with pytest.raises(PageTooLarge, match=r"^over 1000 bytes once decompressed "):
            read_page(str(page), 1000)
    else:
        assert read_page(str(page), 1000) == b"p" * 1000


@pytest.mark.parametrize(("size", "refused"), [(1000, False), (1001, True)])
def test_read_page_bounds_the_saved_size_exactly(tmp_path: Path, size: int, refused: bool) -> None:
    """A page of exactly the limit is read; one byte more is refused."""
    page = tmp_path / "page.html"
    page.write_bytes(b"p" * size)
    if refused:
        with pytest.raises(PageTooLarge, match=r"^over 1000 bytes \(DOWNLOAD_MAXSIZE\)$"):
            read_page(str(page), 1000)
    else:
        assert read_page(str(page), 1000) == b"p" * 1000


# --- newscrawl mirror serve ------------------------------------------------------------------------------
@pytest.fixture
def mirror_address(tmp_path: Path) -> Iterator[tuple[str, int]]:
    root = tmp_path / "mirror"
    (root / "example.org").mkdir(parents=True)
    (root / "example.org" / "index.html").write_text("<p>home</p>", encoding="utf-8")
    server = make_server(root, 0, "127.0.0.1", idle_timeout=0.5)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", server.server_address[1]
    server.shutdown()
    server.server_close()


def exchange(address: tuple[str, int], request: bytes) -> bytes:
    """Everything the server sends for ``request`` until it closes the connection."""
    with socket.create_connection(address, timeout=60) as conn:  # the timeout is a fail-safe only
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "path",
    [
        "/example.org/%00",
        "/example.org/a%00b/index.html",
        "/example.org/" + "a" * (MAX_PATH - 12),  # over the bound (8 KiB)
        "/example.org/" + "a" * 300,  # under it, but no file system takes a 300-byte name
        "http://[::1/example.org/",  # an absolute form whose host cannot be parsed
    ],
    ids=["nul", "nul-inside", "over-8KiB", "name-too-long", "bad-absolute-form"],
)
def test_mirror_answers_400_to_a_path_no_file_can_have(mirror_address: tuple[str, int], path: str) -> None:
    """A NUL byte or an over-long path gets a 400 answer and a clean close, not a dropped connection."""
    reply = exchange(mirror_address, f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert reply.split(b"\r\n", 1)[0] == b"HTTP/1.1 400 Bad Request"
    ok = exchange(mirror_address, b"GET /example.org/ HTTP/1.0\r\n\r\n")  # the server still answers
    assert ok.split(b"\r\n", 1)[0] == b"HTTP/1.1 200 OK" and ok.endswith(b"<p>home</p>")


@pytest.mark.parametrize("sent", [b"", b"GET /example.org/ HT"], ids=["silent", "half-a-request-line"])
def test_mirror_closes_an_idle_connection(mirror_address: tuple[str, int], sent: bytes) -> None:
    """A connection that sends nothing (or stops mid-line) is closed by the server after its idle timeout."""
    assert exchange(mirror_address, sent) == b""


def test_mirror_keeps_a_connection_open_between_requests(mirror_address: tuple[str, int]) -> None:
    """Two requests on one connection, as a live site and Scrapy's connection pool have it; a missing file
    is answered and the connection closed, then the idle timeout closes a quiet one."""
    two = b"GET /example.org/ HTTP/1.1\r\nHost: x\r\n\r\n" * 2 + b"GET /example.org/none HTTP/1.1\r\nHost: x\r\n\r\n"
    reply = exchange(mirror_address, two)
    assert reply.count(b"HTTP/1.1 200 OK\r\n") == 2 and reply.count(b"<p>home</p>") == 2
    assert reply.count(b"HTTP/1.1 404 ") == 1
    assert exchange(mirror_address, b"GET /example.org/ HTTP/1.1\r\nHost: x\r\n\r\n").endswith(b"<p>home</p>")
