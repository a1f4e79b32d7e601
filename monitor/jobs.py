"""Scheduled alert jobs: the daily digest (cron, team's time zone) and the source-health check (interval)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.orm import Session

from alerts.digest import build_digest, digest_period, enqueue_digest, source_groups
from alerts.health import report_problems, source_problems
from alerts.policy import channels_from, policy_for
from alerts.render import DigestData
from db.models import utcnow
from db.session import retrying
from monitor.runtime import Runtime

log = logging.getLogger(__name__)
DIGEST_JOB_ID = "digest"
HEALTH_JOB_ID = "source-health"
# A digest missed while the daemon was down is still sent if it comes back within this long.
DIGEST_GRACE_S = 6 * 3600


def _digest(s: Session, rt: Runtime, now: datetime, started_at: datetime | None) -> tuple[date, DigestData]:
    policy = policy_for(rt.config.alerts)
    day, start, end = digest_period(now, rt.config.digest.time, ZoneInfo(rt.config.digest.timezone))
    problems = source_problems(s, rt.config.sources, now, policy, started_at or now)
    data = build_digest(s, start, end, groups=source_groups(rt.config.sources), problems=problems,
                        dashboard_url=rt.config.alerts.dashboard_url)
    return day, data


def prepare_digest(rt: Runtime, now: datetime | None = None, *,
                   started_at: datetime | None = None) -> tuple[date, DigestData]:
    """The local date and content of the digest due by `now`, without queueing it."""
    at = now or utcnow()
    return retrying(rt.factory, lambda s: _digest(s, rt, at, started_at), what="digest")


def queue_digest(rt: Runtime, now: datetime | None = None, *, started_at: datetime | None = None) -> int:
    """Queue the digest due by `now` for every `digest` channel; returns the rows written (0 if already queued)."""
    at = now or utcnow()

    def queue(s: Session) -> tuple[date, DigestData, int]:
        day, data = _digest(s, rt, at, started_at)
        return day, data, len(enqueue_digest(s, channels_from(rt.config).values(), day, data))

    day, data, written = retrying(rt.factory, queue, what="digest")
    log.info("digest for %s: %d new, %d updates, %d row(s) queued", day, len(data.new), len(data.updates), written)
    return written


def check_health(rt: Runtime, now: datetime | None = None, *, started_at: datetime | None = None) -> int:
    """Queue an ops alert for each newly failing or silent source; returns the rows written."""
    at = now or utcnow()
    policy = policy_for(rt.config.alerts)

    def check(s: Session) -> int:
        problems = source_problems(s, rt.config.sources, at, policy, started_at or at)
        return report_problems(s, problems, channels_from(rt.config).values())

    return retrying(rt.factory, check, what="source health")


async def digest_job(rt: Runtime, *, started_at: datetime | None = None) -> int:
    return await asyncio.to_thread(queue_digest, rt, None, started_at=started_at)


async def health_job(rt: Runtime, *, started_at: datetime | None = None) -> int:
    return await asyncio.to_thread(check_health, rt, None, started_at=started_at)


def schedule_alert_jobs(scheduler: BaseScheduler, rt: Runtime, *, started_at: datetime | None = None,
                        health_interval_s: float | None = None) -> list[str]:
    """Add the digest (cron at the configured local time and zone) and source-health jobs; returns their ids.

    `started_at` (default: now) stands in for the last success of sources that never had one.
    """
    started_at = started_at or datetime.now(UTC)
    cfg = rt.config.digest
    at = cfg.time
    scheduler.add_job(
        digest_job, CronTrigger(hour=at.hour, minute=at.minute, second=at.second, timezone=ZoneInfo(cfg.timezone)),
        args=[rt], kwargs={"started_at": started_at}, id=DIGEST_JOB_ID, name="daily digest",
        max_instances=1, coalesce=True, misfire_grace_time=DIGEST_GRACE_S, replace_existing=True,
    )
    interval = health_interval_s or policy_for(rt.config.alerts).health_interval_s
    scheduler.add_job(
        health_job, IntervalTrigger(seconds=interval), args=[rt], kwargs={"started_at": started_at},
        id=HEALTH_JOB_ID, name="source health", max_instances=1, coalesce=True,
        misfire_grace_time=int(max(60, interval)), replace_existing=True,
    )
    return [DIGEST_JOB_ID, HEALTH_JOB_ID]
