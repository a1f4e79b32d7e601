"""The hourly cap on immediate alerts per channel: alerts past it are folded into one summary, never dropped."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from alerts.policy import IMMEDIATE_KINDS
from alerts.queue import dedup_key
from db import store
from db.models import Alert

log = logging.getLogger(__name__)
HOUR = timedelta(hours=1)


def _used(session: Session, channel: str, now: datetime) -> int:
    """Immediate alerts the channel got in the last hour, counting those being sent right now."""
    sent_recently = and_(Alert.status == "sent", Alert.sent_at >= now - HOUR)
    return int(session.scalar(
        select(func.count()).select_from(Alert).where(
            Alert.channel == channel, Alert.kind.in_(IMMEDIATE_KINDS),
            or_(sent_recently, Alert.status == "sending"),
        )
    ) or 0)


def _entry(row: Alert) -> dict[str, Any]:
    raw = (row.payload or {}).get("changes")
    return {"alert_id": row.id, "development_id": row.development_id, "kind": row.kind,
            "changes": list(raw) if isinstance(raw, list) else []}


def _summary_due(session: Session, channel: str, now: datetime) -> datetime:
    """A summary goes out at once, unless one already went out in the last hour: then when that hour is up."""
    last = session.scalar(select(func.max(Alert.sent_at)).where(
        Alert.channel == channel, Alert.kind == "summary", Alert.status == "sent"))
    return max(now, last + HOUR) if last is not None else now


def _add_to_open_summary(session: Session, channel: str, entries: list[dict[str, Any]]) -> int | None:
    """Append to the channel's summary that has not been claimed yet; None when there is none."""
    open_row = session.scalars(
        select(Alert).where(Alert.channel == channel, Alert.kind == "summary", Alert.status == "pending")
        .order_by(Alert.id).limit(1)
    ).first()
    if open_row is None:
        return None
    folded = list((open_row.payload or {}).get("folded", [])) + entries
    # Only while still pending: a dispatcher that claimed it meanwhile sends the list it read.
    result = session.execute(
        update(Alert).where(Alert.id == open_row.id, Alert.status == "pending")
        .values(payload={**(open_row.payload or {}), "folded": folded})
        .execution_options(synchronize_session=False)
    )
    return open_row.id if getattr(result, "rowcount", 0) else None


def fold(session: Session, channel: str, rows: list[Alert], now: datetime) -> int:
    """Mark `rows` folded and record them in the channel's open summary (or a new one); returns the summary id."""
    entries = [_entry(r) for r in rows]
    session.execute(
        update(Alert).where(Alert.id.in_([r.id for r in rows]), Alert.status == "pending")
        .values(status="folded", last_error=None).execution_options(synchronize_session=False)
    )
    summary_id = _add_to_open_summary(session, channel, entries)
    if summary_id is None:
        summary_id = store.enqueue(session, dedup_key=dedup_key("summary", channel, rows[0].id), channel=channel,
                                   kind="summary", payload={"folded": entries})
        if summary_id is None:
            raise RuntimeError(f"summary for alert {rows[0].id} on {channel} already exists")
        session.execute(update(Alert).where(Alert.id == summary_id)
                        .values(next_attempt_at=_summary_due(session, channel, now)))
    log.warning("hourly alert cap reached on %s: %d alert(s) folded into summary #%s", channel, len(rows), summary_id)
    return summary_id


def apply_cap(session: Session, now: datetime, cap: int) -> dict[str, int]:
    """Fold every due immediate alert past `cap` per channel and hour; returns how many were folded per channel."""
    store.lock(session, "outbox:cap")
    due = session.scalars(
        select(Alert).where(Alert.status == "pending", Alert.kind.in_(IMMEDIATE_KINDS),
                            Alert.next_attempt_at <= now)
        .order_by(Alert.id)
    ).all()
    by_channel: dict[str, list[Alert]] = defaultdict(list)
    for row in due:
        by_channel[row.channel].append(row)
    folded: dict[str, int] = {}
    for channel, rows in by_channel.items():
        room = max(0, cap - _used(session, channel, now))
        if len(rows) > room:
            fold(session, channel, rows[room:], now)
            folded[channel] = len(rows) - room
    return folded
