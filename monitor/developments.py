"""Development tracking: store a classified article and decide whether it is news (alert) or another report."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from db import store
from db.models import Development, utcnow
from monitor import stories
from monitor.classify.countries import country_code as code_of
from monitor.eventmarks import EventMarks, agreed_marks, event_marks
from monitor.types import Article, Classification, Stage

log = logging.getLogger(__name__)

# How long after its last report a development still absorbs new reports of the same stage.
WINDOW = timedelta(days=30)
# Court rulings come in quick succession (order, stay, appeal); each is its own development after this.
COURT_WINDOW = timedelta(days=14)
# Arrivals with a different count more than this long after the last report are a new flight.
NEW_FLIGHT_GAP = timedelta(days=5)
# When reports disagree evenly, a concrete event (a flight, a signature, a ruling) outranks talk about it.
STAGE_PRECEDENCE = [s.value for s in (Stage.FIRST_ARRIVALS, Stage.FURTHER_ARRIVALS, Stage.AGREEMENT, Stage.COURT_RULING,
                                      Stage.PAUSED_OR_ENDED, Stage.TALKS, Stage.CRITICISM)]
CONFUSABLE = {
    frozenset((Stage.TALKS.value, Stage.AGREEMENT.value)),
    frozenset((Stage.TALKS.value, Stage.CRITICISM.value)),
    frozenset((Stage.COURT_RULING.value, Stage.PAUSED_OR_ENDED.value)),
}
CONFUSABLE_WINDOW = timedelta(days=2)
ARRIVALS = {Stage.FIRST_ARRIVALS.value, Stage.FURTHER_ARRIVALS.value}


@dataclass(frozen=True)
class ChannelRoute:
    """A channel's name and the alert tags it carries (from config)."""

    name: str
    tags: frozenset[str]


@dataclass(frozen=True)
class IngestResult:
    article_id: int | None
    """None when the article was already stored (same canonical URL or same content)."""
    development_id: int | None = None
    new_development: bool = False
    update: bool = False
    changes: tuple[str, ...] = ()
    follow_up: bool = False
    """True when an article below the relevance threshold was stored as another report of a development."""

    @property
    def duplicate(self) -> bool:
        return self.article_id is None


def article_values(article: Article, cls: Classification) -> dict[str, object]:
    return {
        "canonical_url": article.canonical_url,
        "url": article.url,
        "source_id": article.source_id,
        "outlet": article.outlet,
        "official": article.official,
        "title": article.title,
        "text": article.text,
        "language": cls.language or article.language,
        "published_at": article.published_at,
        "content_hash": article.content_hash,
        "relevant": cls.relevant,
        "score": float(cls.score),
        "receiving_country": cls.receiving_country,
        "country_code": cls.country_code,
        "stage": cls.stage.value if cls.stage else None,
        "deportee_count": cls.deportee_count,
        "count_kind": cls.count_kind.value if cls.count_kind else None,
        "reasons": list(cls.reasons),
    }


