"""Scrapy settings of the newscrawl project: polite live-crawl defaults, pipelines in data-flow order.

Project settings (all overridable with ``-s NAME=VALUE``):

- ``NEWSCRAWL_OUTPUT``: the archive folder (default ``output``);
- ``NEWSCRAWL_MIRROR``: base URL of a local mirror to download from instead of the live site;
- ``NEWSCRAWL_CONTACT``: how site owners reach the operator, put in the User-Agent;
- ``NEWSCRAWL_MAX_LISTING_PAGES``: listing pages followed per listing (default 5);
- ``NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS``: longest window whose date-archive pages are read (default 366);
- ``NEWSCRAWL_FLUSH_EVERY``: records between durable index commits (default 50);
- ``NEWSCRAWL_QUALITY``: drift-guard thresholds overriding the site's (JSON, e.g. ``{"min_sample": 5}``);
- ``NEWSCRAWL_NOT_ARTICLE_RETRIES``, ``NEWSCRAWL_NOT_ARTICLE_BACKOFF``: re-requests of a challenge or empty
  page answered 200, and the first wait in seconds (doubled each time);
- ``NEWSCRAWL_CRAWL_DELAY_MAX``: robots.txt Crawl-delay honoured up to this many seconds (default 120);
- ``NEWSCRAWL_RETRY_BACKOFF`` / ``NEWSCRAWL_RETRY_BACKOFF_MAX``: first retry wait and its cap (2 s, 60 s);
- ``NEWSCRAWL_RETRY_AFTER_MAX``: longest Retry-After waited for; asking for more means no retry (120 s);
- ``NEWSCRAWL_RECHECK_HOURS``: archived articles are fetched again for this long after publication (48);
- ``NEWSCRAWL_RECHECK_MIN_MINUTES`` / ``NEWSCRAWL_RECHECK_AGE_FRACTION``: a re-check is due once this long
  and this share of the article's age have passed since the last check (30 minutes, 0.5);
- ``NEWSCRAWL_STOP_AFTER_ARCHIVED``: archived articles in a row that end a feed or listing (3).
- ``NEWSCRAWL_REDIS_URL``: distributed mode on this Redis (``newscrawl.distributed``; default: off).
"""

from __future__ import annotations

import os

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

NEWSCRAWL_OUTPUT = os.environ.get("NEWSCRAWL_OUTPUT", "output")
NEWSCRAWL_MIRROR = os.environ.get("NEWSCRAWL_MIRROR", "")
NEWSCRAWL_CONTACT = os.environ.get("NEWSCRAWL_CONTACT", "https://github.com/newscrawl/newscrawl")
NEWSCRAWL_MAX_LISTING_PAGES = 5
NEWSCRAWL_MAX_DATE_ARCHIVE_DAYS = 366
NEWSCRAWL_FLUSH_EVERY = 50
NEWSCRAWL_RECHECK_HOURS = 48
NEWSCRAWL_RECHECK_MIN_MINUTES = 30
NEWSCRAWL_RECHECK_AGE_FRACTION = 0.5
NEWSCRAWL_STOP_AFTER_ARCHIVED = 3
NEWSCRAWL_QUALITY: dict[str, float] = {}
NEWSCRAWL_NOT_ARTICLE_RETRIES = 2
NEWSCRAWL_NOT_ARTICLE_BACKOFF = 60.0

DOWNLOADER_MIDDLEWARES = {
    # a JavaScript challenge goes to the browser first (newscrawl.render), before waiting it out plainly
    "newscrawl.render.middleware.EscalateChallengeMiddleware": 580,
    # after HttpCompression (590) has unpacked the body, before Retry (550)
    "newscrawl.not_article.RetryNotArticleMiddleware": 560,
    # Scrapy's retries with a wait before each (Retry-After, else backoff): README "Politeness"
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.politeness.BackoffRetryMiddleware": 550,
    # marks pages to render; below Retry (550), it sees a rendering failure once the retries are spent
    "newscrawl.render.middleware.RenderMiddleware": 540,
}

# USER_AGENT is "newscrawl/VERSION (+NEWSCRAWL_CONTACT; news archiver for research)", set by the
# ContactUserAgent add-on (so -s NEWSCRAWL_CONTACT=... works too); -s USER_AGENT=... overrides it.

