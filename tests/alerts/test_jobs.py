"""The digest and source-health jobs: periods in the team's time zone, content, once per day / per problem."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import SecretStr
from sqlalchemy import select

from alerts.digest import digest_period
from db import store
from db.models import Alert, utcnow
from db.session import transaction
from monitor.config import Settings
from monitor.jobs import check_health, digest_job, health_job, queue_digest, schedule_alert_jobs
from monitor.runtime import Runtime, open_runtime
from tests.alerts.conftest import report

NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize(("now", "at", "expected"), [
    # After the digest time: today's digest, covering the 24 hours before it.
    (datetime(2025, 6, 11, 13, 0, tzinfo=UTC), time(8, 0),
     ("2025-06-11", datetime(2025, 6, 10, 8, tzinfo=NY), datetime(2025, 6, 11, 8, tzinfo=NY))),
    # Before it (11:59 UTC = 07:59 in New York): still yesterday's.
    (datetime(2025, 6, 11, 11, 59, tzinfo=UTC), time(8, 0),
     ("2025-06-10", datetime(2025, 6, 9, 8, tzinfo=NY), datetime(2025, 6, 10, 8, tzinfo=NY))),
    # The local date differs from the UTC date late in the evening.
    (datetime(2025, 6, 12, 2, 0, tzinfo=UTC), time(21, 30),
     ("2025-06-11", datetime(2025, 6, 10, 21, 30, tzinfo=NY), datetime(2025, 6, 11, 21, 30, tzinfo=NY))),
])
def test_digest_period_in_the_team_time_zone(now: datetime, at: time,
                                             expected: tuple[str, datetime, datetime]) -> None:
    day, start, end = digest_period(now, at, NY)
    assert (day.isoformat(), start, end) == expected


def test_digest_period_across_a_dst_change_starts_at_the_local_time() -> None:
    _, start, end = digest_period(datetime(2026, 3, 8, 15, tzinfo=UTC), time(8, 0), NY)
    assert (start.hour, end.hour) == (8, 8)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=23)  # clocks went forward that night


@pytest.fixture
def rt(tmp_path: Path, db_url: str) -> Iterator[Runtime]:
    cfg = {
        "sources": [
            {"id": "src-news", "kind": "feed", "url": "https://news.example.org/feed", "interval": "10m",
             "tags": ["news", "search"]},
            {"id": "src-gov", "kind": "feed", "url": "https://gov.example.org/feed", "interval": "1h",
             "tags": ["official"], "official": True},
            {"id": "src-off", "kind": "feed", "url": "https://off.example.org/feed", "enabled": False},
        ],
        "channels": [
            {"name": "team-mail", "url": "mailto://127.0.0.1:9?to=a@example.org", "tags": ["immediate", "digest"]},
            {"name": "team-slack", "url": "json://127.0.0.1:9/", "tags": ["immediate"]},
            {"name": "ops-hook", "url": "json://127.0.0.1:9/ops", "tags": ["ops"]},
        ],
        "digest": {"time": "08:00", "timezone": "America/New_York"},
    }
    path = tmp_path / "dw.yaml"
    path.write_text(yaml.safe_dump(cfg))
    runtime = open_runtime(Settings(database_url=SecretStr(db_url)), path)
    yield runtime
    runtime.close()


def _alerts(rt: Runtime, kind: str) -> list[Alert]:
    with transaction(rt.factory) as s:
        return list(s.scalars(select(Alert).where(Alert.kind == kind).order_by(Alert.id)).all())


def _fail(rt: Runtime, source_id: str, times: int, error: str = "HTTP 503") -> None:
    with transaction(rt.factory) as s:
        for _ in range(times):
            store.record_fetch(s, source_id, ok=False, error=error)


def _ok(rt: Runtime, source_id: str, when: datetime | None = None) -> None:
    with transaction(rt.factory) as s:
        store.record_fetch(s, source_id, ok=True, now=when)


def test_digest_lists_developments_updates_reading_and_problems_once_a_day(rt: Runtime) -> None:
    routes = rt.routes()
    report(rt.factory, routes, 1, country="Zedland", code="ZZ", count=50)
    report(rt.factory, routes, 2, country="Zedland", code="ZZ", count=75)  # a new number: an update
    report(rt.factory, routes, 3, relevant=False)
    report(rt.factory, routes, 4, relevant=False, source_id="src-gov")
    _fail(rt, "src-news", 3)
    _ok(rt, "src-gov")
    # The digest due one minute from now covers the 24 hours up to then.
    due = datetime.now(NY).replace(microsecond=0) + timedelta(minutes=1)
    rt.config = rt.config.model_copy(update={"digest": rt.config.digest.model_copy(update={"time": due.time()})})
    assert queue_digest(rt, due) == 1
    [row] = _alerts(rt, "digest")
    assert row.channel == "team-mail" and row.dedup_key == f"digest:{due.date().isoformat()}:team-mail"
    text = row.payload["text"]
    assert row.payload["title"] == f"Daily digest {due.date().isoformat()}: 1 new development, 1 update"
    for part in ("Zedland — agreement to receive up to 75 third-country deportees", "number of people: 50 → 75",
                 "Articles read (4)", "news: 3", "official: 1", "Source health problems",
                 "src-news: source failing", "3 failed fetches in a row; last error: HTTP 503"):
        assert part in text, (part, text)
    # Queued once per channel and local date, however often the job runs.
    assert queue_digest(rt, due + timedelta(hours=3)) == 0
    assert queue_digest(rt, due + timedelta(days=1)) == 1
    assert len(_alerts(rt, "digest")) == 2


def test_the_digest_job_runs_on_the_event_loop(rt: Runtime) -> None:
    assert asyncio.run(digest_job(rt)) == 1
    assert asyncio.run(digest_job(rt)) == 0


def test_a_failing_source_is_reported_once_and_again_after_recovery(rt: Runtime) -> None:
    _fail(rt, "src-news", 2)
    assert check_health(rt) == 0  # below the threshold of 3
    _fail(rt, "src-news", 1)
    assert check_health(rt) == 1
    _fail(rt, "src-news", 5)
    assert check_health(rt) == 0
    [first] = _alerts(rt, "ops")
    assert first.channel == "ops-hook"
    assert first.payload["title"] == "deportwatch ops: source failing — src-news"
    _ok(rt, "src-news")
    assert check_health(rt) == 0
    _fail(rt, "src-news", 3, error="DNS lookup failed")
    assert check_health(rt) == 1
    assert "DNS lookup failed" in _alerts(rt, "ops")[-1].payload["text"]


def test_a_silent_source_is_reported_once(rt: Runtime) -> None:
    now = utcnow()
    # src-news runs every 10 minutes: silent after 30; src-gov hourly: silent after 3 hours.
    _ok(rt, "src-news", now - timedelta(minutes=31))
    _ok(rt, "src-gov", now - timedelta(minutes=50))
    assert check_health(rt, now, started_at=now) == 1
    assert check_health(rt, now + timedelta(minutes=5), started_at=now) == 0
    [row] = _alerts(rt, "ops")
    assert row.payload["title"] == "deportwatch ops: source silent — src-news"
    assert "no successful fetch for 0.5 h" in row.payload["text"]


def test_sources_that_never_ran_count_from_the_start_of_the_daemon(rt: Runtime) -> None:
    now = utcnow()
    assert check_health(rt, now, started_at=now - timedelta(minutes=20)) == 0
    assert asyncio.run(health_job(rt, started_at=now - timedelta(hours=4))) == 2  # both; the disabled one not
    assert {r.payload["source_id"] for r in _alerts(rt, "ops")} == {"src-news", "src-gov"}


def test_schedule_alert_jobs_uses_the_team_time_zone(rt: Runtime) -> None:
    scheduler = BackgroundScheduler(timezone=UTC)
    ids = schedule_alert_jobs(scheduler, rt, health_interval_s=120)
    scheduler.start(paused=True)
    try:
        digest, health = (scheduler.get_job(i) for i in ids)
        assert digest is not None and health is not None
        local = digest.next_run_time.astimezone(NY)
        assert (local.hour, local.minute, local.second) == (8, 0, 0)
        assert timedelta(0) < digest.next_run_time - datetime.now(UTC) <= timedelta(days=1)
        assert health.trigger.interval == timedelta(seconds=120)
        assert health.max_instances == 1 and digest.coalesce
    finally:
        scheduler.shutdown(wait=False)
