"""Downloader middleware that refuses requests to non-http(s) URLs and to non-public hosts."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.utils.asyncio import is_asyncio_available

from spiders.urls import addresses_block_reason, host_block_reason, scheme_block_reason

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

STATS_PREFIX = "deportwatch/url_guard"


class UrlRefused(IgnoreRequest):
    """A request the URL guard refused before any connection was made."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url}: {reason}")
        self.url = url
        self.reason = reason


class UrlGuardMiddleware:
    """Refuses every request, including each redirect hop, that the crawl may not fetch.

    Scrapy sends a redirect target through the downloader middlewares again, so running before
    RobotsTxtMiddleware (priority 100) stops the request, and its robots.txt fetch, before any
    connection. Non-http(s) schemes (file:, data:, ftp:, s3:) are refused always; non-public hosts
    unless the spider's ``allow_private`` attribute is true or the host:port is listed in the
    ``URL_GUARD_ALLOWED_HOSTS`` setting (an intranet source, a loopback test site).

    The check resolves names itself, so a name whose DNS answer changes between this check and
    Scrapy's own lookup (DNS rebinding) is not covered; a proxy that pins addresses would be.
    """

    def __init__(self, crawler: Crawler, allowed_hosts: frozenset[str], cache_seconds: float) -> None:
        self.crawler = crawler
        self.allowed_hosts = allowed_hosts
        self.cache_seconds = cache_seconds
        self._verdicts: dict[str, tuple[float, str | None]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        allowed = frozenset(h.lower() for h in settings.getlist("URL_GUARD_ALLOWED_HOSTS"))
        return cls(crawler, allowed, settings.getfloat("URL_GUARD_DNS_CACHE_SECONDS", 300.0))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        reason = scheme_block_reason(request.url)
        if reason is None and not self._private_allowed(request.url):
            reason = await self._host_reason(urlsplit(request.url).hostname or "")
        if reason is None:
            return
        self._record_drop(request, reason)
        raise UrlRefused(request.url, reason)

    def _private_allowed(self, url: str) -> bool:
        if getattr(self.crawler.spider, "allow_private", False) is True:
            return True
        parts = urlsplit(url)
        return parts.netloc.lower() in self.allowed_hosts

    async def _host_reason(self, host: str) -> str | None:
        now = time.monotonic()
        cached = self._verdicts.get(host)
        if cached is not None and cached[0] > now:
            return cached[1]
        reason = await _resolve_reason(host)
        self._verdicts[host] = (now + self.cache_seconds, reason)
        return reason

    def _record_drop(self, request: Request, reason: str) -> None:
        source_id = getattr(self.crawler.spider, "source_id", None)
        log.warning("source %s: refused %s: %s", source_id, request.url, reason,
                    extra={"source_id": source_id, "url": request.url})
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"{STATS_PREFIX}/refused")
            stats.inc_value(f"{STATS_PREFIX}/refused/{_reason_kind(reason)}")


async def _resolve_reason(host: str) -> str | None:
    """Resolve off the event loop's thread when it is asyncio; block only under other reactors."""
    if not is_asyncio_available():
        return host_block_reason(host)
    bare = host.strip("[]").rstrip(".").lower()
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(bare, None)
    except (OSError, UnicodeError) as e:
        return f"unresolvable host {bare!r}: {e}"
    return addresses_block_reason(bare, {str(info[4][0]) for info in infos})


def _reason_kind(reason: str) -> str:
    for kind in ("scheme", "unresolvable", "loopback", "link-local", "private", "CGNAT", "multicast"):
        if kind in reason:
            return kind.lower()
    return "other"
