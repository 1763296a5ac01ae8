"""The WARC capture file: written record by record, read back by pointer, repaired after a kill."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from newscrawl.archive.warc import (
    CaptureError,
    Exchange,
    WarcWriter,
    check_capture,
    check_file,
    close_files,
    crawled_at_of,
    iter_captures,
    payload_digest,
    read_capture,
    read_warcinfo,
    repair,
    warc_date,
)

PAGE = "<html><head><meta charset=windows-1251></head><body>Євроінтеграція</body></html>".encode("cp1251")


def exchange(body: bytes = PAGE, encoding: str | None = None) -> Exchange:
    headers = [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return Exchange(
        url="https://www.eurointegration.com.ua/news/2026/05/1/7000001/",
        status=200,
        headers=headers,
        raw_body=gzip.compress(body) if encoding == "gzip" else body,
        request_headers=[("User-Agent", "newscrawl/0.1.0"), ("Accept-Encoding", "gzip")],
    )


def writer(root: Path) -> WarcWriter:
    (root / "eurointegration" / "2026").mkdir(parents=True, exist_ok=True)
    return WarcWriter(root, "eurointegration/2026/run.warc.gz", {"software": "newscrawl/0.1.0", "tz": "Europe/Kyiv"})


def test_a_pointer_reads_back_the_exchange_as_received_and_as_decoded(tmp_path: Path) -> None:
    """A pointer gives back the body as the server sent it and as the spider read it, with its date."""
    w = writer(tmp_path)
    plain = w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    packed = w.write_exchange(exchange(encoding="gzip"), "2026-05-01T10:00:01Z")
    w.close()
    assert plain["file"] == "eurointegration/2026/run.warc.gz"
    assert plain["digest"] == payload_digest(PAGE)
    got = read_capture(tmp_path, plain)
    assert (got.body, got.raw_body, got.status, got.warc_date) == (PAGE, PAGE, 200, "2026-05-01T10:00:00Z")
    assert got.url == "https://www.eurointegration.com.ua/news/2026/05/1/7000001/"
    assert got.headers == [("Content-Type", "text/html")]  # the undone transfer coding is not claimed
    assert got.request_headers == [
        ("Host", "www.eurointegration.com.ua"),
        ("User-Agent", "newscrawl/0.1.0"),
        ("Accept-Encoding", "gzip"),
    ]
    zipped = read_capture(tmp_path, packed)
    assert zipped.body == PAGE
    assert zipped.raw_body == gzip.compress(PAGE)
    assert zipped.digest == payload_digest(gzip.compress(PAGE))
    assert zipped.content_type == "text/html"
    assert [(o, n) for o, n, _ in iter_captures(tmp_path / plain["file"])] == [
        (plain["offset"], plain["length"]),
        (packed["offset"], packed["length"]),
    ]
    assert check_file(tmp_path / plain["file"]) == []
    files: dict[str, object] = {}
    check_capture(tmp_path, plain, files)
    check_capture(tmp_path, packed, files)
    assert list(files) == [plain["file"]]  # opened once for both
    close_files(files)


def test_every_record_is_its_own_gzip_member_that_warcio_reads(tmp_path: Path) -> None:
    """warcio reads the file to the end: warcinfo, then response and request per exchange, then revisit."""
    w = writer(tmp_path)
    pointer = w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    w.write_revisit(exchange(), "2026-05-02T10:00:00Z", {"uri": exchange().url, "date": "2026-05-01T10:00:00Z"})
    final = w.close()
    with final.open("rb") as fh:
        records = [
            (r.rec_headers.get_header("WARC-Type"), r.rec_headers.get_header("WARC-Date"))
            for r in ArchiveIterator(fh)
        ]
    assert [t for t, _ in records] == ["warcinfo", "response", "request", "revisit"]
    assert records[1:] == [
        ("response", "2026-05-01T10:00:00Z"),
        ("request", "2026-05-01T10:00:00Z"),
        ("revisit", "2026-05-02T10:00:00Z"),
    ]
    with final.open("rb") as fh:
        info = next(iter(ArchiveIterator(fh))).content_stream().read()
    assert info == b"software: newscrawl/0.1.0\r\ntz: Europe/Kyiv\r\n"
    assert read_warcinfo(final) == {"software": "newscrawl/0.1.0", "tz": "Europe/Kyiv"}
    revisit = gzip.decompress(final.read_bytes()[pointer["offset"] + pointer["length"] :])
    assert b"WARC-Profile: http://netpreserve.org/warc/1.1/revisit/identical-payload-digest\r\n" in revisit
    assert f"WARC-Payload-Digest: {pointer['digest']}\r\n".encode() in revisit


def test_a_body_that_arrived_compressed_is_stored_and_a_plain_one_deflated(tmp_path: Path) -> None:
    """Deflating gzip bytes again gains nothing: that record's member is stored (deflate block type 0, the
    bytes readable in the file); a plain body is deflated. Both read back byte for byte."""
    text = ("<p>" + "Європейська правда. " * 300 + "</p>").encode()
    w = writer(tmp_path)
    plain = w.write_exchange(exchange(text), "2026-05-01T10:00:00Z")
    packed = w.write_exchange(exchange(text, encoding="gzip"), "2026-05-01T10:00:01Z")
    final = w.close()
    data = final.read_bytes()

    def member(pointer: dict[str, object]) -> bytes:
        return data[int(str(pointer["offset"])) : int(str(pointer["offset"])) + int(str(pointer["length"]))]

    wire = gzip.compress(text)
    assert wire in member(packed)  # stored: the gzip-encoded body lies in the file as it came
    assert member(packed)[10] & 0b110 == 0  # the first deflate block's type: 00, stored
    assert len(member(plain)) < len(text) // 10  # deflated
    assert read_capture(tmp_path, plain).raw_body == text
    assert read_capture(tmp_path, packed).raw_body == wire
    assert read_capture(tmp_path, packed).body == text
    assert check_file(final) == []


def test_crawled_at_and_warc_date_map_both_ways() -> None:
    """A record's crawled_at comes back byte for byte from the WARC-Date written for it."""
    assert warc_date("2026-05-01T10:00:00+00:00") == "2026-05-01T10:00:00Z"
    assert crawled_at_of("2026-05-01T10:00:00Z") == "2026-05-01T10:00:00+00:00"


