"""Raw captures: the HTTP exchange behind every archived record, in a WARC/1.1 file beside the run's JSONL.

A run writes ``<site>/<YYYY>/<run name>.warc.gz`` next to ``<run name>.jsonl``: a ``warcinfo`` record first,
then for each archived article a ``response`` record (the status line, the headers and the body exactly as
the server sent them, content-encoding and all; only a chunked transfer coding is already undone) and its
``request`` record, and for an unchanged re-check a ``revisit`` record. Every record is its own gzip member,
so a record can be read from its offset alone. The JSONL record points at its response record::

    "capture": {"file": "<site>/<YYYY>/<run name>.warc.gz", "offset": N, "length": M, "digest": "sha1:BASE32"}

``offset``/``length`` are the gzip member's place in the file, ``digest`` the record's
``WARC-Payload-Digest`` (SHA-1 of the body as received). Like the JSONL, the file is written as a ``.part``,
fsynced before the index learns of the records that point into it, and renamed at close; a killed run's
``.part`` is cut back to its last whole record (:func:`repair`) and published by the next run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PART = ".part"
SUFFIX = ".warc.gz"
WARC_VERSION = "WARC/1.1"
# Headers a transfer coding the client already undid would misdescribe the stored body.
_HOP_HEADERS = frozenset({"transfer-encoding"})


class CaptureError(Exception):
    """A capture that cannot be read: missing file, bad offset, damaged gzip, or a digest that does not match.

    The message is one line naming the file and the offset.
    """


@dataclass(frozen=True)
class Exchange:
    """One HTTP exchange as the downloader saw it, before any decoding (what a response record holds)."""

    url: str  # the real URL (never a mirror's)
    status: int
    headers: list[tuple[str, str]]
    raw_body: bytes
    method: str = "GET"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class Captured:
    """A response record read back from a WARC file."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes  # as the spider got it: content-encoding removed
    raw_body: bytes  # as received
    content_type: str | None
    warc_date: str  # the WARC-Date as written (the record's crawled_at, in WARC's UTC form)
    request_headers: list[tuple[str, str]]
    digest: str  # WARC-Payload-Digest, "sha1:BASE32"


def payload_digest(body: bytes) -> str:
    """The WARC payload digest of ``body``: ``sha1:`` and the base32 SHA-1 (as warcio writes it)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def warc_date(crawled_at: str) -> str:
    """A record's ``crawled_at`` (``2026-05-01T10:00:00+00:00``) as a WARC-Date (``2026-05-01T10:00:00Z``)."""
    return crawled_at.removesuffix("+00:00") + "Z" if crawled_at.endswith("+00:00") else crawled_at


def crawled_at_of(date: str) -> str:
    """The inverse of :func:`warc_date`: the ``crawled_at`` a WARC-Date stands for."""
    return date.removesuffix("Z") + "+00:00" if date.endswith("Z") else date


def warc_name(jsonl_name: str) -> str:
    """The WARC file beside a run file (``x/2026/run.jsonl`` -> ``x/2026/run.warc.gz``)."""
    return jsonl_name.removesuffix(".gz").removesuffix(".jsonl") + SUFFIX


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


# How hard each record's gzip member is deflated. warcio's own gzip uses level 9. Measured on the three saved
# pages of the group (tests/fixtures/sites, 350 KB of HTML; benchmarks/README.md): level 1 took 3.3 ms and
# 120 KB, level 6 9.7 ms and 105 KB, so level 1 costs a third of the CPU for 14% more bytes. A body that
# arrived compressed (``Content-Encoding`` gzip, br, ...) is stored, not deflated again: deflating it gained
# nothing (104,766 bytes became 104,857) for 0.6 ms a page.
GZIP_LEVEL = 1
STORED = 0


