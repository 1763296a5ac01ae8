"""A mirror server that watches how politely it is asked: arrival times, requests in flight, a 429 on demand.

Serves a mirror folder like :func:`newscrawl.mirror.make_server` (``/HOST/PATH``) and records, for every
request, its arrival (``time.monotonic()``) and the host it asks for; it counts the requests being handled
at once (from arrival until the response starts being written) and keeps the largest count per host. A
response can be slowed down (``slow`` seconds) and one request can be answered ``429`` with a
``Retry-After`` (``throttle``: the path prefix and the number of the matching request to refuse).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import ThreadingHTTPServer
from pathlib import Path

from newscrawl.mirror import make_handler


@dataclass(frozen=True)
class Arrival:
    at: float
    host: str
    path: str


@dataclass(frozen=True)
class Throttle:
    prefix: str  # requests whose path starts with this are counted
    nth: int  # the nth of them (1-based) is answered 429
    retry_after: int  # seconds, in the Retry-After header


class PoliteMirror:
    def __init__(self, root: Path, *, slow: float = 0.0, throttle: Throttle | None = None) -> None:
        self.root = root
        self.slow = slow
        self.throttle = throttle
        self.lock = threading.Lock()
        self.arrivals: list[Arrival] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight: dict[str, int] = {}
        self.matched = 0
        self.refused: Arrival | None = None
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type:
        owner = self
        base = make_handler(self.root, None)

        class Handler(base):  # type: ignore[misc,valid-type]
            # One connection per request, as this mirror always answered. With kept-alive connections the two
            # faster workers of a three-worker test can take every source and article before the seeding
            # worker gets one, and the seeder then ends with exit 4 although the run archived everything: a
            # known limit of the seeder's judgement (docs/distributed.md), not what these tests measure.
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                host = self.path.lstrip("/").split("/", 1)[0]
                refuse = False
                with owner.lock:
                    arrival = Arrival(time.monotonic(), host, self.path)
                    owner.arrivals.append(arrival)
                    owner.in_flight[host] = owner.in_flight.get(host, 0) + 1
                    owner.max_in_flight[host] = max(owner.max_in_flight.get(host, 0), owner.in_flight[host])
                    if owner.throttle is not None and self.path.startswith(owner.throttle.prefix):
                        owner.matched += 1
                        if owner.matched == owner.throttle.nth:
                            refuse, owner.refused = True, arrival
                try:
                    if owner.slow:
                        time.sleep(owner.slow)
                finally:
                    # done before the response is written: a client that has its response is not in flight
                    with owner.lock:
                        owner.in_flight[host] -= 1
                if refuse:
                    assert owner.throttle is not None
                    self.send_response(429)
                    self.send_header("Retry-After", str(owner.throttle.retry_after))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                super().do_GET()

        return Handler

    def times(self, host: str) -> list[float]:
        with self.lock:
            return sorted(a.at for a in self.arrivals if a.host == host)

    def count(self, host: str, path: str) -> int:
        """Requests for ``path`` of ``host`` so far."""
        with self.lock:
            return sum(1 for a in self.arrivals if a.host == host and a.path == f"/{host}{path}")

    def gaps(self, host: str) -> list[float]:
        """Seconds between consecutive requests for ``host``, in arrival order."""
        return [round(b - a, 3) for a, b in itertools.pairwise(self.times(host))]

    def smallest_gap(self, host: str) -> float:
        return min(self.gaps(host), default=float("inf"))

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def polite_mirror(root: Path, **kwargs: object) -> Iterator[PoliteMirror]:
    mirror = PoliteMirror(root, **kwargs)  # type: ignore[arg-type]
    mirror.thread.start()
    try:
        yield mirror
    finally:
        mirror.stop()