def test_a_torn_tail_is_cut_back_to_the_last_whole_record(tmp_path: Path) -> None:
    """A kill in the middle of a record leaves a file that repair cuts back to its last whole record."""
    w = writer(tmp_path)
    pointer = w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    whole = w.size
    w.write_exchange(exchange(encoding="gzip"), "2026-05-01T10:00:01Z")
    w.sync()
    data = w.path.read_bytes()
    w.path.write_bytes(data[: whole + 30])  # the second response record torn
    assert check_file(w.path) == [f"run.warc.gz.part at offset {whole}: damaged or torn after the last whole record"]
    assert repair(w.path) == 30
    assert w.path.stat().st_size == whole
    assert check_file(w.path) == []
    assert read_capture(tmp_path, pointer).body == PAGE  # a running crawl's .part is read too


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("missing", "eurointegration/2026/run.warc.gz at offset {offset}: file missing"),
        ("offset", "eurointegration/2026/run.warc.gz at offset {offset}: damaged gzip (Error -3 while decompressing "
         "data: incorrect header check)"),
        ("digest", "eurointegration/2026/run.warc.gz at offset {offset}: digest mismatch (pointer sha1:AAAA, "
         "payload {digest})"),
        ("short", "eurointegration/2026/run.warc.gz at offset {offset}: the file ends before the record does"),
        ("flipped", "eurointegration/2026/run.warc.gz at offset {offset}: damaged gzip (Error -3 while "
         "decompressing data: incorrect data check)"),
    ],
)
def test_a_capture_that_cannot_be_read_raises_one_line(tmp_path: Path, damage: str, message: str) -> None:
    """Every way a capture can be unreadable raises CaptureError with one line naming the file and offset."""
    w = writer(tmp_path)
    pointer = w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    final = w.close()
    expected = message.format(offset=pointer["offset"] + (1 if damage == "offset" else 0), digest=pointer["digest"])
    if damage == "missing":
        final.unlink()
    elif damage == "offset":
        pointer = {**pointer, "offset": pointer["offset"] + 1}
    elif damage == "digest":
        pointer = {**pointer, "digest": "sha1:AAAA"}
    elif damage == "short":
        final.write_bytes(final.read_bytes()[: pointer["offset"] + 10])
    elif damage == "flipped":
        data = bytearray(final.read_bytes())
        data[pointer["offset"] + pointer["length"] - 8] ^= 0xFF  # the member's CRC-32: the bytes changed
        final.write_bytes(bytes(data))
    with pytest.raises(CaptureError) as raised:
        read_capture(tmp_path, pointer)
    assert str(raised.value) == expected
    assert "\n" not in str(raised.value)
    files: dict[str, object] = {}
    with pytest.raises(CaptureError) as checked:  # verify's check, with its open files kept
        check_capture(tmp_path, pointer, files)
    close_files(files)
    assert str(checked.value) == expected


def test_read_capture_refuses_a_path_outside_the_archive(tmp_path: Path) -> None:
    """A pointer naming a file outside the output folder is refused, not followed."""
    with pytest.raises(CaptureError, match=r"^\.\./x\.warc\.gz at offset 0: the file is outside the archive$"):
        read_capture(tmp_path, {"file": "../x.warc.gz", "offset": 0, "length": 10, "digest": "sha1:A"})