def _record_bytes(build: Any, level: int = GZIP_LEVEL) -> bytes:
    """One record as one gzip member, built in memory so that it reaches the file in one ``write``."""
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False, warc_version=WARC_VERSION)
    build(writer)
    compressor = zlib.compressobj(level, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(buffer.getbuffer()) + compressor.flush()


def _codings(value: str | None) -> list[str]:
    """The content-codings a ``Content-Encoding`` value names, in the order the server applied them."""
    return [c.strip().lower() for c in (value or "").split(",") if c.strip()]


def _arrived_compressed(headers: list[tuple[str, str]]) -> bool:
    return any(
        coding != "identity"
        for name, value in headers
        if name.lower() == "content-encoding"
        for coding in _codings(value)
    )


class WarcWriter:
    """Appends records to ``<name>.part`` under ``root``; :meth:`close` fsyncs and renames it to ``name``.

    Each record goes in with one ``write`` of a whole gzip member; a short write (a full disk) is cut back,
    so the file never holds a torn record while its writer lives.
    """

    def __init__(self, root: Path, name: str, info: Mapping[str, str]) -> None:
        self.root = Path(root)
        self.name = name  # the final name relative to root, the one pointers use
        self.path = self.root / (name + PART)
        self.size = 0
        self.records = 0
        try:
            self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_EXCL, 0o644)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot create {self.path}: {exc.strerror}") from exc
        filename = Path(name).name
        self._append(_record_bytes(lambda w: w.write_record(w.create_warcinfo_record(filename, dict(info)))))

    def _append(self, data: bytes, records: int = 1) -> tuple[int, int]:
        offset = self.size
        try:
            written = os.write(self.fd, data)
        except OSError:
            os.ftruncate(self.fd, offset)
            raise
        if written != len(data):
            os.ftruncate(self.fd, offset)
            raise OSError(28, os.strerror(28))
        self.size += written
        self.records += records
        return offset, written

    def write_exchange(self, exchange: Exchange, date: str) -> dict[str, Any]:
        """Append the response record and its request record; returns the pointer to the response record.

        ``date``: the WARC-Date (the record's ``crawled_at`` through :func:`warc_date`).
        """
        digest = payload_digest(exchange.raw_body)
        response_id = WARCWriter._make_warc_id()

        def response(w: WARCWriter) -> None:
            http = StatusAndHeaders(_status_line(exchange.status), _stored_headers(exchange.headers), exchange.protocol)
            record = w.create_warc_record(
                exchange.url,
                "response",
                payload=io.BytesIO(exchange.raw_body),
                length=len(exchange.raw_body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": response_id, "WARC-Payload-Digest": digest},
            )
            w.write_record(record)

        def request(w: WARCWriter) -> None:
            parts = urlsplit(exchange.url)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            headers = list(exchange.request_headers)
            if not any(k.lower() == "host" for k, _ in headers):
                headers.insert(0, ("Host", parts.netloc))
            # Scrapy's HTTP/1.1 client asks in HTTP/1.1 whatever version the server answers in.
            version = "HTTP/2" if exchange.protocol == "HTTP/2" else "HTTP/1.1"
            http = StatusAndHeaders(f"{exchange.method} {target} {version}", headers, is_http_request=True)
            record = w.create_warc_record(
                exchange.url,
                "request",
                payload=io.BytesIO(b""),
                length=0,
                http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id},
            )
            w.write_record(record)

        level = STORED if _arrived_compressed(exchange.headers) else GZIP_LEVEL
        response_member = _record_bytes(response, level)
        # Both members in one write: a short write is cut back whole, as for one record.
        offset, _ = self._append(response_member + _record_bytes(request), records=2)
        return {"file": self.name, "offset": offset, "length": len(response_member), "digest": digest}

    def write_revisit(self, exchange: Exchange, date: str, refers_to: Mapping[str, str] | None = None) -> None:
        """Append a ``revisit`` record (identical-payload-digest profile): the headers, not the body again.

        ``refers_to``: ``{"uri": ..., "date": ...}`` of the earlier response record with the same payload.
        """
        digest = payload_digest(exchange.raw_body)

        def revisit(w: WARCWriter) -> None:
            http = StatusAndHeaders(_status_line(exchange.status), _stored_headers(exchange.headers), exchange.protocol)
            record = w.create_revisit_record(
                exchange.url,
                digest,
                (refers_to or {}).get("uri") or exchange.url,
                (refers_to or {}).get("date") or "",
                http_headers=http,
                warc_headers_dict={"WARC-Date": date},
            )
            if not (refers_to or {}).get("date"):
                record.rec_headers.remove_header("WARC-Refers-To-Date")
            w.write_record(record)

        self._append(_record_bytes(revisit))

    def sync(self) -> None:
        """Make every record written so far durable (before a pointer into them does)."""
        os.fsync(self.fd)

    def abandon(self) -> None:
        """fsync and close without publishing: the ``.part`` is left for the next run to repair and publish."""
        os.fsync(self.fd)
        os.close(self.fd)

    def close(self) -> Path:
        """fsync, rename the ``.part`` to the final name, fsync the folder; returns the final path."""
        os.fsync(self.fd)
        os.close(self.fd)
        final = self.root / self.name
        os.replace(self.path, final)
        _fsync_dir(final.parent)
        return final


