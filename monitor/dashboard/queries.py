"""Read models for the dashboard: developments, countries, articles with their labels, alerts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from db import store
from db.models import Alert, Article, Development, DevelopmentArticle, Label

NO_COUNTRY = "none"
ARRIVALS = ("first_arrivals", "further_arrivals")
ARTICLE_FILTERS = ("all", "relevant", "irrelevant", "labelled", "unlabelled")
ALERT_STATUSES = ("pending", "sending", "sent", "dead", "folded")
DEV_STATUSES = ("active", "seeded", "false_alarm")
LABELS = ("relevant", "irrelevant")


@dataclass(frozen=True)
class DevRow:
    id: int
    country: str | None
    code: str | None
    stage: str
    date: date
    """When it happened (the event date), or when it was first seen if that is unknown."""
    first_seen: datetime
    last_seen: datetime
    count: int | None
    count_kind: str | None
    official: bool
    status: str
    title: str
    article_count: int

    @property
    def key(self) -> str:
        return self.code or NO_COUNTRY


@dataclass(frozen=True)
class CountryRow:
    key: str
    name: str
    developments: int
    first: date
    last: date
    latest_stage: str
    moved: int | None
    """People reported moved: the sum over arrival developments that give a number."""
    cap: int | None
    """The largest cap any development reports."""
    official: bool


@dataclass(frozen=True)
class ArticleRow:
    id: int
    url: str
    canonical_url: str
    source_id: str
    title: str
    outlet: str | None
    language: str | None
    published_at: datetime | None
    fetched_at: datetime
    official: bool
    relevant: bool
    score: float
    country: str | None
    stage: str | None
    count: int | None
    count_kind: str | None
    reasons: tuple[str, ...]
    label: str | None


@dataclass(frozen=True)
class AlertRow:
    id: int
    development_id: int | None
    development_title: str | None
    channel: str
    kind: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime

    @property
    def retryable(self) -> bool:
        return self.status == "dead" or (self.status == "pending" and self.attempts > 0)


@dataclass(frozen=True)
class DevDetail:
    dev: DevRow
    summary: str
    articles: tuple[ArticleRow, ...]
    alerts: tuple[AlertRow, ...]


_DEV_COLUMNS = (Development.id, Development.receiving_country, Development.country_code, Development.stage,
                Development.event_date, Development.first_seen, Development.last_seen, Development.deportee_count,
                Development.count_kind, Development.official, Development.status, Development.title,
                Development.article_count)
_ARTICLE_COLUMNS = (Article.id, Article.url, Article.canonical_url, Article.source_id, Article.title, Article.outlet,
                    Article.language, Article.published_at, Article.fetched_at, Article.official, Article.relevant,
                    Article.score, Article.receiving_country, Article.stage, Article.deportee_count,
                    Article.count_kind, Article.reasons, Label.label)
_ALERT_COLUMNS = (Alert.id, Alert.development_id, Development.title, Alert.channel, Alert.kind, Alert.status,
                  Alert.attempts, Alert.last_error, Alert.created_at, Alert.sent_at, Alert.next_attempt_at)


def _dev(row: Any) -> DevRow:
    event_date = row[4] if row[4] is not None else row[5].date()
    return DevRow(row[0], row[1], row[2], row[3], event_date, row[5], row[6], row[7], row[8], bool(row[9]), row[10],
                  row[11] or "", row[12] or 0)


def _article(row: Any) -> ArticleRow:
    return ArticleRow(row[0], row[1], row[2], row[3], row[4] or "", row[5], row[6], row[7], row[8], bool(row[9]),
                      bool(row[10]), float(row[11] or 0.0), row[12], row[13], row[14], row[15],
                      tuple(str(r) for r in (row[16] or ())), row[17])


def _alert(row: Any) -> AlertRow:
    return AlertRow(row[0], row[1], row[2], row[3], row[4], row[5], int(row[6] or 0), row[7], row[8], row[9],
                    row[10])


def _articles_query() -> Select[*tuple[Any, ...]]:
    return select(*_ARTICLE_COLUMNS).outerjoin(Label, Label.canonical_url == Article.canonical_url)


def timeline(session: Session) -> list[DevRow]:
    """Every development except false alarms, oldest first."""
    rows = session.execute(select(*_DEV_COLUMNS).where(Development.status != "false_alarm")).all()
    return sorted((_dev(r) for r in rows), key=lambda d: (d.date, d.id))


def developments(session: Session, *, country: str | None = None, stage: str | None = None,
                 status: str | None = None, limit: int = 100, offset: int = 0) -> tuple[list[DevRow], int]:
    """A page of developments, newest event first, and how many match in all."""
    q = select(*_DEV_COLUMNS)
    if country is not None:
        q = q.where(Development.country_code.is_(None) if country == NO_COUNTRY
                    else Development.country_code == country.upper())
    if stage is not None:
        q = q.where(Development.stage == stage)
    if status is not None:
        q = q.where(Development.status == status)
    total = int(session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    q = q.order_by(func.coalesce(Development.event_date, func.date(Development.first_seen)).desc(),
                   Development.id.desc())
    return [_dev(r) for r in session.execute(q.limit(limit).offset(offset)).all()], total


def countries(devs: Iterable[DevRow]) -> list[CountryRow]:
    """One summary per receiving country, the most recently active first."""
    groups: dict[str, list[DevRow]] = defaultdict(list)
    for d in devs:
        groups[d.key].append(d)
    out = []
    for key, rows in groups.items():
        rows.sort(key=lambda d: (d.date, d.id))
        moved = [d.count for d in rows if d.stage in ARRIVALS and d.count is not None and d.count_kind != "cap"]
        caps = [d.count for d in rows if d.count_kind == "cap" and d.count is not None]
        name = next((d.country for d in reversed(rows) if d.country), None) or "No single country"
        out.append(CountryRow(key, name, len(rows), rows[0].date, rows[-1].date, rows[-1].stage,
                              sum(moved) if moved else None, max(caps) if caps else None,
                              any(d.official for d in rows)))
    return sorted(out, key=lambda c: (c.last, c.name), reverse=True)


def articles_of(session: Session, dev_ids: Sequence[int]) -> dict[int, list[ArticleRow]]:
    """The reporting articles of each development, official ones first, then by date."""
    if not dev_ids:
        return {}
    q = (_articles_query().add_columns(DevelopmentArticle.development_id)
         .join(DevelopmentArticle, DevelopmentArticle.article_id == Article.id)
         .where(DevelopmentArticle.development_id.in_(list(dev_ids)))
         .order_by(Article.official.desc(), Article.published_at.asc().nulls_last(), Article.id))
    out: dict[int, list[ArticleRow]] = defaultdict(list)
    for row in session.execute(q).all():
        out[row[-1]].append(_article(row))
    return out


def source_urls(session: Session, dev_ids: Sequence[int]) -> dict[int, list[str]]:
    """Just the reporting articles' URLs per development (for exports, where nothing else is needed)."""
    if not dev_ids:
        return {}
    q = (select(DevelopmentArticle.development_id, Article.url)
         .join(Article, Article.id == DevelopmentArticle.article_id)
         .where(DevelopmentArticle.development_id.in_(list(dev_ids)))
         .order_by(DevelopmentArticle.development_id, Article.official.desc(), Article.id))
    out: dict[int, list[str]] = defaultdict(list)
    for dev_id, url in session.execute(q).all():
        out[dev_id].append(url)
    return out


