"""Crawl schedules: first runs from the database's last runs, cron sources, in-place resyncs, config errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.session import transaction
from monitor.config import Settings, SourceConfig, load_config
from monitor.errors import ConfigError
from monitor.runtime import open_runtime
from monitor.scheduler import STAGGER_S, add_alert_jobs, first_runs, last_runs, next_due, sync_crawl_jobs

NOW = datetime(2026, 3, 2, 12, 0, 0, tzinfo=UTC)


def src(source_id: str, **kw: object) -> SourceConfig:
    return SourceConfig.model_validate({"id": source_id, "kind": "feed", "url": "https://example.org/f.xml", **kw})


async def job(source_id: str) -> None:
    """Stands in for the daemon's crawl job; never run here."""


def next_runs(scheduler: AsyncIOScheduler) -> dict[str, datetime]:
    return {j.id: j.next_run_time for j in scheduler.get_jobs()}


def test_first_runs_put_overdue_and_new_sources_first_and_keep_the_rest_on_schedule() -> None:
    sources = [src("never", interval="10m"), src("overdue", interval="10m"), src("recent", interval="1h"),
               src("cron-due", cron="0 * * * *"), src("cron-later", cron="30 * * * *")]
    last = {
        "never": None,
        "overdue": NOW - timedelta(hours=5),  # down far longer than the interval
        "recent": NOW - timedelta(minutes=20),
        "cron-due": NOW - timedelta(minutes=61),  # missed the 11:00 run
        "cron-later": NOW - timedelta(minutes=15),  # ran at 11:45; next is 12:30
    }
    runs = first_runs(sources, last, NOW)
    assert runs["never"] == NOW
    assert runs["overdue"] == NOW + timedelta(seconds=STAGGER_S)
    assert runs["cron-due"] == NOW + timedelta(seconds=2 * STAGGER_S)
    assert runs["recent"] == NOW + timedelta(minutes=40)
    assert runs["cron-later"] == datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


def test_a_run_exactly_on_the_cron_time_is_not_due_again_at_once() -> None:
    on_time = datetime(2026, 3, 2, 11, 0, 0, tzinfo=UTC)
    assert next_due(src("c", cron="0 * * * *"), on_time) == datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_last_runs_come_from_the_database(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        store.sync_sources(s, [("a", "feed", "https://a.example/f"), ("b", "feed", "https://b.example/f")])
        store.record_fetch(s, "a", ok=True, now=NOW)
    last = last_runs(factory)
    assert last == {"a": NOW, "b": None}


def test_resync_adds_removes_and_reschedules_but_keeps_unchanged_jobs() -> None:
    scheduler = AsyncIOScheduler(timezone=UTC)
    old = [src("keep", interval="1h"), src("drop", interval="1h"), src("slower", interval="10m")]
    last = {"keep": NOW - timedelta(minutes=5), "drop": NOW, "slower": NOW - timedelta(minutes=9)}
    diff = sync_crawl_jobs(scheduler, old, job, last, NOW)
    assert (diff.added, diff.removed, diff.rescheduled) == (("drop", "keep", "slower"), (), ())
    before = next_runs(scheduler)

    new = [src("keep", interval="1h", url="https://example.org/moved.xml"), src("slower", interval="30m"),
           src("new", interval="1h"), src("off", interval="1h", enabled=False)]
    later = NOW + timedelta(minutes=2)
    diff = sync_crawl_jobs(scheduler, new, job, last, later, {s.id: s for s in old})
    assert (diff.added, diff.removed, diff.rescheduled) == (("new",), ("drop",), ("slower",))
    after = next_runs(scheduler)
    assert set(after) == {"crawl:keep", "crawl:slower", "crawl:new"}
    assert after["crawl:keep"] == before["crawl:keep"]  # only its URL changed: same next run
    assert after["crawl:slower"] == last["slower"] + timedelta(minutes=30)
    assert after["crawl:new"] == later
    # Running the same sync again changes nothing: no source is ever scheduled twice.
    again = sync_crawl_jobs(scheduler, new, job, last, later, {s.id: s for s in new})
    assert (again.added, again.removed, again.rescheduled) == ((), (), ())
    assert next_runs(scheduler) == after
    assert all(j.max_instances == 1 and j.coalesce for j in scheduler.get_jobs())
    assert scheduler.get_job("crawl:keep").misfire_grace_time == 3600  # not APScheduler's 1 s default


def test_cron_sources_are_validated_with_their_line(tmp_path: Path) -> None:
    f = tmp_path / "dw.yaml"
    f.write_text(
        "sources:\n"
        "  - id: ok\n    kind: feed\n    url: https://example.org/a.xml\n    cron: '*/15 6-22 * * 1-5'\n"
        "  - id: bad\n    kind: feed\n    url: https://example.org/b.xml\n    cron: '61 * * * *'\n"
        "  - id: both\n    kind: feed\n    url: https://example.org/c.xml\n    cron: '0 * * * *'\n"
        "    interval: 10m\n"
    )
    with pytest.raises(ConfigError) as e:
        load_config(f)
    found = {(p.line, p.where, p.message.split(":")[0]) for p in e.value.problems}
    assert found == {(9, "sources[1] (bad).cron", "invalid cron line '61 * * * *'"),
                     (10, "sources[2] (both)", "give either interval or cron, not both")}
    f.write_text(f.read_text().split("  - id: bad")[0])
    assert load_config(f).sources[0].cron == "*/15 6-22 * * 1-5"


def test_alert_jobs_are_added_by_the_hook_and_replaced_not_doubled_on_resync(tmp_path: Path) -> None:
    cfg = tmp_path / "dw.yaml"
    cfg.write_text("digest:\n  time: '07:30'\n  timezone: Europe/Brussels\n")
    settings = Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'd.db'}"), seed_ledger=False)
    rt = open_runtime(settings, cfg)
    try:
        scheduler = AsyncIOScheduler(timezone=UTC)
        ids = add_alert_jobs(scheduler, rt, started_at=NOW)
        assert ids and {j.id for j in scheduler.get_jobs()} == ids
        again = add_alert_jobs(scheduler, rt, ids, started_at=NOW)
        assert again == ids and len(scheduler.get_jobs()) == len(ids)
        assert all(j.kwargs.get("started_at") == NOW for j in scheduler.get_jobs())
    finally:
        rt.close()
