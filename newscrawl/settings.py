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
NEWSCRAWL_QUALITY: dict[str, float] = {}
NEWSCRAWL_NOT_ARTICLE_RETRIES = 2
NEWSCRAWL_NOT_ARTICLE_BACKOFF = 60.0

DOWNLOADER_MIDDLEWARES = {
    # after HttpCompression (590) has unpacked the body, before Retry (550)
    "newscrawl.not_article.RetryNotArticleMiddleware": 560,
}

USER_AGENT = f"newscrawl/0.1 (+{NEWSCRAWL_CONTACT}; news archiver for research)"

# Politeness for news sites: robots.txt obeyed, a few requests at a time per site, AutoThrottle on.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
RANDOMIZE_DOWNLOAD_DELAY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False

DOWNLOAD_HANDLERS = {
    "http": "newscrawl.mirror.MirrorDownloadHandler",
    "https": "newscrawl.mirror.MirrorDownloadHandler",
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
}

# Distributed mode (newscrawl.distributed): the add-on does nothing unless NEWSCRAWL_REDIS_URL is set.
NEWSCRAWL_REDIS_URL = os.environ.get("NEWSCRAWL_REDIS_URL", "")
NEWSCRAWL_REDIS_IDLE_CLOSE = float(os.environ.get("NEWSCRAWL_REDIS_IDLE_CLOSE", "30"))
NEWSCRAWL_REDIS_LEASE = float(os.environ.get("NEWSCRAWL_REDIS_LEASE", "60"))
NEWSCRAWL_REDIS_RETRY = float(os.environ.get("NEWSCRAWL_REDIS_RETRY", "120"))
ADDONS = {"newscrawl.distributed.DistributedAddon": 0}

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