def _stored_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k.lower() not in _HOP_HEADERS]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading ------------------------------------------------------------------------------------------
def members(path: Path) -> Iterator[tuple[int, int, bytes]]:
    """(offset, length, decompressed bytes) of each whole gzip member holding one whole WARC record.

    Stops at the first member that is torn, not gzip, or does not hold exactly one whole record (a killed
    writer's tail, or damage); :func:`whole_end` says where that is.
    """
    with path.open("rb") as fh:
        data = b""
        offset = 0
        eof = False
        while True:
            while len(data) < 2 and not eof:
                chunk = fh.read(1 << 20)
                eof = not chunk
                data += chunk
            if not data:
                return
            inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
            out: list[bytes] = []
            used = 0
            try:
                while True:
                    out.append(inflater.decompress(data))
                    if inflater.eof:
                        rest = inflater.unused_data
                        used += len(data) - len(rest)
                        data = rest
                        break
                    used += len(data)
                    data = fh.read(1 << 20)
                    if not data:
                        return  # torn: the member never ends
            except zlib.error:
                return
            record = b"".join(out)
            if not _one_record(record):
                return
            yield offset, used, record
            offset += used


def _one_record(data: bytes) -> bool:
    head, sep, _ = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        return False
    length = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return False
    return length is not None and len(data) == len(head) + 4 + length + 4 and data.endswith(b"\r\n\r\n")


def whole_end(path: Path) -> int:
    """The byte where the last whole record of a WARC file ends (its size when nothing is torn)."""
    end = 0
    for offset, length, _ in members(path):
        end = offset + length
    return end


def repair(path: Path) -> int:
    """Cut a WARC file back to its last whole record, fsync it; returns the bytes cut."""
    end = whole_end(path)
    size = path.stat().st_size
    if size != end:
        with path.open("r+b") as fh:
            fh.truncate(end)
            os.fsync(fh.fileno())
    return size - end


def publish_part(path: Path) -> Path:
    """A dead writer's ``.part``: cut its torn tail, rename it to its final name; returns that."""
    repair(path)
    final = path.with_name(path.name.removesuffix(PART))
    os.replace(path, final)
    _fsync_dir(final.parent)
    return final


def _parse(data: bytes, where: str, request: bytes = b"") -> Captured:
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data), ensure_http_headers=False)))
        raw_body = record.raw_stream.read()
        kind = record.rec_headers.get_header("WARC-Type")
        if kind != "response" or record.http_headers is None:
            raise CaptureError(f"{where}: a {kind} record, not a response")
        headers = [(str(k), str(v)) for k, v in record.http_headers.headers]
        body = _decoded(raw_body, record.http_headers.get_header("Content-Encoding"), where)
        return Captured(
            url=record.rec_headers.get_header("WARC-Target-URI") or "",
            status=int(record.http_headers.get_statuscode() or 0),
            headers=headers,
            body=body,
            raw_body=raw_body,
            content_type=record.http_headers.get_header("Content-Type"),
            warc_date=record.rec_headers.get_header("WARC-Date") or "",
            request_headers=_request_headers(request, record.rec_headers.get_header("WARC-Record-ID")),
            digest=record.rec_headers.get_header("WARC-Payload-Digest") or "",
        )
    except (ArchiveLoadFailed, StopIteration, ValueError, EOFError) as exc:
        raise CaptureError(f"{where}: not a readable WARC record ({exc})") from None


