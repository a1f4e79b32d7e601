"""The daily digest: the period it covers, what happened in it, and its outbox rows (one per channel and day)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.health import Problem
from alerts.notice import notice_for
from alerts.queue import enqueue_rendered
from alerts.render import DevelopmentNotice, DigestData, render_digest
from alerts.send import Channel
from db.models import Alert, Article, Development
from monitor.config import SourceConfig

UNGROUPED = "other"


def digest_period(now: datetime, at: time, tz: ZoneInfo) -> tuple[date, datetime, datetime]:
    """The digest due by `now`: its local date and the local day before its time, e.g. 08:00 yesterday–08:00 today.

    Before today's digest time this is yesterday's digest; the same date always gives the
    same period, so a late or repeated run covers exactly what the scheduled one would.
    """
    local = now.astimezone(tz)
    day = local.date() if local.time() >= at else local.date() - timedelta(days=1)
    end = datetime.combine(day, at, tzinfo=tz)
    # Wall-clock arithmetic: across a DST change the period is 23 or 25 hours, and still starts at `at`.
    start = datetime.combine(day - timedelta(days=1), at, tzinfo=tz)
    return day, start, end


def source_groups(sources: Iterable[SourceConfig]) -> dict[str, str]:
    """Each source's group for the digest: its first tag (the YAML lists the main one first)."""
    return {s.id: s.tags[0] if s.tags else UNGROUPED for s in sources}


def articles_read(session: Session, start: datetime, end: datetime, groups: Mapping[str, str]) -> dict[str, int]:
    rows = session.execute(
        select(Article.source_id, func.count())
        .where(Article.fetched_at >= start, Article.fetched_at < end)
        .group_by(Article.source_id)
    ).tuples().all()
    counts: Counter[str] = Counter()
    for source_id, n in rows:
        counts[groups.get(source_id, UNGROUPED)] += int(n)
    return dict(counts)


def _new_developments(session: Session, start: datetime, end: datetime,
                      dashboard_url: str | None) -> tuple[DevelopmentNotice, ...]:
    ids = session.scalars(
        select(Development.id)
        .where(Development.first_seen >= start, Development.first_seen < end, Development.status == "active")
        .order_by(Development.first_seen, Development.id)
    ).all()
    return tuple(notice_for(session, i, "new", dashboard_url=dashboard_url) for i in ids)


def _updates(session: Session, start: datetime, end: datetime,
             dashboard_url: str | None) -> tuple[DevelopmentNotice, ...]:
    """Developments that had an update alert queued in the period, with every change, once each."""
    rows = session.execute(
        select(Alert.development_id, Alert.payload)
        .join(Development, Development.id == Alert.development_id)
        .where(Alert.kind == "update", Alert.created_at >= start, Alert.created_at < end,
               Development.status == "active")
        .order_by(Alert.id)
    ).tuples().all()
    changes: dict[int, list[str]] = {}
    for dev_id, payload in rows:
        if dev_id is None:
            continue
        seen = changes.setdefault(dev_id, [])
        for c in (payload or {}).get("changes") or ():
            if str(c) not in seen:
                seen.append(str(c))
    return tuple(notice_for(session, dev_id, "update", changes=tuple(cs), dashboard_url=dashboard_url)
                 for dev_id, cs in changes.items())


def build_digest(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    groups: Mapping[str, str],
    problems: Sequence[Problem] = (),
    dashboard_url: str | None = None,
) -> DigestData:
    return DigestData(
        period_start=start,
        period_end=end,
        new=_new_developments(session, start, end, dashboard_url),
        updates=_updates(session, start, end, dashboard_url),
        articles_read=articles_read(session, start, end, groups),
        source_problems=tuple(p.notice for p in problems),
        dashboard_url=dashboard_url,
    )


def enqueue_digest(session: Session, channels: Iterable[Channel], day: date, data: DigestData) -> list[int]:
    """One digest row per channel tagged `digest`, keyed by the local date so each day's is sent once."""
    wanted = [c for c in channels if "digest" in c.tags]
    return enqueue_rendered(session, wanted, kind="digest", key=f"digest:{day.isoformat()}", msg=render_digest(data),
                            digest_date=day.isoformat())
