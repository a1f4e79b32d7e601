"""Read models for the CLI and the dashboard: plain JSON-ready dicts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.models import Alert, Source
from db.session import transaction
from monitor.runtime import Runtime


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def developments_view(factory: sessionmaker[Session], *, include_seeded: bool = False) -> list[dict[str, Any]]:
    with transaction(factory) as s:
        rows = []
        for d in store.list_developments(s, include_seeded=include_seeded):
            articles = store.development_articles(s, d.id)
            sources = [{"outlet": a.outlet, "title": a.title, "url": a.url, "language": a.language,
                        "official": a.official, "published_at": _iso(a.published_at)} for a in articles]
            if not sources and d.reference_url:
                sources = [{"outlet": None, "title": d.title, "url": d.reference_url, "language": None,
                            "official": False, "published_at": None}]
            rows.append({
                "id": d.id,
                "receiving_country": d.receiving_country,
                "country_code": d.country_code,
                "stage": d.stage,
                "deportee_count": d.deportee_count,
                "count_kind": d.count_kind,
                "event_date": _iso(d.event_date),
                "first_seen": _iso(d.first_seen),
                "official": d.official,
                "status": d.status,
                "title": d.title,
                "ledger_key": d.ledger_key,
                "reference_url": d.reference_url,
                "sources": sources,
            })
        return rows


def alert_dict(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id, "development_id": a.development_id, "channel": a.channel, "kind": a.kind, "status": a.status,
        "attempts": a.attempts, "last_error": a.last_error, "created_at": _iso(a.created_at),
        "sent_at": _iso(a.sent_at), "next_attempt_at": _iso(a.next_attempt_at),
    }


def alerts_view(factory: sessionmaker[Session], status: str | None = None) -> list[dict[str, Any]]:
    with transaction(factory) as s:
        return [alert_dict(a) for a in store.list_alerts(s, status=status)]


def sources_view(rt: Runtime) -> list[dict[str, Any]]:
    with transaction(rt.factory) as s:
        health = {r.id: r for r in s.scalars(select(Source)).all()}
    rows = []
    for src in rt.config.sources:
        h = health.get(src.id)
        rows.append({
            "id": src.id, "kind": src.kind, "url": src.url, "language": src.language, "tags": list(src.tags),
            "interval_s": src.interval_s, "official": src.official, "enabled": src.enabled,
            "last_ok": _iso(h.last_ok_at) if h else None, "last_error": h.last_error if h else None,
            "last_error_at": _iso(h.last_error_at) if h else None,
            "consecutive_failures": h.consecutive_failures if h else 0,
            "last_new_at": _iso(h.last_new_at) if h else None,
            "fetched_total": h.fetched_total if h else 0, "new_total": h.new_total if h else 0,
        })
    return rows
