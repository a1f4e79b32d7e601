"""The outbox dispatcher: claims due alert rows, sends them through Apprise, retries, dead-letters."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from alerts.notice import notice_for
from alerts.redact import redact
from alerts.render import Rendered, render_development
from alerts.send import Channel, SendResult, send, url_secrets
from db import store
from db.models import Alert, utcnow
from db.session import transaction
from monitor.config import AlertsConfig

log = logging.getLogger(__name__)
# A row claimed ("sending") longer than this was claimed by a process that died: send it again.
LEASE = timedelta(minutes=5)


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

    def __add__(self, other: DispatchResult) -> DispatchResult:
        return DispatchResult(self.sent + other.sent, self.failed + other.failed, self.dead + other.dead)


def backoff(attempts: int, cfg: AlertsConfig, retry_after: float | None = None) -> float:
    """Seconds before the next attempt: exponential with jitter, never sooner than Retry-After."""
    delay = min(cfg.backoff_max_s, cfg.backoff_base_s * 2 ** max(0, attempts - 1))
    delay = delay * (0.5 + random.random() / 2)
    return max(delay, retry_after or 0.0)


def release_stale(session: Session, now: datetime) -> int:
    """Return rows left in 'sending' by a crashed process to 'pending'."""
    result = session.execute(
        update(Alert)
        .where(Alert.status == "sending", Alert.next_attempt_at <= now - LEASE)
        .values(status="pending")
    )
    return int(getattr(result, "rowcount", 0) or 0)


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[Claimed]:
    """Atomically mark due rows as being sent; a row is claimed by exactly one dispatcher."""
    release_stale(session, now)
    ids = session.scalars(
        select(Alert.id)
        .where(Alert.status == "pending", Alert.next_attempt_at <= now)
        .order_by(Alert.next_attempt_at, Alert.id)
        .limit(limit)
    ).all()
    claimed: list[Claimed] = []
    for alert_id in ids:
        row = session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.status == "pending")
            .values(status="sending", next_attempt_at=now)
            .returning(Alert.id, Alert.channel, Alert.kind, Alert.development_id, Alert.attempts, Alert.payload)
        ).first()
        if row is not None:
            claimed.append(Claimed(row[0], row[1], row[2], row[3], row[4], dict(row[5] or {})))
    return claimed


def mark_sent(session: Session, alert_id: int, now: datetime) -> None:
    session.execute(
        update(Alert).where(Alert.id == alert_id).values(status="sent", sent_at=now, attempts=Alert.attempts + 1,
                                                         last_error=None)
    )


def mark_failed(session: Session, claimed: Claimed, error: str, cfg: AlertsConfig, now: datetime,
                retry_after: float | None = None) -> bool:
    """Record a failed attempt; returns True when the row went to the dead letter."""
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
    return dead


def render_claimed(factory: sessionmaker[Session], claimed: Claimed, dashboard_url: str | None) -> Rendered:
    """The message for a claimed row: developments are rendered from their current state."""
    if claimed.development_id is not None and claimed.kind in ("new", "update"):
        with transaction(factory) as s:
            raw = claimed.payload.get("changes")
            changes = tuple(str(c) for c in raw) if isinstance(raw, list) else ()
            notice = notice_for(s, claimed.development_id, claimed.kind, changes=changes, dashboard_url=dashboard_url)
        return render_development(notice)
    p = claimed.payload
    return Rendered(title=str(p.get("title", "")), text=str(p.get("text", "")), html=str(p.get("html", "")),
                    slack=str(p.get("slack", "")))


async def dispatch_due(
    factory: sessionmaker[Session],
    channels: Mapping[str, Channel],
    cfg: AlertsConfig,
    *,
    limit: int = 50,
) -> DispatchResult:
    """Send every due row once; safe to run from several processes at once."""
    now = utcnow()
    claimed = await asyncio.to_thread(_claim, factory, now, limit)
    if not claimed:
        return DispatchResult()
    results = await asyncio.gather(*(_deliver(factory, channels, cfg, c) for c in claimed))
    total = DispatchResult()
    for r in results:
        total = total + r
    return total


def _claim(factory: sessionmaker[Session], now: datetime, limit: int) -> list[Claimed]:
    with transaction(factory) as s:
        return claim_due(s, now, limit)


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
    return await asyncio.to_thread(_record, factory, claimed, result, cfg)


def _record(factory: sessionmaker[Session], claimed: Claimed, result: SendResult, cfg: AlertsConfig) -> DispatchResult:
    now = utcnow()
    with transaction(factory) as s:
        if result.ok:
            mark_sent(s, claimed.id, now)
            log.info("alert %s sent to %s", claimed.id, claimed.channel)
            return DispatchResult(sent=1)
        dead = mark_failed(s, claimed, result.error or "unknown error", cfg, now, result.retry_after)
        log.warning("alert %s to %s failed (%s)%s", claimed.id, claimed.channel, result.error,
                    ": moved to the dead letter" if dead else "")
        return DispatchResult(failed=1, dead=int(dead))


def retry(session: Session, ids: Sequence[int] | None = None) -> int:
    """Put dead (or failed) rows back in the queue now; all dead rows when `ids` is None."""
    q = update(Alert).where(Alert.status.in_(("dead", "pending")))
    q = q.where(Alert.status == "dead") if ids is None else q.where(Alert.id.in_(list(ids)))
    result = session.execute(q.values(status="pending", next_attempt_at=utcnow(), attempts=0))
    return int(getattr(result, "rowcount", 0) or 0)


def pending_count(session: Session) -> int:
    return len(store.list_alerts(session, status="pending", limit=100_000))