def _request_headers(data: bytes, response_id: str | None) -> list[tuple[str, str]]:
    """The headers of the request record ``data`` when it is the one concurrent to ``response_id``."""
    if not data or not response_id:
        return []
    try:
        record = next(iter(ArchiveIterator(io.BytesIO(data))))
    except (ArchiveLoadFailed, StopIteration, ValueError, EOFError):
        return []
    if record.rec_headers.get_header("WARC-Concurrent-To") != response_id or record.http_headers is None:
        return []
    return [(str(k), str(v)) for k, v in record.http_headers.headers]


def _next_member(fh: Any) -> bytes:
    """The decompressed gzip member at the file's position (its request record), or b"" if there is none."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    out = b""
    try:
        while not inflater.eof and len(out) < REQUEST_MAX:
            chunk = fh.read(1 << 14)
            if not chunk:
                return b""
            out += inflater.decompress(chunk)
    except zlib.error:
        return b""
    return out if inflater.eof and _one_record(out) else b""


REQUEST_MAX = 1 << 20  # a request record is headers only; more than this is no request record of ours


def _decoded(raw: bytes, encoding: str | None, where: str) -> bytes:
    """The body with its content-encodings undone, as Scrapy's HttpCompressionMiddleware gives it."""
    body = raw
    for coding in reversed(_codings(encoding)):
        try:
            if coding in ("gzip", "x-gzip"):
                body = zlib.decompress(body, zlib.MAX_WBITS | 32)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli

                body = brotli.decompress(body)
            elif coding == "zstd":
                import zstandard

                body = zstandard.ZstdDecompressor().decompressobj().decompress(body)
            elif coding != "identity":
                raise CaptureError(f"{where}: unknown content-encoding {coding!r}")
        except CaptureError:
            raise
        except Exception as exc:  # zlib.error, brotli.error, zstandard's, a missing decoder module
            raise CaptureError(f"{where}: body does not decode as {coding} ({exc})") from None
    return body


def capture_path(output_root: Path, name: str) -> Path | None:
    """The file a pointer names: the published one, else the ``.part`` a running crawl still writes."""
    final = Path(output_root) / name
    if final.exists():
        return final
    part = final.with_name(final.name + PART)
    return part if part.exists() else None


def read_capture(output_root: Path, capture: Mapping[str, Any]) -> Captured:
    """The response record a JSONL record's ``capture`` pointer names, checked against its digest.

    Raises :class:`CaptureError` (one line naming the file and offset) for a missing file, an offset or
    length that is not a whole record, damaged gzip, or a payload whose SHA-1 is not the pointer's digest.
    """
    where, data, request = _load(Path(output_root), capture, None, with_request=True)
    captured = _parse(data, where, request)
    actual = payload_digest(captured.raw_body)
    expected = str(capture.get("digest") or "")
    if actual != expected or captured.digest != expected:
        raise CaptureError(f"{where}: digest mismatch (pointer {expected}, payload {actual})")
    return captured


def check_capture(output_root: Path, capture: Mapping[str, Any], files: dict[str, Any] | None = None) -> None:
    """:func:`read_capture`'s checks without building the record (what ``archive verify`` runs per record).

    ``files``: open file handles by name, kept by the caller across calls (close them with
    :func:`close_files`), so that the records of one WARC file do not open it once each.
    """
    where, data, _ = _load(Path(output_root), capture, files, with_request=False)
    head, _, block = data.partition(b"\r\n\r\n")
    fields = {}
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        fields[key.strip().lower()] = value.strip().decode("utf-8", "replace")
    if fields.get(b"warc-type") != "response":
        raise CaptureError(f"{where}: a {fields.get(b'warc-type')} record, not a response")
    http_head, sep, rest = block.partition(b"\r\n\r\n")
    if not sep or not http_head.startswith(b"HTTP/"):
        raise CaptureError(f"{where}: not a readable WARC record (no HTTP response in it)")
    actual = payload_digest(rest[:-4])  # the record ends with two CRLF after its block
    expected = str(capture.get("digest") or "")
    if actual != expected or fields.get(b"warc-payload-digest") != expected:
        raise CaptureError(f"{where}: digest mismatch (pointer {expected}, payload {actual})")


