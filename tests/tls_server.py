"""A mirror behind a TLS-fingerprinting bot wall: HTTPS on 127.0.0.1 that reads each ClientHello first.

Before the handshake, the server peeks at the client's first TLS record (``MSG_PEEK``, so the handshake
still gets it whole), parses the ClientHello's cipher suites and extensions, and calls the client
*Chrome-like* when both carry GREASE values (RFC 8701: ``0x?A?A`` with equal bytes), which BoringSSL
sends (Chrome, Chromium, curl_cffi's chrome profiles) and OpenSSL (Scrapy/Twisted, Python's ``ssl``,
plain curl) never does. Paths the test walls answer other clients with a Cloudflare-style 403 challenge
(``cf-mitigated: challenge``, ``server: cloudflare``, "Just a moment..."); everything else is the mirror.
The certificate is self-signed, made at start-up with ``cryptography``.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newscrawl.mirror import make_handler

CHALLENGE_BODY = (
    b"<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
    b"<meta http-equiv=\"refresh\" content=\"390\"></head><body><div class=\"main-wrapper\" role=\"main\">"
    b"<div class=\"main-content\"><noscript>Enable JavaScript and cookies to continue</noscript></div></div>"
    b"<script>(function(){window._cf_chl_opt={cvId: '3',cZone: 'www.pravda.com.ua',cType: 'managed'};"
    b"var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';"
    b"document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"
)


def is_grease(value: int) -> bool:
    return value & 0x0F0F == 0x0A0A and value >> 8 == value & 0xFF


@dataclass(frozen=True)
class ClientHello:
    ciphers: tuple[int, ...]
    extensions: tuple[int, ...]

    @property
    def chrome_like(self) -> bool:
        return any(map(is_grease, self.ciphers)) and any(map(is_grease, self.extensions))


def parse_client_hello(record: bytes) -> ClientHello | None:
    """The cipher suites and extension types of a TLS record holding a ClientHello; None for anything else."""
    try:
        if record[0] != 0x16 or record[5] != 0x01:  # handshake record, ClientHello message
            return None
        pos = 5 + 4 + 2 + 32  # record header, handshake header, client_version, random
        pos += 1 + record[pos]  # session id
        (n,) = struct.unpack_from("!H", record, pos)
        ciphers = struct.unpack_from(f"!{n // 2}H", record, pos + 2)
        pos += 2 + n
        pos += 1 + record[pos]  # compression methods
        (total,) = struct.unpack_from("!H", record, pos)
        pos += 2
        end = pos + total
        extensions = []
        while pos + 4 <= end:
            kind, length = struct.unpack_from("!HH", record, pos)
            extensions.append(kind)
            pos += 4 + length
        return ClientHello(tuple(ciphers), tuple(extensions))
    except (IndexError, struct.error):
        return None


def peek_client_hello(sock: socket.socket) -> ClientHello | None:
    """Wait for the client's whole first TLS record without consuming it."""
    sock.settimeout(30)  # a fail-safe against a client that never speaks
    want = 5
    data = b""
    while len(data) < want:
        # MSG_WAITALL: block until the record is buffered whole (MSG_PEEK alone returns what has arrived)
        data = sock.recv(want, socket.MSG_PEEK | socket.MSG_WAITALL)
        if not data:
            return None
        if len(data) >= 5:
            want = 5 + struct.unpack_from("!H", data, 3)[0]
    return parse_client_hello(data)


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@dataclass
class Hit:
    path: str
    chrome_like: bool
    walled: bool
    user_agent: str = ""
    sender: str = ""  # the From header


@dataclass
class WallLog:
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)


# Which wall a request meets: (path, Chrome-like hello, Cookie header) -> the wall's status (or its status and
# body), or None for content.
Walls = Callable[[str, bool, str], int | tuple[int, bytes] | None]


def tls_wall(walled: Callable[[str], bool]) -> Walls:
    """The 2026 pattern: the paths ``walled`` names answer 403 to every client whose hello is not Chrome's."""
    return lambda path, chrome_like, cookie: None if chrome_like or not walled(path) else 403


class TLSWallServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, cert: tuple[Path, Path], walls: Walls, log: WallLog, body: bytes) -> None:
        base = make_handler(root, None)
        self.walls = walls
        self.wall_log = log

        class Handler(base):  # type: ignore[misc, valid-type]
            def do_GET(self) -> None:
                chrome_like = bool(getattr(self.request, "chrome_like", False))
                wall = self.server.walls(self.path, chrome_like, self.headers.get("Cookie") or "")  # type: ignore[attr-defined]
                hit = Hit(self.path, chrome_like, wall is not None, self.headers.get("User-Agent") or "",
                          self.headers.get("From") or "")
                self.server.wall_log.add(hit)  # type: ignore[attr-defined]
                if wall is None:
                    super().do_GET()
                    return
                status, page = wall if isinstance(wall, tuple) else (wall, body)
                self.send_response(status)
                self.send_header("Server", "cloudflare")
                if status != 200:  # a 200 interstitial is known by its body alone
                    self.send_header("cf-mitigated", "challenge")
                self.send_header("Content-Type", "text/html; charset=UTF-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

        super().__init__(("127.0.0.1", 0), Handler)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(cert[0]), str(cert[1]))
        self.context.set_alpn_protocols(["http/1.1"])  # a Chrome hello offers h2 too; this server speaks 1.1

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            hello = peek_client_hello(request)
            tls = self.context.wrap_socket(request, server_side=True)
        except (OSError, ssl.SSLError):
            return  # a client that gave up or spoke no TLS
        tls.chrome_like = hello is not None and hello.chrome_like  # type: ignore[attr-defined]
        try:
            self.RequestHandlerClass(tls, client_address, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with contextlib.suppress(OSError):
                tls.close()


@dataclass
class WallMirror:
    url: str
    log: WallLog
    server: TLSWallServer

    def requested(self, chrome_like: bool | None = None, walled: bool | None = None) -> list[str]:
        with self.log.lock:
            return [
                h.path
                for h in self.log.hits
                if (chrome_like is None or h.chrome_like == chrome_like) and (walled is None or h.walled == walled)
            ]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_wall(root: Path, folder: Path, walls: Walls, body: bytes = CHALLENGE_BODY) -> WallMirror:
    """Serve the mirror folder ``root`` over HTTPS; ``walls`` decides which requests get the wall ``body``."""
    log = WallLog()
    server = TLSWallServer(root, self_signed(folder), walls, log, body)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return WallMirror(f"https://127.0.0.1:{server.server_address[1]}", log, server)
