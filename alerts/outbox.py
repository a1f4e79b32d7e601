"""The outbox dispatcher: sends due alert rows through Apprise, one at a time per channel; retries, dead letter."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.cap import apply_cap
from alerts.health import dead_letter_problem, report_problems
from alerts.notice import notice_for
from alerts.policy import AlertPolicy, policy_for
from alerts.redact import redact
from alerts.render import DevelopmentNotice, Rendered, render_development, render_summary
from alerts.send import Channel, SendResult, send, url_secrets
from db.models import Alert, utcnow
from db.session import retrying
from monitor.config import AlertsConfig

log = logging.getLogger(__name__)
# The lease never drops below the send timeout plus this, so a slow send that is still alive is not repeated.
LEASE_MARGIN_S = 5.0


@dataclass(frozen=True)
class Claimed:
    id: int
    channel: str
    kind: str
    development_id: int | None
    attempts: int
    payload: dict[str, object]


@dataclass(frozen=True)
class DispatchResult:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    folded: int = 0

    def __add__(self, other: DispatchResult) -> DispatchResult:
        return DispatchResult(self.sent + other.sent, self.failed + other.failed, self.dead + other.dead,
                              self.folded + other.folded)


def backoff(attempts: int, cfg: AlertsConfig, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: exponential with jitter, never sooner than Retry-After."""
    delay = min(cfg.backoff_max_s, cfg.backoff_base_s * 2 ** max(0, attempts - 1))
    delay = delay * (0.5 + random.random() / 2)
    return max(delay, retry_after or 0.0)


def lease_for(cfg: AlertsConfig, policy: AlertPolicy) -> timedelta:
    return timedelta(seconds=max(policy.lease_s, cfg.send_timeout_s + LEASE_MARGIN_S))


def release_stale(session: Session, now: datetime, lease: timedelta) -> int:
    """Return rows left in 'sending' by a crashed process to 'pending'."""
    result = session.execute(
        update(Alert)
        .where(Alert.status == "sending", Alert.next_attempt_at <= now - lease)
        .values(status="pending")
    )
    released = int(getattr(result, "rowcount", 0) or 0)
    if released:
        log.warning("%d alert(s) left in flight by a stopped dispatcher are queued again", released)
    return released


def plan_round(session: Session, now: datetime, *, cap: int, lease: timedelta,
               limit: int) -> tuple[dict[str, list[int]], int]:
    """Due row ids per channel, oldest first, after releasing stale claims and folding rows past the hourly cap.

    Returns the plan and how many rows were folded.
    """
    release_stale(session, now, lease)
    folded = sum(apply_cap(session, now, cap).values())
    rows = session.execute(
        select(Alert.id, Alert.channel)
        .where(Alert.status == "pending", Alert.next_attempt_at <= now)
        .order_by(Alert.next_attempt_at, Alert.id)
    ).tuples().all()
    plan: dict[str, list[int]] = defaultdict(list)
    for alert_id, channel in rows:
        if len(plan[channel]) < limit:
            plan[channel].append(alert_id)
    return dict(plan), folded


def claim(session: Session, alert_id: int, now: datetime) -> Claimed | None:
    """Mark one row as being sent; None when another dispatcher got it first or it is no longer pending."""
    row = session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.status == "pending")
        .values(status="sending", next_attempt_at=now)
        .returning(Alert.id, Alert.channel, Alert.kind, Alert.development_id, Alert.attempts, Alert.payload)
    ).first()
    return Claimed(row[0], row[1], row[2], row[3], row[4], dict(row[5] or {})) if row is not None else None


def mark_sent(session: Session, alert_id: int, now: datetime) -> None:
    session.execute(
        update(Alert).where(Alert.id == alert_id).values(status="sent", sent_at=now, attempts=Alert.attempts + 1,
                                                         last_error=None)
    )


def mark_failed(session: Session, claimed: Claimed, error: str, cfg: AlertsConfig, now: datetime,
                retry_after: float | None = None, ops_channels: Sequence[Channel] = ()) -> bool:
    """Record a failed attempt; returns True when the row went to the dead letter (and ops channels are told)."""
    attempts = claimed.attempts + 1
    dead = attempts >= cfg.max_attempts
    session.execute(
        update(Alert)
        .where(Alert.id == claimed.id)
        .values(
            status="dead" if dead else "pending",
            attempts=attempts,
            last_error=error[:2000],
            next_attempt_at=now + timedelta(seconds=backoff(attempts, cfg, retry_after)),
        )
    )
    # An ops alert about an ops alert would chain without end when the ops channel itself is down.
    if dead and claimed.kind != "ops":
        problem = dead_letter_problem(session, claimed.id, claimed.channel, claimed.kind, attempts, error)
        report_problems(session, [problem], ops_channels)
    return dead


def _summary_notices(session: Session, claimed: Claimed, dashboard_url: str | None) -> list[DevelopmentNotice]:
    entries = claimed.payload.get("folded")
    notices = []
    for e in entries if isinstance(entries, list) else []:
        dev_id = e.get("development_id") if isinstance(e, dict) else None
        if not isinstance(dev_id, int):
            continue
        changes = tuple(str(c) for c in e.get("changes") or ())
        try:
            notices.append(notice_for(session, dev_id, str(e.get("kind", "new")), changes=changes,
                                      dashboard_url=dashboard_url))
        except LookupError:
            log.warning("summary %s: development %s no longer exists", claimed.id, dev_id)
    return notices


