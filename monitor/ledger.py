"""The ledger of known developments: seeded as history so that old news never alerts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Development
from monitor.types import Stage

LEDGER = Path(__file__).parent / "ledger.yaml"


@dataclass(frozen=True)
class LedgerEntry:
    key: str
    country: str | None
    stage: Stage
    count: int | None
    count_kind: str | None
    date: date | None
    title: str
    source: str | None


def load_ledger(path: Path = LEDGER) -> list[LedgerEntry]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = []
    for e in raw.get("developments", []):
        day = e.get("date")
        entries.append(LedgerEntry(
            key=str(e["key"]), country=e.get("country"), stage=Stage(e["stage"]), count=e.get("count"),
            count_kind=e.get("count_kind"), date=date.fromisoformat(day) if isinstance(day, str) else day,
            title=str(e.get("title", "")), source=e.get("source"),
        ))
    return entries


def seed_ledger(session: Session, entries: list[LedgerEntry]) -> int:
    """Insert the entries not yet in the database; returns how many were added."""
    from monitor.classify import country_code

    present = set(session.scalars(select(Development.ledger_key).where(Development.ledger_key.is_not(None))).all())
    added = 0
    for e in entries:
        if e.key in present:
            continue
        when = datetime.combine(e.date, datetime.min.time(), UTC) if e.date else datetime(2025, 1, 1, tzinfo=UTC)
        session.add(Development(
            receiving_country=e.country, country_code=country_code(e.country) if e.country else None,
            stage=e.stage.value, deportee_count=e.count, count_kind=e.count_kind, event_date=e.date,
            first_seen=when, last_seen=when, title=e.title, summary=e.title, official=False, status="seeded",
            article_count=0, ledger_key=e.key, reference_url=e.source,
        ))
        added += 1
    return added
