"""The daemon: one asyncio loop running APScheduler jobs, Scrapy crawls, the alert dispatcher and the web endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Coroutine, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from scrapy.crawler import AsyncCrawlerRunner

from alerts.outbox import DispatchResult, dispatch_due
from alerts.redact import install_redaction
from alerts.send import Channel
from monitor.config import AppConfig, SourceConfig, load_config
from monitor.crawl import CrawlOutcome, crawl_source, run_with_reactor, scrapy_settings
from monitor.errors import ConfigError
from monitor.leader import Leadership, leadership_for
from monitor.pipeline import CONTEXTS, register_context
from monitor.runtime import Runtime
from monitor.scheduler import JobDiff, add_alert_jobs, last_runs, sync_crawl_jobs
from monitor.web import DaemonState, WebServer, create_app, heartbeat

log = logging.getLogger(__name__)
# The whole stop fits well inside a container's default 10 s stop timeout: in-flight crawls get
# until CRAWL_GRACE_S, then they are stopped (items already in the pipeline still finish), and
# due alerts are flushed until STOP_BUDGET_S after the signal.
STOP_BUDGET_S = 7.5
CRAWL_GRACE_S = 4.0
ABORT_GRACE_S = 1.0


def channels_of(rt: Runtime) -> dict[str, Channel]:
    return {c.name: Channel(c.name, c.url.get_secret_value(), frozenset(c.tags)) for c in rt.config.channels}


class Daemon:
    """Owns the scheduler, the crawler runner, the dispatcher and the web server for one process."""

    def __init__(self, rt: Runtime, *, leadership: Leadership | None = None) -> None:
        self.rt = rt
        self.state = DaemonState()
        self.started_at = datetime.now(UTC)
        self.metrics = self.state.metrics
        self.ctx = replace(rt.pipeline_context(), on_page=self.metrics.on_page, on_fetch=self.metrics.on_fetch)
        self.context_key = register_context(self.ctx)
        self.runners = [AsyncCrawlerRunner(scrapy_settings(rt, self.context_key))]
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.state.scheduler = self.scheduler
        self.channels = channels_of(rt)
        self.leadership = leadership or leadership_for(rt.database_url)
        self.web = WebServer(create_app(rt, self.state), rt.settings.web_host, rt.settings.web_port)
        self.stopping = asyncio.Event()
        self.stop_requested_at: float | None = None
        self.aborting = False
        self.inflight: set[asyncio.Task[CrawlOutcome]] = set()
        self.dispatching: set[asyncio.Task[DispatchResult]] = set()
        self.scheduled: dict[str, SourceConfig] = {}
        self.hook_jobs: set[str] = set()
        self.reload_lock = asyncio.Lock()
        self.background: set[asyncio.Task[Any]] = set()

    @property
    def runner(self) -> AsyncCrawlerRunner:
        return self.runners[-1]

    def schedule(self, last: Mapping[str, datetime | None]) -> JobDiff:
        """Every job the leader runs: one per source, the dispatcher, and the alert jobs."""
        now = datetime.now(UTC)
        diff = sync_crawl_jobs(self.scheduler, self.rt.config.sources, self.crawl_job, last, now, self.scheduled)
        self.scheduled = {s.id: s for s in self.rt.config.sources if s.enabled}
        self.scheduler.add_job(
            self.dispatch_job, "interval", id="dispatch", name="dispatch alerts",
            seconds=self.rt.config.alerts.dispatch_interval_s, max_instances=1, coalesce=True, next_run_time=now,
            misfire_grace_time=60, replace_existing=True,
        )
        self.hook_jobs = add_alert_jobs(self.scheduler, self.rt, self.hook_jobs, self.started_at)
        return diff

    async def become_leader(self) -> None:
        last = await asyncio.to_thread(last_runs, self.rt.factory)
        if self.stopping.is_set():
            return
        diff = self.schedule(last)
        self.state.role = "leader"
        log.info("scheduling %d sources (%s)", len(self.scheduled), diff)

    async def step_down(self) -> None:
        self.scheduler.remove_all_jobs()
        self.scheduled, self.hook_jobs = {}, set()
        self.state.role = "follower"

    async def crawl_job(self, source_id: str) -> CrawlOutcome | None:
        try:
            source = self.rt.config.source(source_id)
        except KeyError:  # removed by a reload after this run was already due
            return None
        # Shielded and tracked: the scheduler cancels its running jobs when it shuts down, and a
        # crawl must instead be allowed to finish (or be stopped cleanly) by shutdown().
        task = asyncio.ensure_future(self.crawl(source))
        self.inflight.add(task)
        task.add_done_callback(self.inflight.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:  # the scheduler's shutdown; the crawl itself carries on
            return None

    async def crawl(self, source: SourceConfig) -> CrawlOutcome:
        """Crawl in this process, or hand the crawl to a Scrapyd node when the config names some."""
        if self.rt.config.scrapyd is not None:
            from monitor.scrapyd import dispatch_source

            # The node reports the crawl itself (its pages, its duration) through the shared database.
            dispatched = await dispatch_source(self.rt, source)
            if dispatched.error:
                self.metrics.source_failures.labels(source.id).inc()
            return dispatched
        outcome = await crawl_source(self.runner, self.rt, source)
        self.metrics.on_crawl(outcome)
        note = f" ({outcome.error})" if outcome.error else " (cut short by shutdown)" if self.aborting else ""
        log.info("crawl done in %.1fs%s", outcome.seconds, note, extra={"source_id": source.id, "url": source.url})
        return outcome

    async def dispatch_job(self) -> DispatchResult:
        # Shielded like crawls: a cancelled send would leave its rows claimed until their lease ends.
        task = asyncio.ensure_future(self.dispatch())
        self.dispatching.add(task)
        task.add_done_callback(self.dispatching.discard)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:  # the scheduler's shutdown; shutdown() waits for the send
            return DispatchResult()

    async def dispatch(self) -> DispatchResult:
        result = await dispatch_due(self.rt.factory, self.channels, self.rt.config.alerts)
        self.metrics.on_dispatch(result)
        return result

    async def reload(self) -> bool:
        """Re-read the config file; on any problem log each with its line and keep the running config."""
        async with self.reload_lock:
            path = self.rt.config_file
            try:
                config = await asyncio.to_thread(load_config, path)
            except ConfigError as e:
                for p in e.problems:
                    log.error("config error: %s", p)
                log.error("configuration not reloaded (%d problem(s) in %s): the running one stays",
                          len(e.problems), path)
                return False
            await self.apply_config(config)
            if self.leadership.is_leader and not self.stopping.is_set():
                last = await asyncio.to_thread(last_runs, self.rt.factory)
                diff = self.schedule(last)
            else:
                diff = JobDiff()
            log.info("configuration reloaded from %s: %d sources, %d channels; jobs: %s",
                     path, len(config.sources), len(config.channels), diff)
            return True

    async def apply_config(self, config: AppConfig) -> None:
        old, self.rt.config = self.rt.config, config
        await asyncio.to_thread(self.rt.sync_sources)
        install_redaction(self.rt.secrets())
        self.channels = channels_of(self.rt)
        # The pipeline reads these per item; swapping whole objects keeps its thread consistent.
        self.ctx.sources = {s.id: s for s in config.sources}
        self.ctx.channels = self.rt.routes()
        if config.crawl != old.crawl:
            self.runners.append(AsyncCrawlerRunner(scrapy_settings(self.rt, self.context_key)))

    def request_stop(self, sig: signal.Signals) -> None:
        if self.stopping.is_set():
            log.info("%s again: already stopping", sig.name)
            return
        log.info("%s: stopping", sig.name)
        self.stop_requested_at = asyncio.get_running_loop().time()
        self.stopping.set()

    def request_reload(self) -> None:
        if not self.stopping.is_set():
            self.spawn(self.reload())

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def run(self) -> int:
        settings = self.rt.settings
        try:
            port = self.web.bind()
        except OSError as e:
            log.error("cannot listen on %s:%s for /healthz and /metrics: %s", settings.web_host, settings.web_port,
                      e.strerror or e)
            self.release()
            return 1
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig)
        loop.add_signal_handler(signal.SIGHUP, self.request_reload)
        self.scheduler.start()
        self.state.role = "follower"
        web_task = asyncio.ensure_future(self.web.serve())
        beat = self.spawn(heartbeat(self.state))
        election = asyncio.ensure_future(self.leadership.run(self.become_leader, self.step_down, self.stopping))
        log.info("deportwatch running: %d sources, %d channels; health and metrics on http://%s:%d "
                 "(leader election: %s)", len(self.rt.config.sources), len(self.channels), settings.web_host, port,
                 self.leadership.kind)
        await self.stopping.wait()
        await self.shutdown()
        beat.cancel()
        await self.cancel_leftovers()
        await self.web.stop(web_task, timeout=1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(election, 1.0)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        self.release()
        log.info("deportwatch stopped")
        return 0

    async def shutdown(self) -> None:
        """Stop scheduling, let in-flight crawls finish (bounded), then flush due alerts."""
        loop = asyncio.get_running_loop()
        start = self.stop_requested_at or loop.time()
        was_leader = self.leadership.is_leader
        self.state.stopping = True
        self.scheduler.pause()
        log.info("stopping: %d crawl(s) in flight", len(self.inflight))
        if self.inflight:
            _, pending = await asyncio.wait(set(self.inflight), timeout=max(0.0, start + CRAWL_GRACE_S - loop.time()))
            if pending:
                # Scrapy lets a download in progress run to its timeout even when told to stop;
                # such pages are not stored now (each page is one transaction) and are fetched
                # again next time. Items already in the pipeline still finish (release()).
                log.warning("stopping %d crawl(s) still running; their unfinished pages are fetched next time",
                            len(pending))
                self.aborting = True
                self.spawn(self.stop_runners())
                await asyncio.wait(pending, timeout=ABORT_GRACE_S)
        self.scheduler.shutdown(wait=False)
        if was_leader:
            await self.flush_alerts(start + STOP_BUDGET_S)
        log.info("stopped in %.1fs", loop.time() - start)

    async def stop_runners(self) -> None:
        await asyncio.gather(*(r.stop() for r in self.runners), return_exceptions=True)

    async def cancel_leftovers(self) -> None:
        """Cancel what is still running at exit (abandoned downloads), so nothing is left pending."""
        leftovers = [t for t in (*self.inflight, *self.dispatching, *self.background) if not t.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.wait(leftovers, timeout=1.0)

    async def flush_alerts(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        if self.dispatching:
            await asyncio.wait(set(self.dispatching), timeout=max(0.0, deadline - loop.time()))
        total = DispatchResult()
        while (remaining := deadline - loop.time()) > 0:
            try:
                result = await asyncio.wait_for(self.dispatch(), remaining)
            except TimeoutError:
                log.warning("alerts still being sent at shutdown stay in the outbox for the next start")
                break
            total = total + result
            if not result.sent and not result.failed:
                break
        log.info("flushed alerts at shutdown: %d sent, %d failed", total.sent, total.failed)

    def release(self) -> None:
        """Free what this process holds: the pipeline worker, the scheduler lock, the database."""
        ctx = CONTEXTS.pop(self.context_key, None)
        if ctx:
            ctx.executor.shutdown(wait=True)
        self.leadership.release()
        self.rt.close()


def run_daemon(rt: Runtime) -> int:
    """Run the daemon until SIGTERM/SIGINT; meant to be the last thing the process does."""

    async def main() -> int:
        return await Daemon(rt).run()

    code = run_with_reactor(main)
    # The process exits next. Its final garbage collection walks every object of the loaded
    # classifier and libraries (seconds on a busy machine), and that time counts against the
    # container's stop timeout; frozen objects are skipped.
    gc.freeze()
    return code
