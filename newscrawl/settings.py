"""Scrapy settings of the newscrawl project: polite live-crawl defaults, pipelines in data-flow order.

The project's own ``NEWSCRAWL_*`` settings, with their types, ranges, defaults and meanings, are the table in
``newscrawl.config`` (listed in ``docs/settings.md``); every one is overridable with ``-s NAME=VALUE``.
"""

from __future__ import annotations

import os

from newscrawl.config import defaults

BOT_NAME = "newscrawl"
SPIDER_MODULES = ["newscrawl.spiders"]
NEWSPIDER_MODULE = "newscrawl.spiders"
COMMANDS_MODULE = "newscrawl.commands"

# Every NEWSCRAWL_* default from the one table (some read the environment variable of the same name).
globals().update(defaults(os.environ))

DOWNLOADER_MIDDLEWARES = {
    # bot walls (403/429/503 with a WAF signature, 200 interstitials) counted, slowed down, escalated or
    # dropped (newscrawl.blocking); after HttpCompression (590), before the challenge and retry middlewares
    "newscrawl.blocking.BlockedMiddleware": 585,
    # a JavaScript challenge goes to the browser first (newscrawl.render), before waiting it out plainly
    "newscrawl.render.middleware.EscalateChallengeMiddleware": 580,
    # after HttpCompression (590) has unpacked the body, before Retry (550)
    "newscrawl.not_article.RetryNotArticleMiddleware": 560,
    # Scrapy's retries with a wait before each (Retry-After, else backoff): docs/politeness.md
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newscrawl.politeness.BackoffRetryMiddleware": 550,
    # above Retry (550): a DNS failure or refused connection on the site's host is not retried; a few of them
    # with nothing downloaded end the run as site_unreachable (exit 4)
    "newscrawl.failures.UnreachableSiteMiddleware": 555,
    # marks pages to render; below Retry (550), it sees a rendering failure once the retries are spent
    "newscrawl.render.middleware.RenderMiddleware": 540,
    # Scrapy's lets through the requests that waited for robots.txt after the first (newscrawl.robots)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "newscrawl.robots.RobotsTxtMiddleware": 100,
    # the raw exchange of each article for its WARC capture (newscrawl.capture): before HttpCompression (590)
    # unpacks the body, and before DownloaderStats (850)
    "newscrawl.capture.CaptureExchangeMiddleware": 950,
}

SPIDER_MIDDLEWARES = {
    "newscrawl.capture.CaptureSpiderMiddleware": 950,  # each article item gets its response's exchange
}

# USER_AGENT is "newscrawl/VERSION (+NEWSCRAWL_CONTACT; news archiver for research)", set by the
# ContactUserAgent add-on (so -s NEWSCRAWL_CONTACT=... works too); -s USER_AGENT=... overrides it.

# Politeness for news sites (docs/politeness.md): robots.txt obeyed and its
# Crawl-delay enforced (newscrawl.politeness.CrawlDelay), two requests at a time per host at least a second
# apart (+-50% jitter), AutoThrottle aiming at one request in flight and backing off to 30 s.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Scrapy 2.19 starts CONCURRENT_ITEMS asyncio tasks for every response's output
# (scrapy/utils/asyncio.py, _parallel_asyncio), whatever its size: with the default 100, an article page's
# one item cost 101 tasks, a sixth of the crawl's CPU. Our pipelines are synchronous (the Redis archive's
# calls too), so parallel items gain nothing: one task works through each response's output.
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# Retries wait (newscrawl.politeness.BackoffRetryMiddleware): Retry-After when given, up to
# NEWSCRAWL_RETRY_AFTER_MAX (asking for more means no retry), else 2 s, 4 s, 8 s ... up to 60 s, +0-50%.
RETRY_GIVE_UP_LOG_LEVEL = "WARNING"  # an expected event on the web; counted as newscrawl/failed/<reason>
REDIRECT_MAX_TIMES = 5
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# DOWNLOAD_MAXSIZE also bounds decompression (HttpCompressionMiddleware): a gzip bomb is cut there.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 1024  # a runaway crawl is stopped (finish_reason memusage_exceeded) before the machine
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control runs Python sent to it over HTTP (localhost, a token in a job file under the
# user's profile); a cron crawler needs no code-execution port, so it stays closed like the telnet console.
REMOTE_CONTROL_ENABLED = False

DOWNLOAD_HANDLERS = {
    # Plain requests through NEWSCRAWL_MIRROR when set (newscrawl.download), with rendering plugged in:
    # meta["playwright"] ones in Chromium (newscrawl.render), imported on the first request that asks.
    "http": "newscrawl.render.download.RenderingDownloadHandler",
    "https": "newscrawl.render.download.RenderingDownloadHandler",
}

ITEM_PIPELINES = {
    "newscrawl.pipelines.clean_text.CleanTextPipeline": 100,
    "newscrawl.pipelines.measure_quality.MeasureQualityPipeline": 150,
    "newscrawl.pipelines.strip_boilerplate.StripBoilerplatePipeline": 200,
    "newscrawl.pipelines.validate_article.ValidateArticlePipeline": 300,
    "newscrawl.pipelines.build_record.BuildRecordPipeline": 350,
    "newscrawl.pipelines.dedupe_article.DedupeArticlePipeline": 400,
    "newscrawl.capture.CaptureResponsePipeline": 450,  # the WARC capture, and the record's pointer to it
    "newscrawl.pipelines.write_archive.WriteArchivePipeline": 500,
}

EXTENSIONS = {
    "newscrawl.archive.crawl.ArchiveExtension": 100,
    "newscrawl.politeness.CrawlDelay": 200,
    "newscrawl.failures.CountLostRequests": 300,
    "newscrawl.lost.CountLostArticles": 310,  # a pipeline's exception: the article counted lost, the run failed
    "newscrawl.memory.StackMemoryGuard": 400,  # crawl + driver + browser under NEWSCRAWL_MEMORY_LIMIT_MB
    "newscrawl.shutdown.FastStop": 310,  # Ctrl-C: a message on stderr, and no politeness wait on the way out
    "newscrawl.progress.Progress": 320,  # a progress line every NEWSCRAWL_PROGRESS_INTERVAL s, a bar on a terminal
    "newscrawl.archive.report.RunReport": 900,  # reports at engine_stopped, after everything
}

# Distributed mode (newscrawl.distributed): the add-on does nothing unless NEWSCRAWL_REDIS_URL is set.
ADDONS = {
    "newscrawl.politeness.ContactUserAgent": 0,
    # a mirror on 127.0.0.1 is crawled without live-site politeness (explicit -s settings win)
    "newscrawl.politeness.LocalMirrorSpeed": 0,
    "newscrawl.distributed.DistributedAddon": 0,
}

# JavaScript rendering (newscrawl.render): only for requests that ask; the browser starts on the first one.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"  # scrapy-playwright needs it
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_BROWSER_PROVIDER = "newscrawl.render.browser.ChromiumProvider"
PLAYWRIGHT_ABORT_REQUEST = "newscrawl.render.abort.should_abort"
PLAYWRIGHT_PROCESS_REQUEST_HEADERS = "newscrawl.render.handler.browser_headers"
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4  # pages open at once, in all contexts together
PLAYWRIGHT_MAX_CONTEXTS = 2  # the current context and one being recycled
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 20_000  # milliseconds

# The exit code decided from the stats once the spider has closed, before they are dumped (newscrawl.outcome).
STATS_CLASS = "newscrawl.outcome.RunStats"

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
