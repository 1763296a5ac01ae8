"""A quiet INFO log: Scrapy's start-up banner and its end-of-run stats dump are logged at DEBUG, and a
robots.txt that could not be downloaded for a network reason is one warning line, not a traceback.

At INFO, Scrapy prints about 80 lines (library versions, add-ons, every middleware, pipeline and extension,
the overridden settings) before ``Spider opened`` and 70 lines of raw stats before the run summary table.
They are what ``LOG_LEVEL=DEBUG`` is for: this one filter demotes exactly those records (by logger and
message start), so an INFO log holds what happened. The run report keeps the counts; ``-s LOG_LEVEL=DEBUG``
shows the banner and the dump again.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler

# logger name -> message starts demoted to DEBUG (Scrapy 2.13-2.19 wording)
DEMOTED: dict[str, tuple[str, ...]] = {
    "scrapy.utils.log": ("Versions:",),
    "scrapy.addons": ("Enabled addons",),
    "scrapy.middleware": ("Enabled ",),
    "scrapy.crawler": ("Overridden settings",),
    "scrapy.statscollectors": ("Dumping Scrapy stats",),
}


class Demote(logging.Filter):
    """Turn the matching INFO records of one logger into DEBUG records (handlers at INFO then drop them)."""

    def __init__(self, starts: tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.INFO and str(record.msg).startswith(self.starts):
            # Handlers check their level after the logger's filters: Scrapy's, at LOG_LEVEL=INFO, drop it.
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


class NoNetworkTraceback(logging.Filter):
    """Scrapy's RobotsTxtMiddleware logs a failed robots.txt download at ERROR with its traceback (some 60
    lines per host: scrapy/downloadermiddlewares/robotstxt.py, ``exc_info=True``); for a network failure
    (DNS, refused, timeout, connection lost), which the run report counts, one warning line says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno == logging.ERROR and record.exc_info and str(record.msg).startswith("Error downloading"):
            from newscrawl.failures import is_network_failure

            if is_network_failure(record.exc_info[1]):
                record.exc_info, record.exc_text = None, None
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def skip_records_below(crawler: Crawler) -> None:
    """Let loggers skip records below ``LOG_LEVEL`` before building them, once the engine has started.

    Scrapy sets the root logger to ``NOTSET`` and its ``scrapy`` logger to ``DEBUG`` and filters at its handler
    (scrapy/utils/log.py, ``DEFAULT_LOGGING`` and ``install_scrapy_root_handler``, run again by
    ``Crawler.crawl`` once it has applied the settings), so every ``debug()`` call builds a ``LogRecord``
    the handler then throws away: Scrapy's "Crawled" and "Scraped from" lines and trafilatura's per-page
    lines, some four records per article. With both loggers at the handler's level they are never built;
    what reaches the log is unchanged. ``engine_started`` comes after Scrapy's last reset.
    """

    def engine_started() -> None:
        level = crawler.settings.get("LOG_LEVEL")
        number = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
        if not isinstance(number, int):
            return  # a name logging does not know: Scrapy's handler has refused it already
        for logger in (logging.root, logging.getLogger("scrapy")):
            if logger.level < number:
                logger.setLevel(number)

    # Scrapy holds signal handlers weakly; this one lives as long as the crawler's dispatcher.
    crawler.signals.connect(engine_started, signal=signals.engine_started, weak=False)


_installed = False


def install() -> None:
    """Add the filters once per process (before Scrapy logs its banner)."""
    global _installed
    if _installed:
        return
    _installed = True
    for name, starts in DEMOTED.items():
        logging.getLogger(name).addFilter(Demote(starts))
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").addFilter(NoNetworkTraceback())