# Politeness for news sites (README "Politeness and a hostile web"): robots.txt obeyed and its
# Crawl-delay enforced (newscrawl.politeness.CrawlDelay), two requests at a time per host at least a second
# apart (+-50% jitter), AutoThrottle aiming at one request in flight and backing off to 30 s.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Scrapy 2.19 starts CONCURRENT_ITEMS asyncio tasks for every response's output
# (scrapy/utils/asyncio.py, _parallel_asyncio), whatever its size: with the default 100, an article page's
# one item cost 101 tasks, a sixth of the crawl's CPU. Our pipelines are synchronous, so parallel items
# gain nothing.
CONCURRENT_ITEMS = 4
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
NEWSCRAWL_CRAWL_DELAY_MAX = 120.0  # robots.txt Crawl-delay honoured up to this many seconds
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait (newscrawl.politeness.BackoffRetryMiddleware): Retry-After when given, up to
# NEWSCRAWL_RETRY_AFTER_MAX (asking for more means no retry), else 2 s, 4 s, 8 s ... up to 60 s, +0-50%.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # an expected event on the web; counted as newscrawl/failed/<reason>
NEWSCRAWL_RETRY_BACKOFF = 2.0
NEWSCRAWL_RETRY_BACKOFF_MAX = 60.0
NEWSCRAWL_RETRY_AFTER_MAX = 120.0
REDIRECT_MAX_TIMES = 5
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# DOWNLOAD_MAXSIZE also bounds decompression (HttpCompressionMiddleware): a gzip bomb is cut there.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 1024  # a runaway crawl is stopped (finish_reason memusage_exceeded) before the machine
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False

DOWNLOAD_HANDLERS = {
    # Plain requests through NEWSCRAWL_MIRROR when set, meta["playwright"] ones in Chromium (newscrawl.render),
    # which is imported on the first request that asks.
    "http": "newscrawl.mirror.DownloadHandler",
    "https": "newscrawl.mirror.DownloadHandler",
}

ITEM_PIPELINES = {
    "newscrawl.pipelines.clean_text.CleanTextPipeline": 100,
    "newscrawl.pipelines.measure_quality.MeasureQualityPipeline": 150,
    "newscrawl.pipelines.strip_boilerplate.StripBoilerplatePipeline": 200,
    "newscrawl.pipelines.validate_article.ValidateArticlePipeline": 300,
    "newscrawl.pipelines.dedupe_article.DedupeArticlePipeline": 400,
    "newscrawl.pipelines.write_archive.WriteArchivePipeline": 500,
}

EXTENSIONS = {
    "newscrawl.archive.crawl.ArchiveExtension": 100,
    "newscrawl.politeness.CrawlDelay": 200,
    "newscrawl.failures.CountLostRequests": 300,
    "newscrawl.archive.report.RunReport": 900,  # reports at engine_stopped, after everything
}

# Distributed mode (newscrawl.distributed): the add-on does nothing unless NEWSCRAWL_REDIS_URL is set.
NEWSCRAWL_REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL", "")
NEWSCRAWL_REDIS_IDLE_CLOSE = float(os.environ.get("NEWSCRAWL_REDIS_IDLE_CLOSE", "30"))
NEWSCRAWL_REDIS_LEASE = float(os.environ.get("NEWSCRAWL_REDIS_LEASE", "60"))
NEWSCRAWL_REDIS_RETRY = float(os.environ.get("NEWSCRAWL_REDIS_RETRY", "120"))
ADDONS = {
    "newscrawl.politeness.ContactUserAgent": 0,
    "newscrawl.distributed.DistributedAddon": 0,
}

# JavaScript rendering (newscrawl.render): only for requests that ask; the browser starts on the first one.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # scrapy-playwright needs it
NEWSCRAWL_CHROMIUM = os.environ.get("NEWSCRAWL_CHROMIUM", "")  # a system Chromium, e.g. /usr/bin/chromium
NEWSCRAWL_RENDER_TIMEOUT = 30  # seconds a page has in all, navigation and settling
NEWSCRAWL_RENDER_RETRY_TIMES = 1  # retries of a rendered page that timed out
NEWSCRAWL_RENDER_CHALLENGE_WAIT = 5  # seconds a JavaScript challenge has to reload into the page
NEWSCRAWL_RENDER_RECYCLE_PAGES = 100  # pages per browser context before a fresh one replaces it
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_BROWSER_PROVIDER = "newscrawl.render.browser.ChromiumProvider"
PLAYWRIGHT_ABORT_REQUEST = "newscrawl.render.abort.should_abort"
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = "newscrawl.render.handler.browser_headers"
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4  # pages open at once, in all contexts together
PLAYWRIGHT_MAX_CONTEXTS = 2  # the current context and one being recycled
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000  # milliseconds

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