def render_claimed(factory: sessionmaker[Session], claimed: Claimed, dashboard_url: str | None) -> Rendered:
    """The message for a claimed row: developments are rendered from their current state."""
    if claimed.kind in ("new", "update"):
        if claimed.development_id is None:
            raise LookupError(f"the development of alert {claimed.id} no longer exists")
        dev_id = claimed.development_id
        raw = claimed.payload.get("changes")
        changes = tuple(str(c) for c in raw) if isinstance(raw, list) else ()
        notice = retrying(factory, lambda s: notice_for(s, dev_id, claimed.kind, changes=changes,
                                                        dashboard_url=dashboard_url), what="alert notice")
        return render_development(notice)
    if claimed.kind == "summary":
        return render_summary(retrying(factory, lambda s: _summary_notices(s, claimed, dashboard_url),
                                       what="alert summary"))
    p = claimed.payload
    return Rendered(title=str(p.get("title", "")), text=str(p.get("text", "")), html=str(p.get("html", "")),
                    slack=str(p.get("slack", "")))


async def dispatch_due(
    factory: sessionmaker[Session],
    channels: Mapping[str, Channel],
    cfg: AlertsConfig,
    *,
    limit: int = 50,
    policy: AlertPolicy | None = None,
) -> DispatchResult:
    """Send the rows due now: channels in parallel, each channel's rows one at a time and in order.

    A row is claimed just before it is sent, so at most one row per channel is in flight when the
    process dies. A failure stops that channel for this round (its other rows wait for the next);
    safe to run from several processes at once.
    """
    policy = policy or policy_for(cfg)
    plan, folded = await asyncio.to_thread(_plan, factory, utcnow(), cfg, policy, limit)
    results = await asyncio.gather(*(_drain(factory, channels, cfg, ids) for ids in plan.values()))
    total = DispatchResult(folded=folded)
    for r in results:
        total = total + r
    return total


def _plan(factory: sessionmaker[Session], now: datetime, cfg: AlertsConfig, policy: AlertPolicy,
          limit: int) -> tuple[dict[str, list[int]], int]:
    return retrying(factory, lambda s: plan_round(s, now, cap=cfg.hourly_cap, lease=lease_for(cfg, policy),
                                                  limit=limit), what="alert plan")


def _claim(factory: sessionmaker[Session], alert_id: int) -> Claimed | None:
    return retrying(factory, lambda s: claim(s, alert_id, utcnow()), what="alert claim")


async def _drain(factory: sessionmaker[Session], channels: Mapping[str, Channel], cfg: AlertsConfig,
                 ids: list[int]) -> DispatchResult:
    total = DispatchResult()
    for alert_id in ids:
        claimed = await asyncio.to_thread(_claim, factory, alert_id)
        if claimed is None:
            continue
        result = await _deliver(factory, channels, cfg, claimed)
        total = total + result
        if result.failed:
            break
    return total


async def _deliver(
    factory: sessionmaker[Session], channels: Mapping[str, Channel], cfg: AlertsConfig, claimed: Claimed
) -> DispatchResult:
    channel = channels.get(claimed.channel)
    if channel is None:
        result = SendResult(ok=False, error=f"channel {claimed.channel!r} is not configured", retry_after=None)
    else:
        try:
            rendered = await asyncio.to_thread(render_claimed, factory, claimed, cfg.dashboard_url)
            result = await send(channel, rendered, timeout=cfg.send_timeout_s)
        except Exception as e:  # a rendering bug must not lose the row: it stays in the outbox with the error
            log.exception("alert %s could not be prepared", claimed.id)
            error = redact(f"{type(e).__name__}: {e}", url_secrets(channel.url))
            result = SendResult(ok=False, error=error, retry_after=None)
    ops = [c for c in channels.values() if "ops" in c.tags]
    return await asyncio.to_thread(_record, factory, claimed, result, cfg, ops)


def _record(factory: sessionmaker[Session], claimed: Claimed, result: SendResult, cfg: AlertsConfig,
            ops: Sequence[Channel]) -> DispatchResult:
    now = utcnow()
    if result.ok:
        retrying(factory, lambda s: mark_sent(s, claimed.id, now), what="alert record")
        log.info("alert %s sent to %s", claimed.id, claimed.channel, extra={"alert_id": claimed.id})
        return DispatchResult(sent=1)
    error = result.error or "unknown error"
    dead = retrying(factory, lambda s: mark_failed(s, claimed, error, cfg, now, result.retry_after, ops),
                    what="alert record")
    log.warning("alert %s to %s failed (%s)%s", claimed.id, claimed.channel, result.error,
                ": moved to the dead letter" if dead else "", extra={"alert_id": claimed.id})
    return DispatchResult(failed=1, dead=int(dead))


def retry(session: Session, ids: Sequence[int] | None = None) -> int:
    """Put dead (or failed) rows back in the queue now; all dead rows when `ids` is None."""
    q = update(Alert).where(Alert.status.in_(("dead", "pending")))
    q = q.where(Alert.status == "dead") if ids is None else q.where(Alert.id.in_(list(ids)))
    result = session.execute(q.values(status="pending", next_attempt_at=utcnow(), attempts=0))
    return int(getattr(result, "rowcount", 0) or 0)


def pending_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Alert).where(Alert.status == "pending")) or 0)
