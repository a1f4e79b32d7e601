"""A small, known database for dashboard tests: developments per country, articles, source health, alerts."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy.orm import Session

from db.models import Alert, Article, Development, DevelopmentArticle, Source
from db.session import make_engine, make_sessionmaker, transaction
from monitor.config import AppConfig, Settings
from monitor.dashboard.auth import hash_password
from monitor.demo import SLACK_DEMO_URL
from monitor.runtime import Runtime

TOKEN = "test-dashboard-token-0123456789"
USER, PASSWORD = "analyst", "correct horse battery"

# (country, code, stage, event date, count, count kind, official)
DEVELOPMENTS = [
    (None, None, "talks", date(2025, 1, 20), None, None, True),
    ("South Sudan", "SS", "first_arrivals", date(2025, 7, 5), 8, "moved", False),
    ("Kosovo", "XK", "agreement", date(2025, 6, 11), 50, "cap", True),
    ("Kosovo", "XK", "first_arrivals", date(2025, 12, 11), 2, "moved", False),
    ("Eswatini", "SZ", "first_arrivals", date(2025, 7, 15), 5, "moved", True),
    ("Eswatini", "SZ", "court_ruling", date(2025, 9, 1), None, None, False),
    ("Eswatini", "SZ", "further_arrivals", date(2025, 10, 6), 10, "moved", False),
    ("Rwanda", "RW", "agreement", date(2025, 8, 5), 250, "cap", True),
    ("Rwanda", "RW", "first_arrivals", date(2025, 8, 28), 7, "moved", False),
    ("Ghana", "GH", "first_arrivals", date(2025, 9, 6), 14, "moved", True),
    ("Ghana", "GH", "further_arrivals", date(2025, 11, 5), 19, "moved", False),
    ("Nigeria", "NG", "criticism", date(2025, 7, 10), None, None, True),
    ("Palau", "PW", "agreement", date(2025, 12, 24), 75, "cap", True),
    ("Cameroon", "CM", "first_arrivals", date(2026, 1, 14), 9, "moved", False),
]
# Marked a false alarm by an analyst: never drawn on the timeline.
FALSE_ALARM = ("Uzbekistan", "UZ", "first_arrivals", date(2025, 9, 20), 30, "moved", False)
SOURCES = [("wire-a", 0, None), ("gov-b", 4, "HTTP 503 Service Unavailable"), ("local-c", 1, "DNS lookup failed"),
           ("search-d", 0, None)]


@dataclass(frozen=True)
class Seeded:
    rt: Runtime
    marks: dict[str, int]
    """Expected timeline marks per country key."""
    dead_alert: int
    unlabelled_article: int


def config(webhook_channel: bool = True) -> AppConfig:
    return AppConfig.model_validate({
        "sources": [{"id": sid, "kind": "feed", "url": f"https://{sid}.example.org/feed.xml"} for sid, _, _ in SOURCES],
        "channels": [{"name": "slack", "url": SLACK_DEMO_URL}] if webhook_channel else [],
        "alerts": {"backoff_base_s": 0.5},
        "dashboard": {"token": TOKEN, "users": [{"name": USER, "password_hash": hash_password(PASSWORD)}],
                      "session_secret": "a-test-session-secret-of-some-length"},
    })


def runtime(db_url: str, cfg: AppConfig) -> Runtime:
    engine = make_engine(db_url)
    rt = Runtime(Settings(database_url=SecretStr(db_url)), cfg, Path("test.yaml"), engine, make_sessionmaker(engine))
    rt.sync_sources()
    return rt


def _article(s: Session, n: int, *, title: str, relevant: bool, country: str | None = None,
             code: str | None = None, stage: str | None = None, official: bool = False,
             published: datetime | None = None) -> Article:
    url = f"https://news{n % 5}.example.org/story/{n}"
    a = Article(canonical_url=url, url=url, source_id=SOURCES[n % len(SOURCES)][0], outlet=f"Outlet {n % 5}",
                official=official, title=title, text=f"{title}. Body text {n}.",
                language=("en", "es", "fr")[n % 3], published_at=published,
                fetched_at=datetime(2026, 2, 1, tzinfo=UTC) + timedelta(minutes=n),
                content_hash=hashlib.sha256(url.encode()).hexdigest(), relevant=relevant,
                score=0.9 if relevant else 0.1, receiving_country=country, country_code=code, stage=stage,
                reasons=["cue: 'third-country nationals'", f"receiving country: {country}"] if relevant else [])
    s.add(a)
    return a


def seed(rt: Runtime) -> Seeded:
    """Fill the database behind `rt` and say what the dashboard should show."""
    now = datetime(2026, 2, 20, tzinfo=UTC)
    marks: Counter[str] = Counter()
    n = 0
    with transaction(rt.factory) as s:
        for sid, failures, error in SOURCES:
            src = s.get(Source, sid)
            assert src is not None
            src.consecutive_failures = failures
            src.last_error = error
            src.last_ok_at = now - timedelta(hours=1 + failures * 6)
            src.last_error_at = now if error else None
        dev_ids = []
        for country, code, stage, when, count, kind, official in [*DEVELOPMENTS, FALSE_ALARM]:
            dev = Development(receiving_country=country, country_code=code, stage=stage, deportee_count=count,
                              count_kind=kind, event_date=when, official=official,
                              first_seen=datetime.combine(when, datetime.min.time(), UTC),
                              last_seen=datetime.combine(when, datetime.min.time(), UTC),
                              title=f"{country or 'United States'}: {stage.replace('_', ' ')}",
                              status="false_alarm" if code == "UZ" else "active", summary="Summary of the event.")
            s.add(dev)
            s.flush()
            dev_ids.append(dev.id)
            if code != "UZ":
                marks[code or "none"] += 1
            for k in range(1 + dev.id % 2):
                n += 1
                a = _article(s, n, title=f"{country or 'U.S.'} {stage} report {k}", relevant=True, country=country,
                             code=code, stage=stage, official=official and k == 0,
                             published=datetime.combine(when, datetime.min.time(), UTC))
                s.flush()
                s.add(DevelopmentArticle(development_id=dev.id, article_id=a.id))
                dev.article_count += 1
        for _ in range(6):
            n += 1
            last = _article(s, n, title=f"Unrelated story {n}", relevant=False)
        s.flush()
        dead = Alert(dedup_key=f"dev:{dev_ids[2]}:new:slack", development_id=dev_ids[2], channel="slack", kind="new",
                     status="dead", attempts=8, last_error="HTTP 500 from the webhook")
        s.add_all([dead,
                   Alert(dedup_key=f"dev:{dev_ids[1]}:new:slack", development_id=dev_ids[1], channel="slack",
                         kind="new", status="sent", attempts=1, sent_at=now),
                   Alert(dedup_key=f"dev:{dev_ids[3]}:new:slack", development_id=dev_ids[3], channel="slack",
                         kind="new", status="pending", attempts=2, last_error="timeout",
                         next_attempt_at=now + timedelta(days=3650))])
        s.flush()
        return Seeded(rt, dict(marks), dead.id, last.id)
