"""A throw-away ``redis-server`` on a free 127.0.0.1 port, for the distributed tests and benchmark."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    def __init__(
        self, folder: Path, *, durable: bool = False, args: tuple[str, ...] = (), tls: bool = False
    ) -> None:
        self.folder = folder
        self.port = free_port()
        self.durable = durable  # AOF with fsync on every write: survives a restart
        self.args = args  # more redis-server options (``--user ...`` for an ACL user)
        self.tls = tls  # TLS only (no plain port), with a self-signed certificate for 127.0.0.1
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def cert(self) -> Path:
        return self.folder / "cert.pem"

    @property
    def url(self) -> str:
        if self.tls:
            return f"rediss://127.0.0.1:{self.port}/0?ssl_ca_certs={self.cert}"
        return f"redis://127.0.0.1:{self.port}/0"

    def _tls_args(self) -> list[str]:
        if not self.tls:
            return ["--port", str(self.port)]
        key = self.folder / "key.pem"
        if not self.cert.exists():
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                 "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(self.cert)],
                check=True,
                capture_output=True,
            )
        return ["--port", "0", "--tls-port", str(self.port), "--tls-cert-file", str(self.cert), "--tls-key-file",
                str(key), "--tls-ca-cert-file", str(self.cert), "--tls-auth-clients", "no"]

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1) as raw:
            conn = raw
            if self.tls:
                conn = ssl.create_default_context(cafile=str(self.cert)).wrap_socket(raw, server_hostname="127.0.0.1")
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith((b"+PONG", b"-NOAUTH"))  # up (or up and asking for a password)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.durable else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                *self._tls_args(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                *persistence,
                "--dir",
                str(self.folder),
                *self.args,
            ],
            stdout=(self.folder / "redis.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120  # a fail-safe: a busy machine starts it late, not never
        while time.monotonic() < deadline:
            try:
                if self._answers():
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        if self.proc is not None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@contextmanager
def redis_server(
    folder: Path, *, durable: bool = False, args: tuple[str, ...] = (), tls: bool = False
) -> Iterator[RedisServer]:
    server = RedisServer(folder, durable=durable, args=args, tls=tls)
    server.start()
    try:
        yield server
    finally:
        server.stop(kill=True)
