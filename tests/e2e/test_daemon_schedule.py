"""Scheduling for real: overdue sources run at once after a restart (state from the database), SIGHUP reload."""

from __future__ import annotations

import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import create_engine, select

from db.models import Source
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite
from tests.e2e.daemons import DaemonProc
from tests.support.config import demo_channels

pytestmark = pytest.mark.e2e


def write_sources(path: Path, site: NewsSite, smtp: SmtpSink, intervals: dict[str, str], **extra: Any) -> Path:
    """A config with one feed source per outlet in `intervals` (outlet → interval)."""
    feeds = site.feed_urls()
    cfg = {
        "sources": [{"id": f"site-{o}", "kind": "feed", "url": feeds[o], "interval": i, "allow_private": True}
                    for o, i in intervals.items()],
        "channels": demo_channels(smtp),
        "alerts": {"dispatch_interval": "1s"},
        **extra,
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def feed_hits(site: NewsSite, outlet: str) -> int:
    path = site.feed_urls()[outlet].removeprefix(site.base_url)
    stats = site.requests.get(path)
    return stats.requests if stats else 0


def wait_hits(site: NewsSite, outlet: str, n: int, timeout: float) -> float:
    """Wait until the outlet's feed was requested `n` times; returns when that was seen."""
    deadline = time.monotonic() + timeout
    while feed_hits(site, outlet) < n:
        if time.monotonic() > deadline:
            raise AssertionError(f"{outlet} feed requested {feed_hits(site, outlet)} times, wanted {n}")
        time.sleep(0.05)
    return time.monotonic()


def last_run(db_url: str, source_id: str) -> datetime:
    engine = create_engine(db_url)
    with engine.connect() as c:
        value = c.scalar(select(Source.last_run_at).where(Source.id == source_id))
    engine.dispose()
    assert value is not None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def test_overdue_sources_run_at_once_after_a_restart_and_only_once(
    tmp_path: Path, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    db = f"sqlite:///{tmp_path / 'restart.db'}"
    interval = 6.0
    cfg = write_sources(tmp_path / "dw.yaml", site, smtp, {"wirewatch": f"{interval:g}s", "daily-meridian": "1h"})
    daemon = DaemonProc(webhook.url, cfg, db)
    try:
        daemon.wait_ready()
        wait_hits(site, "wirewatch", 1, 60)
        wait_hits(site, "daily-meridian", 1, 60)
        daemon.wait_for_line(r"crawl done.*site-daily-meridian", 30)
        code, _ = daemon.stop()
    finally:
        daemon.kill()
    assert code == 0
    stopped = time.monotonic()
    fast_last, slow_last = last_run(db, "site-wirewatch"), last_run(db, "site-daily-meridian")
    # Down for longer than the fast source's interval.
    time.sleep(max(0.0, interval + 1 - (datetime.now(UTC) - fast_last).total_seconds()))
    site.reset_requests()

    daemon = DaemonProc(webhook.url, cfg, db)
    try:
        ready = daemon.wait_ready()
        downtime = ready - stopped
        fetched = wait_hits(site, "wirewatch", 1, 30)
        jobs = daemon.get("/healthz")[1]["scheduler"]["jobs"]
        time.sleep(3.5)
        fast, slow = feed_hits(site, "wirewatch"), feed_hits(site, "daily-meridian")
        code, _ = daemon.stop()
    finally:
        daemon.kill()
    print(f"\nrestart after {downtime:.1f}s down (interval {interval:g}s): overdue source fetched "
          f"{fetched - ready:.2f}s after start; in the next 3.5s fetched {fast}x, the 1h source {slow}x")
    assert code == 0
    # "At once": well before one interval after the start, the alternative a naive schedule would give.
    assert fetched - ready < interval - 1
    assert (fast, slow) == (1, 0)
    crawl_jobs = [j for j in jobs if j["id"].startswith("crawl:")]
    assert sorted(j["id"] for j in crawl_jobs) == ["crawl:site-daily-meridian", "crawl:site-wirewatch"]
    slow_next = datetime.fromisoformat(next(j["next_run"] for j in crawl_jobs if j["id"].endswith("meridian")))
    # The source that was not overdue keeps the time its last run in the database gives it.
    assert abs((slow_next - slow_last).total_seconds() - 3600) < 2


def test_sighup_reloads_sources_and_keeps_the_running_config_when_the_new_one_is_invalid(
    tmp_path: Path, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    db = f"sqlite:///{tmp_path / 'reload.db'}"
    cfg = write_sources(tmp_path / "dw.yaml", site, smtp, {"daily-meridian": "1h", "wirewatch": "2s"})
    daemon = DaemonProc(webhook.url, cfg, db, "--log-format", "json")
    try:
        daemon.wait_ready()
        wait_hits(site, "daily-meridian", 1, 60)
        wait_hits(site, "wirewatch", 2, 60)
        assert daemon.crawl_jobs() == ["crawl:site-daily-meridian", "crawl:site-wirewatch"]

        # Reschedule one source, remove one, add one.
        write_sources(cfg, site, smtp, {"daily-meridian": "3s", "state-dept": "1h"})
        mark = len(daemon.lines)
        sent = time.monotonic()
        daemon.signal(signal.SIGHUP)
        reloaded, _ = daemon.wait_for_line(r"configuration reloaded.*1 added, 1 removed, 1 rescheduled", 20, mark)
        removed_hits = feed_hits(site, "wirewatch")
        added = wait_hits(site, "state-dept", 1, 20)
        wait_hits(site, "daily-meridian", 3, 20)
        assert daemon.crawl_jobs() == ["crawl:site-daily-meridian", "crawl:site-state-dept"]
        time.sleep(3)
        # At most a crawl already under way when the signal came finishes; nothing runs after it.
        assert feed_hits(site, "wirewatch") - removed_hits <= 1

        # An invalid file is reported with its lines and changes nothing.
        cfg.write_text(cfg.read_text().replace("kind: feed", "kind: rss", 1) + "unknown_section: 1\n")
        bad_line = 1 + cfg.read_text().splitlines().index("unknown_section: 1")
        mark = len(daemon.lines)
        daemon.signal(signal.SIGHUP)
        daemon.wait_for_line(r"configuration not reloaded \(2 problem", 20, mark)
        status, health = daemon.get("/healthz")
        log = daemon.log
        code, _ = daemon.stop()
    finally:
        daemon.kill()
    print(f"\nSIGHUP: reloaded {reloaded - sent:.2f}s after the signal; added source fetched {added - sent:.2f}s "
          "after it")
    assert f"{cfg}:{bad_line}: unknown_section: unknown setting" in log
    assert f"{cfg}:3: sources[0] (site-daily-meridian).kind" in log
    assert status == 200 and health["ready"]
    assert [j["id"] for j in health["scheduler"]["jobs"] if j["id"].startswith("crawl:")] == [
        "crawl:site-daily-meridian", "crawl:site-state-dept"]
    assert code == 0
    assert "Traceback" not in log