def close_files(files: dict[str, Any]) -> None:
    for fh in files.values():
        if fh is not None:
            fh.close()
    files.clear()


def _load(
    root: Path, capture: Mapping[str, Any], files: dict[str, Any] | None, *, with_request: bool
) -> tuple[str, bytes, bytes]:
    """(where, the decompressed response record, the decompressed record after it when asked)."""
    name = str(capture.get("file") or "")
    offset, length = capture.get("offset"), capture.get("length")
    where = f"{name} at offset {offset}"
    if not name or not isinstance(offset, int) or not isinstance(length, int) or offset < 0 or length <= 0:
        raise CaptureError(f"{where}: not a capture pointer")
    if Path(name).is_absolute() or ".." in Path(name).parts:
        raise CaptureError(f"{where}: the file is outside the archive")
    request = b""
    try:
        if files is not None and name in files:
            fh = files[name]
        else:
            path = capture_path(root, name)
            fh = path.open("rb") if path is not None else None
            if files is not None:
                files[name] = fh
        if fh is None:
            raise CaptureError(f"{where}: file missing")
        try:
            fh.seek(offset)
            compressed = fh.read(length)
            if with_request and len(compressed) == length:
                request = _next_member(fh)
        finally:
            if files is None:
                fh.close()
    except OSError as exc:
        raise CaptureError(f"{where}: cannot read ({exc.strerror})") from None
    if len(compressed) != length:
        raise CaptureError(f"{where}: the file ends before the record does")
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        data = inflater.decompress(compressed)
    except zlib.error as exc:
        raise CaptureError(f"{where}: damaged gzip ({exc})") from None
    if not inflater.eof or inflater.unused_data:
        raise CaptureError(f"{where}: not one whole gzip member")
    if not _one_record(data):
        raise CaptureError(f"{where}: not one whole WARC record")
    return where, data, request


def iter_captures(path: Path) -> Iterator[tuple[int, int, Captured]]:
    """(offset, length, record) of every response record of a WARC file, in file order; stops at a torn tail."""
    for offset, length, data in members(path):
        if b"WARC-Type: response\r\n" not in data.partition(b"\r\n\r\n")[0]:
            continue
        yield offset, length, _parse(data, f"{path.name} at offset {offset}")


def read_warcinfo(path: Path) -> dict[str, str]:
    """The fields of a WARC file's ``warcinfo`` record (``software``, ``site``, ``spider``, ``tz`` when the
    crawl had one ...); raises :class:`CaptureError` when the file does not start with one."""
    for _, _, data in members(path):
        head, _, block = data.partition(b"\r\n\r\n")
        if b"\r\nWARC-Type: warcinfo\r\n" not in head + b"\r\n":
            break
        fields = {}
        for line in block.removesuffix(b"\r\n\r\n").decode("utf-8", "replace").split("\r\n"):
            name, sep, value = line.partition(": ")
            if sep:
                fields[name] = value
        return fields
    raise CaptureError(f"{path.name} at offset 0: no warcinfo record")


def check_file(path: Path) -> list[str]:
    """What is wrong with a WARC file, as lines (empty: it reads cleanly to the end, every digest right)."""
    problems: list[str] = []
    end = 0
    for offset, length, data in members(path):
        end = offset + length
        try:
            for record in ArchiveIterator(io.BytesIO(data), check_digests=True):
                record.content_stream().read()
                if record.digest_checker.passed is False:
                    problems.append(f"{path.name} at offset {offset}: {'; '.join(record.digest_checker.problems)}")
        except (ArchiveLoadFailed, ValueError, EOFError) as exc:
            problems.append(f"{path.name} at offset {offset}: not a readable WARC record ({exc})")
    size = path.stat().st_size
    if end != size:
        problems.append(f"{path.name} at offset {end}: damaged or torn after the last whole record")
    return problems
