"""SQLAlchemy 2 models: sources and their health, articles, developments, the alert outbox, labels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always hands back timezone-aware datetimes, on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """A configured source and its crawl health (shared by every node through the database)."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_run_at: Mapped[datetime | None]
    last_ok_at: Mapped[datetime | None]
    last_new_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    fetched_total: Mapped[int] = mapped_column(Integer, default=0)
    new_total: Mapped[int] = mapped_column(Integer, default=0)
    unchanged_total: Mapped[int] = mapped_column(Integer, default=0)
    failed_total: Mapped[int] = mapped_column(Integer, default=0)
    truncated_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Index pages that listed more entries than a crawl reads from one page (DEPORTWATCH_INDEX_MAX_ENTRIES)."""


class Article(Base):
    __tablename__ = "articles"
    __table_args__ = (
        UniqueConstraint("canonical_url"),
        UniqueConstraint("content_hash"),
        Index("ix_articles_fetched_at", "fetched_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(String(64), index=True)
    outlet: Mapped[str | None] = mapped_column(String(200))
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(8))
    published_at: Mapped[datetime | None]
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    relevant: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    receiving_country: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str | None] = mapped_column(String(8))
    stage: Mapped[str | None] = mapped_column(String(32))
    deportee_count: Mapped[int | None] = mapped_column(Integer)
    count_kind: Mapped[str | None] = mapped_column(String(8))
    reasons: Mapped[list[str]] = mapped_column(default=list)


class Development(Base):
    """A real-world event (one alert), reported by one or more articles."""

    __tablename__ = "developments"
    __table_args__ = (
        Index("ix_developments_country_stage", "country_code", "stage"),
        UniqueConstraint("ledger_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    receiving_country: Mapped[str | None] = mapped_column(String(100))
    country_code: Mapped[str | None] = mapped_column(String(8))
    stage: Mapped[str] = mapped_column(String(32))
    deportee_count: Mapped[int | None] = mapped_column(Integer)
    count_kind: Mapped[str | None] = mapped_column(String(8))
    event_date: Mapped[date | None] = mapped_column(Date)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    title: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    official: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")
    """active | seeded (known history, never alerted) | false_alarm (marked by an analyst)"""
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    ledger_key: Mapped[str | None] = mapped_column(String(120))
    """Set for developments seeded from the shipped ledger of known history."""
    reference_url: Mapped[str | None] = mapped_column(Text)


class DevelopmentArticle(Base):
    __tablename__ = "development_articles"

    development_id: Mapped[int] = mapped_column(ForeignKey("developments.id", ondelete="CASCADE"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class StoryBand(Base):
    """One LSH band of a relevant article's MinHash: articles sharing bands tell the same story."""

    __tablename__ = "story_bands"
    # Lookups go by hash alone (a band's hash already encodes the band number).
    __table_args__ = (Index("ix_story_bands_band_hash", "band", "hash"), Index("ix_story_bands_hash", "hash"))

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[int] = mapped_column(BigInteger)


class Alert(Base):
    """The outbox: one row per message and channel, written with the development it announces."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("dedup_key"),
        Index("ix_alerts_status_next", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(200))
    development_id: Mapped[int | None] = mapped_column(ForeignKey("developments.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    """new | update | digest | ops | summary | test"""
    status: Mapped[str] = mapped_column(String(16), default="pending")
    """pending | sending | sent | dead | folded"""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Label(Base):
    """An analyst's verdict on an article, used when the model is retrained."""

    __tablename__ = "labels"
    __table_args__ = (UniqueConstraint("canonical_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048))
    label: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