def country_developments(session: Session, key: str) -> list[tuple[DevRow, list[ArticleRow]]]:
    """All developments for one country (false alarms too), in the order they happened, with their sources."""
    devs, _ = developments(session, country=key, limit=10_000)
    devs.sort(key=lambda d: (d.date, d.id))
    articles = articles_of(session, [d.id for d in devs])
    return [(d, articles.get(d.id, [])) for d in devs]


def development(session: Session, dev_id: int) -> DevDetail | None:
    row = session.execute(select(*_DEV_COLUMNS, Development.summary).where(Development.id == dev_id)).first()
    if row is None:
        return None
    alerts = session.execute(select(*_ALERT_COLUMNS).outerjoin(Development, Development.id == Alert.development_id)
                             .where(Alert.development_id == dev_id).order_by(Alert.id)).all()
    return DevDetail(_dev(row), str(row[-1] or ""), tuple(articles_of(session, [dev_id]).get(dev_id, [])),
                     tuple(_alert(a) for a in alerts))


def articles(session: Session, which: str = "all", *, limit: int = 50, offset: int = 0) -> list[ArticleRow]:
    """Recent articles (newest fetched first) with their analyst label, filtered by `which` (ARTICLE_FILTERS)."""
    q = _articles_query()
    if which == "relevant":
        q = q.where(Article.relevant.is_(True))
    elif which == "irrelevant":
        q = q.where(Article.relevant.is_(False))
    elif which == "labelled":
        q = q.where(Label.label.is_not(None))
    elif which == "unlabelled":
        q = q.where(Label.label.is_(None))
    q = q.order_by(Article.fetched_at.desc(), Article.id.desc()).limit(limit).offset(offset)
    return [_article(r) for r in session.execute(q).all()]


def article(session: Session, article_id: int) -> ArticleRow | None:
    row = session.execute(_articles_query().where(Article.id == article_id)).first()
    return _article(row) if row is not None else None


def label_article(session: Session, article_id: int, label: str) -> ArticleRow | None:
    """Store an analyst's label for an article (by its canonical URL); None when there is no such article."""
    canonical = session.scalar(select(Article.canonical_url).where(Article.id == article_id))
    if canonical is None:
        return None
    store.save_label(session, canonical, label)
    return article(session, article_id)


def alerts(session: Session, status: str | None = None, *, limit: int = 200) -> list[AlertRow]:
    q = select(*_ALERT_COLUMNS).outerjoin(Development, Development.id == Alert.development_id)
    if status is not None:
        q = q.where(Alert.status == status)
    return [_alert(r) for r in session.execute(q.order_by(Alert.id.desc()).limit(limit)).all()]


def alert_counts(session: Session) -> dict[str, int]:
    rows = session.execute(select(Alert.status, func.count()).group_by(Alert.status)).all()
    return {str(status): int(n) for status, n in rows}


def set_development_status(session: Session, dev_id: int, status: str) -> bool:
    """Mark a development a false alarm or active again; False when there is no such development."""
    dev = session.get(Development, dev_id)
    if dev is None:
        return False
    dev.status = status
    return True
