"""robots.txt obeyed by every request, also by those that arrive while the site's robots.txt is downloading.

Scrapy's ``RobotsTxtMiddleware`` (2.13 to at least 2.19) parks the requests that arrive while a host's
robots.txt is on its way on one shared ``Deferred`` and has each of them ``await
maybe_deferred_to_future(deferred)``. With the asyncio reactor that is ``Deferred.asFuture``, which
consumes the result (Twisted documents it: the Deferred then fires with ``None``), so only the first waiter
gets the parser; every later one gets ``None``, which the middleware takes as "no robots.txt" and lets
through. On a cron run the discovery requests of a site are exactly such waiters.

:class:`RobotsTxtMiddleware` replaces Scrapy's at the same place (``DOWNLOADER_MIDDLEWARES``, 100): a waiter
waits on a Deferred of its own, chained to the shared one, and then reads the parser that Scrapy stored for
the host before firing the shared Deferred. Drop this module once Scrapy hands every waiter the parser
(``tests/faults/test_robots.py::test_scrapys_middleware_lets_later_waiters_through`` says when).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as ScrapyRobotsTxtMiddleware
from scrapy.http import Request
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy.robotstxt import RobotParser


class RobotsTxtMiddleware(ScrapyRobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        pending = self._parsers.get(netloc)
        if not isinstance(pending, Deferred):
            return await super().robot_parser(request)  # known, or this request fetches robots.txt
        # A Deferred per waiter: asFuture consumes only its result, and a waiter cancelled at shutdown
        # cancels its own Deferred, not the one every other waiter (and Scrapy's callback) shares.
        mine: Deferred[None] = Deferred()
        pending.addBoth(_wake, mine)
        await maybe_deferred_to_future(mine)
        parser = self._parsers.get(netloc)
        # Scrapy stores the parser (or None when robots.txt failed) before it fires the shared Deferred.
        return None if isinstance(parser, Deferred) else parser


def _wake(result: Any, waiter: Deferred[None]) -> Any:
    if not waiter.called:
        waiter.callback(None)
    return result  # passed on unchanged to the next waiter
