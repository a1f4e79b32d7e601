"""Running spiders inside the daemon's event loop: one AsyncCrawlerRunner, one crawl per source."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from scrapy.crawler import AsyncCrawlerRunner
from scrapy.settings import Settings as ScrapySettings

from db import store
from db.session import retrying
from monitor.config import SourceConfig
from monitor.runtime import Runtime

log = logging.getLogger(__name__)
REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
T = TypeVar("T")

# Spider class per source kind; a new kind is a new spider module and a line here.
SPIDERS: dict[str, str] = {
    "feed": "spiders.feed.FeedSpider",
    "sitemap": "spiders.sitemap.SitemapSpider",
    "listing": "spiders.listing.ListingSpider",
    "search": "spiders.search.SearchSpider",
}


def spider_class(kind: str) -> type[Any]:
    module, _, name = SPIDERS[kind].rpartition(".")
    return cast(type[Any], getattr(importlib.import_module(module), name))


def scrapy_settings(rt: Runtime, context_key: str) -> ScrapySettings:
    s = ScrapySettings()
    s.setmodule("spiders.settings", priority="project")
    crawl = rt.config.crawl
    s.setdict(
        {
            "USER_AGENT": crawl.user_agent,
            "DOWNLOAD_TIMEOUT": crawl.download_timeout_s,
            "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
            "CONCURRENT_REQUESTS": crawl.concurrent_requests,
            "DEPORTWATCH_INDEX_MAX_ENTRIES": crawl.max_index_entries,
            "ITEM_PIPELINES": {"monitor.pipeline.StorePipeline": 300},
            "DEPORTWATCH_CONTEXT": context_key,
            "REMOTE_CONTROL_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_ENABLED": False,
        },
        priority="cmdline",
    )
    return s


@dataclass(frozen=True)
class CrawlOutcome:
    source_id: str
    seconds: float
    error: str | None = None


def spider_kwargs(rt: Runtime, source: SourceConfig) -> dict[str, Any]:
    state = retrying(rt.factory, lambda s: store.source_state(s, source.id), what="source state")
    return {
        "source_id": source.id,
        "url": source.url,
        "allow_private": source.allow_private or rt.settings.test_mode,
        "max_entries": source.max_entries,
        "etag": state.etag,
        "last_modified": state.last_modified,
        "seen_urls": state.seen_urls,
        "language": source.language,
        "selectors": dict(source.selectors),
        "query": source.query,
        **{k: v for k, v in (("provider", source.provider), ("max_age_days", source.max_age_days),
                             ("max_sitemaps", source.max_sitemaps)) if v is not None},
    }


async def guarded(rt: Runtime, source: SourceConfig, work: Callable[[], Awaitable[object]],
                  what: str = "crawl") -> CrawlOutcome:
    """Run one source's work; an error is recorded in its health row and returned, never raised."""
    started = time.monotonic()
    try:
        await work()
        return CrawlOutcome(source.id, time.monotonic() - started)
    except Exception as e:
        log.exception("%s failed", what, extra={"source_id": source.id, "url": source.url})
        msg = f"{type(e).__name__}: {e}"
        await asyncio.to_thread(_record_failure, rt, source.id, msg)
        return CrawlOutcome(source.id, time.monotonic() - started, msg)


async def crawl_source(runner: AsyncCrawlerRunner, rt: Runtime, source: SourceConfig) -> CrawlOutcome:
    """Crawl one source in this process; errors are recorded in its health row and returned, never raised."""

    async def work() -> None:
        kwargs = await asyncio.to_thread(spider_kwargs, rt, source)
        await runner.crawl(spider_class(source.kind), **kwargs)

    return await guarded(rt, source, work)


def _record_failure(rt: Runtime, source_id: str, error: str) -> None:
    retrying(rt.factory, lambda s: store.record_fetch(s, source_id, ok=False, error=error), what="fetch record")


async def crawl_all(runner: AsyncCrawlerRunner, rt: Runtime, sources: Sequence[SourceConfig]) -> list[CrawlOutcome]:
    return list(await asyncio.gather(*(crawl_source(runner, rt, s) for s in sources)))


def run_with_reactor(main: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on the asyncio loop driven by Twisted's asyncio reactor (what Scrapy needs)."""
    from scrapy.utils.reactor import install_reactor

    install_reactor(REACTOR)
    from twisted.internet import reactor as installed

    reactor: Any = installed
    box: dict[str, Any] = {}

    async def wrapper() -> None:
        try:
            box["value"] = await main()
        except BaseException as e:  # handed back to the caller below
            box["error"] = e
        finally:
            reactor.callLater(0, reactor.stop)

    reactor.callWhenRunning(lambda: asyncio.ensure_future(wrapper()))
    reactor.run(installSignalHandlers=False)
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])
