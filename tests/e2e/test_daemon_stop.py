"""SIGTERM while a crawl waits on a slow site: exit 0 within 10 s, whole rows only, due alerts flushed."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from db.models import Alert, Article, Development, DevelopmentArticle
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite, demo_articles
from tests.e2e.conftest import write_config
from tests.e2e.daemons import DaemonProc, SlowSite

pytestmark = pytest.mark.e2e
SLOW_OUTLET = "/outlets/wirewatch/"


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def outbox(db_url: str) -> list[tuple[int, int | None, str, str, str]]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(select(Alert.id, Alert.development_id, Alert.channel, Alert.kind, Alert.status)).all()
    engine.dispose()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def assert_whole_rows(db_url: str) -> None:
    """Every relevant article belongs to a development, and every alerted development has its articles."""
    engine = create_engine(db_url)
    with engine.connect() as c:
        orphans = c.scalar(
            select(func.count()).select_from(Article)
            .outerjoin(DevelopmentArticle, DevelopmentArticle.article_id == Article.id)
            .where(Article.relevant, DevelopmentArticle.article_id.is_(None))
        )
        empty = c.scalar(
            select(func.count()).select_from(Development)
            .where(Development.status == "active", Development.article_count == 0)
        )
    engine.dispose()
    assert orphans == 0
    assert empty == 0


def assert_json_log(log: str, base_url: str) -> None:
    """`--log-format json`: one JSON object a line; every line about a page names its source and URL."""
    records = [json.loads(line) for line in log.splitlines()]
    about_pages = [r for r in records if base_url in r["msg"] or base_url in r.get("url", "")]
    assert len(about_pages) >= 8
    assert all(r.get("source_id") and r.get("url", "").startswith(base_url) for r in about_pages), about_pages


def test_sigterm_mid_crawl_exits_fast_with_whole_rows_and_flushed_alerts(
    tmp_path: Path, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    first, second = demo_articles()
    site = NewsSite([*first, second[0]])
    slow = SlowSite(site, delay=30, slow=lambda path: path.startswith(SLOW_OUTLET))
    slow.serve()
    db = f"sqlite:///{tmp_path / 'stop.db'}"
    # An hourly dispatcher runs once at start (nothing due yet), so alerts for what the first crawl
    # finds are still due when SIGTERM arrives: only the shutdown flush can send them.
    cfg = write_config(tmp_path / "dw.yaml", site, smtp, interval="1h",
                       alerts={"dispatch_interval": "1h", "backoff_base_s": 0.5})
    quick = [a.path for a in site.articles if not a.path.startswith(SLOW_OUTLET)]
    daemon = DaemonProc(webhook.url, cfg, db, "--log-format", "json")
    try:
        daemon.wait_ready()
        wait_until(lambda: all(slow.answered.get(p) for p in quick), 60, "the quick pages")
        for outlet in ("daily-meridian", "state-dept", "lakeshore-tribune"):
            daemon.wait_for_line(rf"crawl done.*site-{outlet}", 30)
        wait_until(lambda: any(p.startswith(SLOW_OUTLET) for p in slow.arrived), 30, "a slow page request")
        due = [r for r in outbox(db) if r[4] == "pending"]
        assert len(due) >= 4 and not smtp.messages and not webhook.posts
        code, stop_s = daemon.stop()
    finally:
        daemon.kill()
    print(f"\nSIGTERM mid-crawl: exit {code} in {stop_s:.2f}s; {len(due)} due alerts before the signal")
    assert code == 0, daemon.log[-3000:]
    assert stop_s < 10
    assert "Traceback" not in daemon.log
    assert "stopping 1 crawl(s) still running" in daemon.log
    assert_json_log(daemon.log, site.base_url)
    assert not any(p.startswith(SLOW_OUTLET) for p in slow.answered)
    rows = outbox(db)
    assert {r[4] for r in rows} == {"sent"}
    assert len(smtp.messages) == sum(r[2] == "email" for r in rows) >= 2
    assert len(webhook.posts) == sum(r[2] == "slack" for r in rows) >= 2
    assert_whole_rows(db)

    # The next start fetches what the stop cut off; nothing already sent is sent again.
    slow.delay = 0
    write_config(tmp_path / "dw.yaml", site, smtp, interval="5s", alerts={"dispatch_interval": "1s"})
    before = len(rows)
    daemon = DaemonProc(webhook.url, cfg, db)
    try:
        daemon.wait_ready()
        daemon.wait_for_line(r"crawl done.*site-wirewatch", 60)
        wait_until(lambda: len(outbox(db)) > before and {r[4] for r in outbox(db)} == {"sent"}, 30,
                   "the cut-off development's alerts")
        code, stop_s = daemon.stop()
    finally:
        daemon.kill()
        slow.stop()
    rows = outbox(db)
    print(f"restart: {len(rows) - before} new alert rows; second stop: exit {code} in {stop_s:.2f}s")
    assert code == 0
    assert {r[4] for r in rows} == {"sent"}
    assert len(smtp.messages) == sum(r[2] == "email" for r in rows)
    assert len(webhook.posts) == sum(r[2] == "slack" for r in rows)
    assert_whole_rows(db)