def find_development(
    session: Session,
    country_code: str | None,
    stage: str,
    *,
    now: datetime,
    count: int | None = None,
    marks: EventMarks | None = None,
    alternatives: tuple[str, ...] = (),
    mentioned: tuple[str, ...] = (),
) -> Development | None:
    """The open development a report of (country, stage, count) belongs to, if any.

    In order: arrivals of the same number of people (the flight's own fact, however outlets word
    "first" or "more"); for a running total, arrivals of a smaller number on the same days; the same
    stage; arrivals on the same days when one side has no number (the
    first report of a flight rarely has its count, and later ones often leave it out); criticism of
    an event with its number; a stage the text supports nearly as well as its own (``alternatives``)
    with no conflicting number; a stage outlets confuse for this one on the same days (talks or a deal, a
    refusal or talks, a ruling or a halt), unless the report brings a number the development
    lacked (a deal after talks); a deal reported on the days after a flight, when no deal was reported
    before it; the same number of people on the same days, whatever the stage
    (a ruling and a flight apart); another country the report names, with a development of the same
    number and stage on the same days (an onward move or a stopover); at any age, known history of the
    same country, stage and number.
    A report naming no single country first joins the development with its stage and number on the
    same days.
    Candidates that name another court or another flight number are never joined.
    """
    if country_code is None and count is not None and count > 1:
        # A report naming no single receiving country ("two Caribbean nations", a ministry's note that
        # names none) joins the country's development that has its stage and its number on the same days.
        counted_dev = session.scalars(
            select(Development).where(
                *_open_on_same_days(now),
                Development.country_code.is_not(None),
                Development.deportee_count == count,
                Development.stage.in_(ARRIVALS if stage in ARRIVALS else {stage}),
            ).order_by(Development.last_seen.desc()).limit(1)
        ).first()
        if counted_dev is not None:
            return counted_dev
    # Court rulings follow each other quickly, and reports naming no single country share only their stage.
    window = COURT_WINDOW if stage == Stage.COURT_RULING.value or country_code is None else WINDOW
    q = select(Development).where(
        Development.status != "false_alarm",
        or_(Development.last_seen >= now - window, Development.event_date >= (now - window).date()),
        # A report never joins a development first seen after it (late or out-of-order reports).
        Development.first_seen <= now + CONFUSABLE_WINDOW,
    )
    same_country = (
        Development.country_code.is_(None) if country_code is None else Development.country_code == country_code
    )
    candidates = session.scalars(q.where(same_country).order_by(Development.last_seen.desc()).limit(20)).all()
    # A different court or a different flight number is another event, however close in time.
    candidates = _without_conflicts(session, candidates, marks, stage)
    counted = country_code is not None and count is not None
    for dev in candidates:
        if counted and dev.deportee_count == count and {dev.stage, stage} <= ARRIVALS:
            return dev
    if counted and stage in ARRIVALS and marks is not None and marks.total:
        # A running total on the days of a country's arrivals with a smaller number is the same wave of
        # flights ("the third flight brings the total to 299" after "119 on the first flight").
        for dev in candidates:
            if (dev.stage in ARRIVALS and dev.deportee_count is not None and count is not None
                    and dev.deportee_count < count and dev.last_seen >= now - CONFUSABLE_WINDOW):
                return dev
    for dev in candidates:
        if dev.stage == stage:
            return dev
    for dev in candidates:
        if ({dev.stage, stage} <= ARRIVALS and dev.last_seen >= now - CONFUSABLE_WINDOW
                and (dev.deportee_count is None or count is None)):
            return dev
    for dev in candidates:
        if counted and dev.deportee_count == count and Stage.CRITICISM.value in (dev.stage, stage):
            return dev
    for dev in candidates:
        if dev.stage in alternatives and (count is None or dev.deportee_count in (None, count)):
            return dev
    if country_code is not None:
        for dev in candidates:
            if (frozenset((dev.stage, stage)) in CONFUSABLE and dev.last_seen >= now - CONFUSABLE_WINDOW
                    and (count is None or dev.deportee_count is not None)):
                return dev
    if country_code is not None and stage == Stage.AGREEMENT.value:
        # A deal first reported on the days just after its country's flight (no deal of it reported before)
        # is the flight's story: the flight revealed it, or an official defends it.
        for dev in candidates:
            if (dev.stage in ARRIVALS and dev.last_seen >= now - CONFUSABLE_WINDOW
                    and (count is None or dev.deportee_count in (None, count))):
                return dev
    if counted and count is not None and count > 1 and stage != Stage.COURT_RULING.value:
        # The same number of people in the same country on the same days is one event, whatever stage an
        # outlet's wording suggests ("says it has no deal after court halts flight of 14" is the ruling's
        # story); a ruling and a flight are two events even when they name the same number.
        for dev in candidates:
            if (dev.deportee_count == count and (dev.stage != Stage.COURT_RULING.value or stage not in ARRIVALS)
                    and dev.last_seen >= now - CONFUSABLE_WINDOW):
                return dev
    if count is not None and count > 1 and mentioned:
        # An onward move or a stopover (eleven sent on from Ghana to Togo, 252 flown from El Salvador to
        # Venezuela, eight held in Djibouti) is the story of the country it concerns when that country is
        # named and has a development of the same number of people on the same days.
        for dev in session.scalars(select(Development).where(
                *_open_on_same_days(now), Development.country_code.in_(mentioned),
                Development.deportee_count == count).order_by(Development.last_seen.desc()).limit(5)):
            if dev.stage == stage or {dev.stage, stage} <= ARRIVALS or frozenset((dev.stage, stage)) in CONFUSABLE:
                return dev
    if counted:
        return session.scalars(
            select(Development).where(
                Development.status == "seeded",
                Development.country_code == country_code,
                Development.stage == stage,
                Development.deportee_count == count,
            ).limit(1)
        ).first()
    return None