def test_a_full_disk_leaves_no_torn_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A short write is cut back: the file keeps only whole records."""
    w = writer(tmp_path)
    before = w.size
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, data[:20]))
    with pytest.raises(OSError, match="No space left on device"):
        w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    monkeypatch.undo()
    assert w.path.stat().st_size == before
    w.close()
    assert check_file(tmp_path / "eurointegration/2026/run.warc.gz") == []


def test_the_documented_capture_reader_reads_the_body_as_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The warcio snippet of docs/archive.md reads a record's capture: the body exactly as the server sent it."""
    import json

    from newscrawl.core.record import dumps
    from tests.test_docs import ROOT, code_blocks

    [code] = [c for c in code_blocks((ROOT / "docs" / "archive.md").read_text("utf-8"), "python") if "capture" in c]
    root = tmp_path / "output"
    name = "eurointegration/2026/eurointegration-20261129T061500Z-4242"
    (root / "eurointegration" / "2026").mkdir(parents=True)
    w = WarcWriter(root, f"{name}.warc.gz", {"software": "newscrawl"})
    w.write_exchange(exchange(encoding="gzip"), "2026-05-01T09:59:00Z")  # another page first: offset > 0
    pointer = w.write_exchange(exchange(encoding="gzip"), "2026-05-01T10:00:00Z")
    w.close()
    (root / f"{name}.jsonl").write_bytes(dumps({"key": "eurointegration:uk:7000001", "capture": pointer}))
    monkeypatch.chdir(tmp_path)
    scope: dict[str, object] = {}
    exec(code, scope)
    assert scope["raw"] == gzip.compress(PAGE)
    assert json.loads((root / f"{name}.jsonl").read_text())["capture"]["offset"] > 0


def test_reindex_publishes_a_killed_runs_warc_cut_to_its_last_whole_record(tmp_path: Path) -> None:
    """reindex (like the next crawl) cuts a killed run's WARC .part back to its last whole record and
    publishes it, so every pointer of the finished JSONL resolves."""
    from newscrawl.archive.store import capture_files
    from newscrawl.archive.tools import reindex
    from newscrawl.core.record import dumps

    root = tmp_path / "output"
    w = writer(root)
    pointer = w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    whole = w.size
    w.write_exchange(exchange(encoding="gzip"), "2026-05-01T10:00:01Z")
    w.sync()
    os.close(w.fd)  # killed: the .part stays, its last record torn below
    w.path.write_bytes(w.path.read_bytes()[: whole + 50])
    record = {
        "key": "eurointegration:uk:7000001", "site": "eurointegration", "lang": "uk",
        "url": "https://www.eurointegration.com.ua/news/2026/05/1/7000001/", "content_hash": "sha256:x",
        "version": 1, "crawled_at": "2026-05-01T10:00:00+00:00", "capture": pointer,
    }
    (root / "eurointegration/2026/run.jsonl.part").write_bytes(dumps(record))
    assert reindex(root).records == 1
    assert capture_files(root, parts=True) == []
    [published] = capture_files(root)
    assert published == root / "eurointegration/2026/run.warc.gz"
    assert published.stat().st_size == whole
    assert check_file(published) == []
    assert read_capture(root, pointer).body == PAGE


def test_a_line_whose_capture_the_disk_never_got_is_cut_from_a_killed_run(tmp_path: Path) -> None:
    """A killed run's line that points past the end of its (repaired) WARC file is cut, not indexed: the
    article is fetched again rather than archived with a capture that does not resolve."""
    from newscrawl.archive.store import Archive
    from newscrawl.core.record import dumps

    root = tmp_path / "output"
    w = writer(root)
    kept = w.write_exchange(exchange(), "2026-05-01T10:00:00Z")
    whole = w.size
    lost = w.write_exchange(exchange(encoding="gzip"), "2026-05-01T10:00:01Z")
    os.close(w.fd)
    w.path.write_bytes(w.path.read_bytes()[:whole])  # a power cut: the second record never reached the disk

    def record(n: int, capture: dict[str, object]) -> dict[str, object]:
        return {
            "key": f"eurointegration:uk:700000{n}", "site": "eurointegration", "lang": "uk",
            "url": f"https://www.eurointegration.com.ua/news/2026/05/1/700000{n}/", "content_hash": "sha256:x",
            "version": 1, "crawled_at": "2026-05-01T10:00:00+00:00", "capture": capture,
        }

    jsonl = root / "eurointegration/2026/run.jsonl.part"
    jsonl.write_bytes(dumps(record(1, kept)) + dumps(record(2, lost)))
    archive = Archive(root, "eurointegration")
    try:
        assert archive.reconcile() == 1
        assert archive.index.get("eurointegration:uk:7000001") is not None
        assert archive.index.get("eurointegration:uk:7000002") is None
    finally:
        archive.close()
    assert (root / "eurointegration/2026/run.jsonl").read_bytes() == dumps(record(1, kept))
    assert read_capture(root, kept).body == PAGE


def test_the_warcinfo_names_the_software_and_the_extraction_arguments() -> None:
    """A run's warcinfo names the software, the site, and the news spider's -a tz= when given."""
    from types import SimpleNamespace
    from typing import Any, cast

    from newscrawl.capture import warcinfo

    spider = SimpleNamespace(name="news", site_key=None, tz="America/New_York")
    info = warcinfo(cast(Any, SimpleNamespace(spider=spider)))
    assert info["software"].startswith("newscrawl/")
    assert (info["site"], info["spider"], info["tz"]) == ("news", "news", "America/New_York")
    assert "tz" not in warcinfo(cast(Any, SimpleNamespace(spider=SimpleNamespace(name="eurointegration", tz=None))))
