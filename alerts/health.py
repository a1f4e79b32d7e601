"""Ops alerts: sources failing or silent, and alerts moved to the dead letter; each problem reported once."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.policy import AlertPolicy
from alerts.queue import enqueue_rendered
from alerts.render import OpsNotice, render_ops
from alerts.send import Channel
from db.models import Alert, Source
from monitor.config import SourceConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Problem:
    """A current problem and the episode it belongs to: the same episode is reported once."""

    notice: OpsNotice
    episode: str

    @property
    def key(self) -> str:
        return f"ops:{self.notice.kind}:{self.notice.source_id or '-'}:{self.episode}"


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "never"


def _source_problem(src: SourceConfig, row: Source | None, now: datetime, policy: AlertPolicy,
                    started_at: datetime) -> Problem | None:
    last_ok = row.last_ok_at if row else None
    # Both episodes are named by the last success before them: a recovery starts a new episode.
    if row is not None and row.consecutive_failures >= policy.ops_failures:
        detail = f"{row.consecutive_failures} failed fetches in a row; last error: {row.last_error or 'unknown'}"
        notice = OpsNotice("source_failing", src.id, detail, since=last_ok,
                           counts={"consecutive_failures": row.consecutive_failures})
        return Problem(notice, _iso(last_ok))
    expected = timedelta(seconds=src.interval_s * policy.ops_silent_factor)
    reference = last_ok or started_at
    if now - reference > expected:
        hours = (now - reference).total_seconds() / 3600
        detail = (f"no successful fetch for {hours:.1f} h (expected every {src.interval_s / 60:g} min; "
                  f"alert after {policy.ops_silent_factor:g} intervals)")
        return Problem(OpsNotice("source_silent", src.id, detail, since=last_ok), _iso(last_ok))
    return None


def source_problems(
    session: Session,
    sources: Sequence[SourceConfig],
    now: datetime,
    policy: AlertPolicy,
    started_at: datetime,
) -> list[Problem]:
    """Enabled sources that fail repeatedly or have been silent too long.

    `started_at` stands in for the last success of a source that never succeeded, so a
    freshly started daemon does not call every new source silent at once.
    """
    rows = {r.id: r for r in session.scalars(select(Source)).all()}
    problems = []
    for src in sources:
        if src.enabled:
            problem = _source_problem(src, rows.get(src.id), now, policy, started_at)
            if problem is not None:
                problems.append(problem)
    return problems


def report_problems(session: Session, problems: Iterable[Problem], channels: Iterable[Channel]) -> int:
    """Queue one ops row per problem episode and ops channel; returns how many rows were new."""
    ops = [c for c in channels if "ops" in c.tags]
    written = 0
    for p in problems:
        new = enqueue_rendered(session, ops, kind="ops", key=p.key, msg=render_ops(p.notice),
                               ops_kind=p.notice.kind, source_id=p.notice.source_id)
        if new:
            log.warning("ops alert: %s %s", p.notice.kind, p.notice.detail, extra={"source_id": p.notice.source_id})
        written += len(new)
    return written


def dead_letter_problem(session: Session, alert_id: int, channel: str, kind: str, attempts: int,
                        error: str) -> Problem:
    """The ops problem for an alert that went to the dead letter.

    The episode is the channel's last successful delivery: while a channel stays broken,
    only its first dead alert is reported; once it delivers again, the next one is.
    """
    last_sent = session.scalar(select(func.max(Alert.sent_at)).where(Alert.channel == channel,
                                                                       Alert.status == "sent"))
    dead = int(session.scalar(select(func.count()).select_from(Alert).where(
        Alert.channel == channel, Alert.status == "dead")) or 0)
    detail = (f"alert #{alert_id} ({kind}) to channel {channel!r} failed {attempts} times and was moved to the "
              f"dead letter; last error: {error}. Requeue with `deportwatch alerts retry {alert_id}` or "
              f"`alerts retry --all`. Further dead alerts on this channel are not reported until it delivers again.")
    notice = OpsNotice("dead_letter", None, detail, since=last_sent, counts={"dead_alerts_on_channel": dead})
    return Problem(notice, f"{channel}:{_iso(last_sent)}")