def _mentioned_codes(cls: Classification) -> tuple[str, ...]:
    """The codes of the other countries an article names."""
    codes = (code_of(name) for name in cls.countries_mentioned)
    return tuple(sorted({code for code in codes if code and code != cls.country_code}))


def _open_on_same_days(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Developments reported in the last CONFUSABLE_WINDOW (and not first seen after it), not false alarms."""
    return (Development.status != "false_alarm", Development.last_seen >= now - CONFUSABLE_WINDOW,
            Development.first_seen <= now + CONFUSABLE_WINDOW)


def _open_of_country(session: Session, country_code: str, *, now: datetime, marks: EventMarks,
                     stage: str | None = None, seeded: bool = True) -> list[Development]:
    """This receiving country's developments reported in the last CONFUSABLE_WINDOW, latest first, that name
    no other court or flight than the report does (known history left out unless `seeded`)."""
    q = select(Development).where(*_open_on_same_days(now), Development.country_code == country_code)
    if not seeded:
        q = q.where(Development.status != "seeded")
    candidates = session.scalars(q.order_by(Development.last_seen.desc()).limit(5)).all()
    return _without_conflicts(session, candidates, marks, stage)


def _latest_of_country(session: Session, country_code: str | None, *, now: datetime,
                       marks: EventMarks) -> Development | None:
    """The development of this receiving country reported most recently in the last CONFUSABLE_WINDOW."""
    if country_code is None:
        return None
    return next(iter(_open_of_country(session, country_code, now=now, marks=marks)), None)


def _without_conflicts(session: Session, candidates: Sequence[Development],
                       marks: EventMarks | None, stage: str | None) -> list[Development]:
    """The candidates whose reports name no other court or flight than this report does (one query for all).

    Courts tell rulings apart only: a flight "after the Supreme Court cleared the way" and one whose
    report names the district judge are one flight.
    """
    court_ruling = Stage.COURT_RULING.value
    if marks is not None and stage != court_ruling:
        marks = replace(marks, court=None)
    if marks is None or not (marks.court or marks.batch) or not candidates:
        return list(candidates)
    leads = store.development_leads(session, [dev.id for dev in candidates])
    kept = []
    for dev in candidates:
        theirs = _development_marks(dev, leads)
        if dev.stage != court_ruling:
            theirs = replace(theirs, court=None)
        if not marks.conflicts(theirs):
            kept.append(dev)
    return kept


def _material_changes(dev: Development, cls: Classification, article: Article) -> list[str]:
    changes: list[str] = []
    if cls.deportee_count is not None and cls.deportee_count != dev.deportee_count:
        before = dev.deportee_count if dev.deportee_count is not None else "unknown"
        changes.append(f"number of people: {before} → {cls.deportee_count}")
    if article.official and not dev.official:
        changes.append("now confirmed by an official source")
    return changes


def _new_development(session: Session, article: Article, cls: Classification, now: datetime) -> Development:
    published = article.published_at.date() if article.published_at else now.date()
    dev = Development(
        receiving_country=cls.receiving_country,
        country_code=cls.country_code,
        stage=cls.stage.value if cls.stage else Stage.TALKS.value,
        deportee_count=cls.deportee_count,
        count_kind=cls.count_kind.value if cls.count_kind else None,
        event_date=published,
        first_seen=now,
        last_seen=now,
        title=article.title,
        summary=article.text[:600],
        official=article.official,
        status="active",
        article_count=0,
    )
    session.add(dev)
    session.flush()
    return dev


def enqueue_development_alerts(
    session: Session,
    dev_id: int,
    kind: str,
    channels: Sequence[ChannelRoute],
    *,
    key: str = "",
    changes: Sequence[str] = (),
) -> int:
    """Write one outbox row per immediate channel; returns how many were new."""
    written = 0
    for ch in channels:
        if "immediate" not in ch.tags:
            continue
        dedup = f"dev:{dev_id}:{kind}{':' + key if key else ''}:{ch.name}"
        payload = {"changes": list(changes)} if changes else {}
        if store.enqueue(session, dedup_key=dedup, channel=ch.name, kind=kind, development_id=dev_id, payload=payload):
            written += 1
    return written


def ingest(
    session: Session,
    article: Article,
    cls: Classification,
    channels: Sequence[ChannelRoute],
    *,
    now: datetime | None = None,
) -> IngestResult:
    """Store the article; if relevant, attach it to its development or open a new one, and queue alerts.

    An article below the relevance threshold with a follow-up reading (see Classification.follow_up)
    is stored as relevant, attached to its country's development of the same days, without an alert;
    with no such development it is stored as irrelevant.

    Everything happens in the caller's transaction, so a development and its outbox rows are
    written together or not at all.
    """
    now = now or utcnow()
    if not cls.relevant and cls.follow_up is not None:
        followed = _followed_development(session, cls.follow_up, article, now)
        if followed is not None:
            return _attach_follow_up(session, article, cls.follow_up, followed, now)
    article_id = store.insert_article(session, article_values(article, cls))
    if article_id is None or not cls.relevant:
        return IngestResult(article_id)
    # A relevant report whose stage no cue names is still news: it joins its country's latest development,
    # or opens one as talks, the least committal stage.
    stage = cls.stage.value if cls.stage else None
    store.lock(session, f"dev:{cls.country_code or '*'}")
    bands = stories.band_hashes(article.title, article.text)
    dev = stories.similar_development(session, bands, since=now - WINDOW) if bands else None
    marks = event_marks(article.title, article.text)
    if dev is None or (dev.country_code not in (cls.country_code, None) and cls.country_code is not None):
        if stage is None:
            dev = _latest_of_country(session, cls.country_code, now=now, marks=marks)
            stage = dev.stage if dev is not None else Stage.TALKS.value
        else:
            dev = find_development(session, cls.country_code, stage, now=now, count=cls.deportee_count,
                                   marks=marks, alternatives=tuple(st.value for st in cls.stage_alternatives),
                                   mentioned=_mentioned_codes(cls))
    if bands:
        stories.save_bands(session, article_id, bands)
    if dev is not None and stage in ARRIVALS and _is_new_flight(session, dev, cls, marks, now):
        dev = None
    if dev is None:
        dev = _new_development(session, article, cls, now)
        store.attach_article(session, dev.id, article_id, now)
        enqueue_development_alerts(session, dev.id, "new", channels)
        log.info("new development %s: %s %s", dev.id, dev.receiving_country or "(all)", dev.stage,
                 extra={"source_id": article.source_id, "url": article.url})
        return IngestResult(article_id, dev.id, new_development=True)
    changes = _material_changes(dev, cls, article)
    store.attach_article(session, dev.id, article_id, now)
    if cls.deportee_count is not None and cls.deportee_count != dev.deportee_count:
        dev.deportee_count = cls.deportee_count
        dev.count_kind = cls.count_kind.value if cls.count_kind else dev.count_kind
    dev.official = dev.official or article.official
    if stage != dev.stage:
        dev.stage = _majority_stage(session, dev)
    is_update = any(c.startswith("number of people") for c in changes)
    if is_update and dev.status == "seeded":
        # Known history with a new fact is news again.
        dev.status = "active"
    if is_update:
        enqueue_development_alerts(session, dev.id, "update", channels, key=str(article_id), changes=changes)
    return IngestResult(article_id, dev.id, update=is_update, changes=tuple(changes))


def _followed_development(session: Session, reading: Classification, article: Article,
                          now: datetime) -> Development | None:
    """The development a below-threshold article reports, if its country has one reported in the last
    CONFUSABLE_WINDOW. Known history (seeded developments) is not followed."""
    if reading.country_code is None:
        return None
    store.lock(session, f"dev:{reading.country_code}")
    stage = reading.stage.value if reading.stage else None
    candidates = [dev for dev in _open_of_country(session, reading.country_code, now=now, stage=stage,
                                                  marks=event_marks(article.title, article.text), seeded=False)
                  if _may_report(reading, dev)]
    if len(candidates) < 2:
        return next(iter(candidates), None)
    # Several open developments: the one whose recent reports share most names and numbers with the
    # article, then the one of its own stage, then the latest.
    names = _names(article.title, article.text[:400])
    leads = store.development_leads(session, [dev.id for dev in candidates])
    return max(candidates, key=lambda dev: (
        max((len(names & _names(title, lead)) for title, lead in leads.get(dev.id, [])), default=0),
        dev.stage == stage, dev.last_seen))


def _may_report(reading: Classification, dev: Development) -> bool:
    """Whether a below-threshold report may be about dev: a reaction or a detail may be about anything, and
    so may a report giving dev's number of people; otherwise it must read as the same kind of event
    (arrivals, stages outlets confuse, a deal after a flight), not as a ruling about a flight."""
    stage = reading.stage.value if reading.stage else None
    if stage in (None, Stage.CRITICISM.value, dev.stage):
        return True
    if reading.deportee_count is not None and reading.deportee_count == dev.deportee_count:
        return True
    pair = {stage, dev.stage}
    return (pair <= ARRIVALS or frozenset(pair) in CONFUSABLE
            or (stage == Stage.AGREEMENT.value and dev.stage in ARRIVALS))


_NAME = re.compile(r"\b(?:[A-ZÀ-Þ][\w'’-]{2,}|\d[\d,.]*\d|\d)")


def _names(title: str, text: str) -> set[str]:
    """Capitalised words and numbers: the names, places and figures a report shares with others of its story."""
    return {m.casefold() for m in _NAME.findall(f"{title}\n{text}")}


def _attach_follow_up(session: Session, article: Article, reading: Classification, dev: Development,
                      now: datetime) -> IngestResult:
    """Store the article as relevant, as another report of dev: no alert, and no fact of dev changes."""
    why = (f"another report of development {dev.id} ({dev.receiving_country}, {dev.stage}), "
           f"reported in the last {CONFUSABLE_WINDOW.days} days")
    cls = replace(reading, reasons=(*reading.reasons, why))
    article_id = store.insert_article(session, article_values(article, cls))
    if article_id is None:
        return IngestResult(None)
    store.attach_article(session, dev.id, article_id, now)
    dev.official = dev.official or article.official
    return IngestResult(article_id, dev.id, follow_up=True)


def _majority_stage(session: Session, dev: Development) -> str:
    """The stage most of a development's reports give; a tie goes to the most concrete event."""
    counts = Counter(a.stage for a in store.development_articles(session, dev.id) if a.stage)
    if not counts:
        return dev.stage
    return max(counts, key=lambda st: (counts[st], -STAGE_PRECEDENCE.index(st) if st in STAGE_PRECEDENCE else -99))


def _is_new_flight(session: Session, dev: Development, cls: Classification, marks: EventMarks,
                   now: datetime) -> bool:
    """Arrivals long after a development's last report, with another number of people or a flight
    ordinal ("second group") the development's reports do not give, are another flight."""
    if now - dev.last_seen <= NEW_FLIGHT_GAP:
        return False
    if cls.deportee_count is not None and dev.deportee_count is not None:
        return cls.deportee_count != dev.deportee_count
    if marks.batch is None or dev.status == "seeded":
        return False
    return _development_marks(dev, store.development_leads(session, [dev.id])).batch != marks.batch


def _development_marks(dev: Development, leads: dict[int, list[tuple[str, str]]]) -> EventMarks:
    """What most of a development's leading reports say of its court and flight (its own title and summary
    when none is stored)."""
    return agreed_marks(event_marks(title, text) for title, text in leads.get(dev.id) or [(dev.title, dev.summary)])
