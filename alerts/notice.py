"""Builds the renderer's view of a development from the database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from alerts.render import DevelopmentNotice, SourceRef
from db import store
from db.models import Development
from monitor.types import CountKind, Stage

TOP_SOURCES = 8


def notice_for(
    session: Session,
    development_id: int,
    kind: str,
    *,
    changes: tuple[str, ...] = (),
    dashboard_url: str | None = None,
) -> DevelopmentNotice:
    dev = session.get(Development, development_id)
    if dev is None:
        raise LookupError(f"development {development_id} does not exist")
    articles = store.development_articles(session, development_id)
    sources = tuple(
        SourceRef(a.outlet, a.title, a.url, a.language, a.official, a.published_at) for a in articles[:TOP_SOURCES]
    )
    lead = articles[0] if articles else None
    reasons: tuple[str, ...] = tuple(lead.reasons) if lead else ()
    excerpt = (lead.text if lead else dev.summary)[:400]
    link = f"{dashboard_url.rstrip('/')}/developments/{dev.id}" if dashboard_url else None
    return DevelopmentNotice(
        kind=kind,
        development_id=dev.id,
        receiving_country=dev.receiving_country,
        stage=Stage(dev.stage),
        deportee_count=dev.deportee_count,
        count_kind=CountKind(dev.count_kind) if dev.count_kind else None,
        event_date=dev.event_date,
        first_seen=dev.first_seen,
        official=dev.official,
        sources=sources,
        excerpt=excerpt,
        reasons=reasons,
        score=max((a.score for a in articles), default=0.0),
        dashboard_url=link,
        changes=changes,
    )
