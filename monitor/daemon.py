"""The daemon: one asyncio loop running APScheduler jobs, Scrapy crawls and the alert dispatcher."""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from scrapy.crawler import AsyncCrawlerRunner
from sqlalchemy import select

from alerts.outbox import DispatchResult, dispatch_due
from alerts.send import Channel
from db.models import Source
from db.session import transaction
from monitor.config import SourceConfig
from monitor.crawl import CrawlOutcome, crawl_source, run_with_reactor, scrapy_settings
from monitor.pipeline import CONTEXTS, register_context
from monitor.runtime import Runtime

log = logging.getLogger(__name__)
STOP_GRACE_S = 8.0


def channels_of(rt: Runtime) -> dict[str, Channel]:
    return {c.name: Channel(c.name, c.url.get_secret_value(), frozenset(c.tags)) for c in rt.config.channels}


def first_runs(rt: Runtime, now: datetime) -> dict[str, datetime]:
    """When each source should first run: overdue ones (by their last run in the database) at once."""
    with transaction(rt.factory) as s:
        last = dict(s.execute(select(Source.id, Source.last_run_at)).tuples().all())
    runs: dict[str, datetime] = {}
    for i, src in enumerate(rt.config.sources):
        prev = last.get(src.id)
        due = prev + timedelta(seconds=src.interval_s) if prev else now
        # Stagger start-up so that many overdue sources do not all fetch in the same second.
        runs[src.id] = max(due, now + timedelta(seconds=min(i * 0.2, 30)))
    return runs


class Daemon:
    """Owns the scheduler, the crawler runner and the dispatcher for one process."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.context_key = register_context(rt.pipeline_context())
        self.runner = AsyncCrawlerRunner(scrapy_settings(rt, self.context_key))
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.channels = channels_of(rt)
        self.stopping = asyncio.Event()
        self.inflight: set[asyncio.Task[CrawlOutcome]] = set()

    def schedule(self) -> None:
        now = datetime.now(UTC)
        runs = first_runs(self.rt, now)
        for src in self.rt.config.sources:
            if not src.enabled:
                continue
            self.scheduler.add_job(
                self.crawl_job, "interval", args=[src], id=src.id, name=f"crawl {src.id}",
                seconds=src.interval_s, next_run_time=runs[src.id], max_instances=1, coalesce=True,
                jitter=min(60.0, src.interval_s * 0.1), misfire_grace_time=int(max(60, src.interval_s)),
                replace_existing=True,
            )
        self.scheduler.add_job(
            self.dispatch_job, "interval", id="dispatch", seconds=self.rt.config.alerts.dispatch_interval_s,
            max_instances=1, coalesce=True, next_run_time=now, replace_existing=True,
        )

    async def crawl_job(self, source: SourceConfig) -> CrawlOutcome:
        task = asyncio.ensure_future(crawl_source(self.runner, self.rt, source))
        self.inflight.add(task)
        try:
            outcome = await task
        finally:
            self.inflight.discard(task)
        log.info("crawl done in %.1fs%s", outcome.seconds, f" ({outcome.error})" if outcome.error else "",
                 extra={"source_id": source.id, "url": source.url})
        return outcome

    async def dispatch_job(self) -> DispatchResult:
        return await dispatch_due(self.rt.factory, self.channels, self.rt.config.alerts)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stopping.set)
        self.schedule()
        self.scheduler.start()
        log.info("deportwatch running: %d sources, %d channels", len(self.rt.config.sources), len(self.channels))
        await self.stopping.wait()
        await self.shutdown()
        return 0

    async def shutdown(self) -> None:
        """Stop scheduling, let in-flight crawls finish (bounded), flush due alerts."""
        log.info("stopping: %d crawls in flight", len(self.inflight))
        self.scheduler.shutdown(wait=False)
        if self.inflight:
            _, pending = await asyncio.wait(self.inflight, timeout=STOP_GRACE_S)
            if pending:
                await self.runner.stop()
                await asyncio.wait(pending, timeout=2)
        try:
            await asyncio.wait_for(self.dispatch_job(), timeout=STOP_GRACE_S / 2)
        except TimeoutError:
            log.warning("alerts still pending at shutdown stay in the outbox for the next start")
        ctx = CONTEXTS.pop(self.context_key, None)
        if ctx:
            ctx.executor.shutdown(wait=True)
        self.rt.close()


def run_daemon(rt: Runtime) -> int:
    async def main() -> int:
        return await Daemon(rt).run()

    return run_with_reactor(main)
