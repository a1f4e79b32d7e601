"""Storage queries: each takes a session first and never commits; the caller owns the transaction."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.models import Alert, Article, Development, DevelopmentArticle, Label, Source, utcnow


@dataclass(frozen=True)
class SourceState:
    """What a spider needs to know from earlier crawls of a source."""

    etag: str | None
    last_modified: str | None
    seen_urls: frozenset[str]


def _insert(session: Session, model: Any) -> Any:
    """A dialect-specific INSERT that supports ON CONFLICT."""
    name = session.get_bind().dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(model)


def lock(session: Session, key: str) -> None:
    """Serialise writers on `key` until the transaction ends.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite transactions already begin
    IMMEDIATE, which holds the single write lock for the whole transaction.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})


def sync_sources(session: Session, sources: Iterable[tuple[str, str, str]]) -> None:
    """Make sure a row exists for every (id, kind, url); update kind and url if they changed."""
    for source_id, kind, url in sources:
        stmt = _insert(session, Source).values(id=source_id, kind=kind, url=url)
        session.execute(stmt.on_conflict_do_update(index_elements=["id"], set_={"kind": kind, "url": url}))


def source_state(session: Session, source_id: str, *, recent: int = 2000) -> SourceState:
    row = session.get(Source, source_id)
    urls = session.scalars(
        select(Article.canonical_url).where(Article.source_id == source_id).order_by(Article.id.desc()).limit(recent)
    ).all()
    return SourceState(row.etag if row else None, row.last_modified if row else None, frozenset(urls))


def article_exists(session: Session, canonical_url: str) -> bool:
    return session.scalar(select(Article.id).where(Article.canonical_url == canonical_url)) is not None


def record_fetch(
    session: Session,
    source_id: str,
    *,
    ok: bool,
    error: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    not_modified: bool = False,
    truncated: bool = False,
    now: datetime | None = None,
) -> None:
    """Record one fetch of a source's index (feed, sitemap, listing) in its health row.

    *truncated*: the index listed more entries than were read (see ``Source.truncated_total``).
    """
    now = now or utcnow()
    values: dict[str, Any] = {"last_run_at": now}
    if ok:
        values.update(last_ok_at=now, consecutive_failures=0)
        if not not_modified:
            values.update(etag=etag, last_modified=last_modified)
        else:
            values["unchanged_total"] = Source.unchanged_total + 1
        if truncated:
            values["truncated_total"] = Source.truncated_total + 1
    else:
        values.update(
            last_error=(error or "unknown error")[:2000],
            last_error_at=now,
            consecutive_failures=Source.consecutive_failures + 1,
            failed_total=Source.failed_total + 1,
        )
    session.execute(update(Source).where(Source.id == source_id).values(**values))


def record_page(session: Session, source_id: str, *, new: bool, now: datetime | None = None) -> None:
    values: dict[str, Any] = {"fetched_total": Source.fetched_total + 1}
    if new:
        values.update(new_total=Source.new_total + 1, last_new_at=now or utcnow())
    session.execute(update(Source).where(Source.id == source_id).values(**values))


def insert_article(session: Session, values: dict[str, Any]) -> int | None:
    """Insert an article; None when its canonical URL or its content is already stored."""
    stmt = _insert(session, Article).values(**values).on_conflict_do_nothing().returning(Article.id)
    return session.execute(stmt).scalar()


def attach_article(session: Session, development_id: int, article_id: int, now: datetime | None = None) -> bool:
    stmt = _insert(session, DevelopmentArticle).values(development_id=development_id, article_id=article_id)
    added = session.execute(stmt.on_conflict_do_nothing().returning(DevelopmentArticle.article_id)).scalar()
    if added is None:
        return False
    session.execute(
        update(Development)
        .where(Development.id == development_id)
        .values(article_count=Development.article_count + 1, last_seen=now or utcnow())
    )
    return True


def enqueue(
    session: Session,
    *,
    dedup_key: str,
    channel: str,
    kind: str,
    development_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> int | None:
    """Add an outbox row unless one with the same key exists (then None)."""
    stmt = (
        _insert(session, Alert)
        .values(
            dedup_key=dedup_key,
            channel=channel,
            kind=kind,
            development_id=development_id,
            payload=payload or {},
            status="pending",
            next_attempt_at=utcnow(),
        )
        .on_conflict_do_nothing()
        .returning(Alert.id)
    )
    return session.execute(stmt).scalar()


def development_articles(session: Session, development_id: int) -> Sequence[Article]:
    return session.scalars(
        select(Article)
        .join(DevelopmentArticle, DevelopmentArticle.article_id == Article.id)
        .where(DevelopmentArticle.development_id == development_id)
        .order_by(Article.official.desc(), Article.published_at.asc().nulls_last(), Article.id)
    ).all()


def development_leads(session: Session, development_ids: Sequence[int], *, limit: int = 10, chars: int = 400
                      ) -> dict[int, list[tuple[str, str]]]:
    """(title, start of text) of each development's latest reports, newest first, in one query."""
    if not development_ids:
        return {}
    rank = func.row_number().over(partition_by=DevelopmentArticle.development_id, order_by=Article.id.desc())
    ranked = (
        select(DevelopmentArticle.development_id.label("dev"), Article.title.label("title"),
               func.substr(Article.text, 1, chars).label("lead"), rank.label("n"))
        .join(Article, Article.id == DevelopmentArticle.article_id)
        .where(DevelopmentArticle.development_id.in_(development_ids))
        .subquery()
    )
    leads: dict[int, list[tuple[str, str]]] = {}
    for dev, title, lead in session.execute(
            select(ranked.c.dev, ranked.c.title, ranked.c.lead).where(ranked.c.n <= limit)
            .order_by(ranked.c.dev, ranked.c.n)):
        leads.setdefault(dev, []).append((title or "", lead or ""))
    return leads


def list_developments(session: Session, *, include_seeded: bool = True, limit: int = 500) -> Sequence[Development]:
    q = select(Development).order_by(Development.first_seen.desc(), Development.id.desc()).limit(limit)
    if not include_seeded:
        q = q.where(Development.status != "seeded")
    return session.scalars(q).all()


def list_alerts(session: Session, *, status: str | None = None, limit: int = 200) -> Sequence[Alert]:
    q = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status:
        q = q.where(Alert.status == status)
    return session.scalars(q).all()


def count_rows(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def save_label(session: Session, canonical_url: str, label: str, note: str | None = None) -> None:
    stmt = _insert(session, Label).values(canonical_url=canonical_url, label=label, note=note, created_at=utcnow())
    session.execute(
        stmt.on_conflict_do_update(index_elements=["canonical_url"], set_={"label": label, "note": note})
    )
