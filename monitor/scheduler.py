"""Crawl scheduling: one APScheduler job per source, first runs from the database, in-place resyncs."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Source
from db.session import transaction
from monitor.config import SourceConfig

if TYPE_CHECKING:
    from monitor.runtime import Runtime

log = logging.getLogger(__name__)
JOB_PREFIX = "crawl:"
# Spread overdue sources over the first seconds after a start so they do not all fetch at once.
STAGGER_S = 0.2
MAX_STAGGER_S = 30.0


def crawl_job_id(source_id: str) -> str:
    return JOB_PREFIX + source_id


def schedule_key(src: SourceConfig) -> tuple[float, str | None]:
    """What decides when a source runs; a change to it reschedules the job."""
    return (src.interval_s, src.cron)


def trigger_for(src: SourceConfig) -> BaseTrigger:
    if src.cron:
        return CronTrigger.from_crontab(src.cron, timezone=UTC)
    return IntervalTrigger(seconds=src.interval_s, timezone=UTC, jitter=jitter_for(src))


def jitter_for(src: SourceConfig) -> float:
    return 30.0 if src.cron else min(60.0, src.interval_s * 0.1)


def misfire_grace_for(src: SourceConfig) -> int:
    # APScheduler's default grace (1 s) silently drops a run whose start was delayed by a busy
    # loop; a run late by up to one period is still worth doing (coalesced into one).
    return 300 if src.cron else int(max(60.0, src.interval_s))


def last_runs(factory: sessionmaker[Session]) -> dict[str, datetime | None]:
    """Each source's last run as recorded in the database (shared by every replica and restart)."""
    with transaction(factory) as s:
        return dict(s.execute(select(Source.id, Source.last_run_at)).tuples().all())


def next_due(src: SourceConfig, last: datetime | None) -> datetime | None:
    """When the source is due after its last run; None when it never ran (due at once)."""
    if last is None:
        return None
    if src.cron:
        return CronTrigger.from_crontab(src.cron, timezone=UTC).get_next_fire_time(None, last + timedelta(seconds=1))
    return last + timedelta(seconds=src.interval_s)


def first_runs(
    sources: Sequence[SourceConfig], last: Mapping[str, datetime | None], now: datetime
) -> dict[str, datetime]:
    """The first run of each source: overdue ones (never run, or due in the past) at once, staggered."""
    runs: dict[str, datetime] = {}
    overdue = 0
    for src in sources:
        due = next_due(src, last.get(src.id))
        if due is None or due <= now:
            runs[src.id] = now + timedelta(seconds=min(overdue * STAGGER_S, MAX_STAGGER_S))
            overdue += 1
        else:
            runs[src.id] = due
    return runs


@dataclass(frozen=True)
class JobDiff:
    """What a resync changed, by source id."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    rescheduled: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.rescheduled)} rescheduled"


def add_crawl_job(
    scheduler: BaseScheduler, src: SourceConfig, func: Callable[..., Any], first_run: datetime
) -> None:
    scheduler.add_job(
        func, trigger_for(src), args=[src.id], id=crawl_job_id(src.id), name=f"crawl {src.id}",
        next_run_time=first_run, max_instances=1, coalesce=True, misfire_grace_time=misfire_grace_for(src),
        replace_existing=True,
    )


def sync_crawl_jobs(
    scheduler: BaseScheduler,
    sources: Sequence[SourceConfig],
    func: Callable[..., Any],
    last: Mapping[str, datetime | None],
    now: datetime,
    previous: Mapping[str, SourceConfig] | None = None,
) -> JobDiff:
    """Make the crawl jobs match `sources`: add new ones, drop removed ones, reschedule changed ones.

    A job keeps its next run time unless its schedule changed; a changed one runs when the new
    schedule says it is due after the source's last run in the database (at once if overdue).
    Jobs carry only the source id, so other changes (URL, selectors) apply from the next run.
    """
    wanted = {s.id: s for s in sources if s.enabled}
    existing = {j.id.removeprefix(JOB_PREFIX) for j in scheduler.get_jobs() if j.id.startswith(JOB_PREFIX)}
    removed = sorted(existing - wanted.keys())
    for source_id in removed:
        scheduler.remove_job(crawl_job_id(source_id))
    before = previous or {}
    changed = [
        sid for sid in sorted(existing & wanted.keys())
        if sid not in before or schedule_key(before[sid]) != schedule_key(wanted[sid])
    ]
    added = sorted(wanted.keys() - existing)
    runs = first_runs([wanted[sid] for sid in [*added, *changed]], last, now)
    for sid in [*added, *changed]:
        add_crawl_job(scheduler, wanted[sid], func, runs[sid])
    return JobDiff(tuple(added), tuple(removed), tuple(changed))


def add_alert_jobs(scheduler: BaseScheduler, rt: Runtime, previous: Set[str] = frozenset(),
                   started_at: datetime | None = None) -> set[str]:
    """Add the digest and source-health jobs of `monitor.jobs`, replacing `previous`; returns their ids.

    `started_at` (when the daemon started) survives reloads, so a source that never succeeded is
    not given a fresh grace period by every SIGHUP.
    """
    try:
        hook = importlib.import_module("monitor.jobs").schedule_alert_jobs
    except (ImportError, AttributeError) as e:
        # monitor.jobs is an optional part: without it the daemon still crawls and sends
        # development alerts, only the digest and source-health alerts are missing.
        if isinstance(e, ImportError) and e.name != "monitor.jobs":
            raise
        log.info("no alert jobs (monitor.jobs.schedule_alert_jobs): no digest or source-health alerts")
        return set()
    for job_id in previous:
        if scheduler.get_job(job_id) is not None:
            scheduler.remove_job(job_id)
    before = {j.id for j in scheduler.get_jobs()}
    hook(scheduler, rt, started_at=started_at)
    return {j.id for j in scheduler.get_jobs()} - before


def job_summary(scheduler: BaseScheduler) -> list[dict[str, str | None]]:
    """Every scheduled job with its next run (for /healthz and logs)."""
    return [
        {"id": j.id, "next_run": j.next_run_time.astimezone(UTC).isoformat() if j.next_run_time else None}
        for j in sorted(scheduler.get_jobs(), key=lambda j: j.id)
    ]
