"""Scrapy settings for every deportwatch spider; the daemon and `scrapy crawl` both load this module."""

from __future__ import annotations

import os

BOT_NAME = "deportwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# One asyncio loop shared with the scheduler and the web server in the daemon.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Both open a listening socket per crawl; the daemon runs many crawls and needs neither.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

ROBOTSTXT_OBEY = True
USER_AGENT = os.environ.get(
    "DEPORTWATCH_USER_AGENT", "deportwatch/0.1 (+https://deportwatch.example/contact)"
)

DOWNLOAD_MAXSIZE = 5 * 1024 * 1024
DOWNLOAD_WARNSIZE = 1024 * 1024
DOWNLOAD_TIMEOUT = 20
REDIRECT_MAX_TIMES = 5
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]

AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Our callbacks yield one item per page; Scrapy starts this many tasks per response.
CONCURRENT_ITEMS = 16

# The most entries read from one index page (a feed, a listing page, a sitemap, a search answer): the
# newest of a feed, sitemap or search, the first of a listing page. A source that lists 50,000 links
# gets this many read; the rest are counted in its fetch record and logged. A crawl requests at most
# the source's `max_entries` of them.
DEPORTWATCH_INDEX_MAX_ENTRIES = 2000

# Feeds are revalidated by the spider's own If-None-Match / If-Modified-Since requests; a
# response cache would answer them from disk and hide new entries.
HTTPCACHE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Before RobotsTxtMiddleware (100): a refused host must not even get a robots.txt request.
    "spiders.middleware.UrlGuardMiddleware": 40,
}
# host:port pairs fetched even when private (an intranet source, a loopback demo site).
URL_GUARD_ALLOWED_HOSTS: list[str] = []
URL_GUARD_DNS_CACHE_SECONDS = 300.0

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl feed -O out.jsonl` for inspection: every item field but the raw page bytes, which
# JSON cannot hold. The daemon stores items through its pipeline and never uses feed exports.
FEED_EXPORT_FIELDS = [
    "source_id", "url", "final_url", "status", "entries", "not_modified", "etag", "last_modified", "error",
    "truncated", "encoding", "feed_title", "feed_summary", "feed_published", "fetched_at", "headers",
]
