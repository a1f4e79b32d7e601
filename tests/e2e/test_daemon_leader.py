"""Two daemons on one PostgreSQL: one schedules, the other waits; kill the leader and the other takes over."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from db.models import Alert
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite, demo_articles
from tests.conftest import drop_postgres_schema, fresh_postgres
from tests.e2e.conftest import write_config
from tests.e2e.daemons import DaemonProc, metric

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


@pytest.fixture
def pg_url(postgres_base_url: str) -> Iterator[str]:
    url, schema = fresh_postgres(postgres_base_url)
    yield url
    drop_postgres_schema(postgres_base_url, schema)


def roles(*daemons: DaemonProc) -> list[str]:
    return [d.get("/healthz")[1]["role"] for d in daemons]


def outbox(db_url: str) -> list[tuple[int | None, str, str, str]]:
    engine = create_engine(db_url)
    with engine.connect() as c:
        rows = c.execute(select(Alert.development_id, Alert.channel, Alert.kind, Alert.status)).all()
    engine.dispose()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def feed_requests(site: NewsSite) -> int:
    return sum(s.requests for p, s in site.requests.items() if p.startswith("/feeds/"))


def test_leader_killed_follower_schedules_within_a_minute_without_duplicate_alerts(
    tmp_path: Path, pg_url: str, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    cfg = write_config(tmp_path / "dw.yaml", site, smtp, interval="3s")
    first = DaemonProc(webhook.url, cfg, pg_url)
    second: DaemonProc | None = None
    try:
        first.wait_ready()
        second = DaemonProc(webhook.url, cfg, pg_url)
        second.wait_ready()
        deadline = time.monotonic() + 20
        while sorted(roles(first, second)) != ["follower", "leader"]:
            assert time.monotonic() < deadline, roles(first, second)
            time.sleep(0.2)
        leader, follower = (first, second) if roles(first)[0] == "leader" else (second, first)
        smtp.wait_for(2, timeout=60)
        webhook.wait_for(2, timeout=30)
        while any(r[3] != "sent" for r in outbox(pg_url)):
            assert time.monotonic() < deadline + 60
            time.sleep(0.2)
        # The follower is ready but runs nothing: no jobs, no pages, no alerts.
        status, health = follower.get("/healthz")
        assert status == 200 and health["ready"] and health["scheduler"]["jobs"] == []
        _, text = follower.get("/metrics")
        assert metric(text, "deportwatch_leader") == 0
        assert "deportwatch_pages_fetched_total{" not in text and "deportwatch_alerts_dispatched_total{" not in text
        assert metric(leader.get("/metrics")[1], "deportwatch_leader") == 1

        crawled_before = feed_requests(site)
        leader.kill()  # SIGKILL: no goodbye, its connection simply drops
        killed = time.monotonic()
        while follower.get("/healthz")[1]["role"] != "leader":
            assert time.monotonic() - killed < 60
            time.sleep(0.1)
        elected = time.monotonic()
        while feed_requests(site) <= crawled_before:
            assert time.monotonic() - killed < 60
            time.sleep(0.05)
        scheduled = time.monotonic()

        # A development published after the takeover is alerted once, by the new leader.
        _, later = demo_articles()
        site.publish(later[0])
        smtp.wait_for(3, timeout=60)
        webhook.wait_for(3, timeout=30)
        time.sleep(4)  # more scheduled crawls: no second alert may follow
        code, stop_s = follower.stop()
    finally:
        first.kill()
        if second is not None:
            second.kill()
    rows = outbox(pg_url)
    print(f"\nleader SIGKILLed: follower elected after {elected - killed:.1f}s, first crawl after "
          f"{scheduled - killed:.1f}s; {len(smtp.messages)} mails, {len(webhook.posts)} Slack posts, "
          f"{len(rows)} outbox rows; new leader stopped in {stop_s:.2f}s")
    assert code == 0
    assert scheduled - killed < 60
    assert len(smtp.messages) == 3 and len(webhook.posts) == 3
    assert len(rows) == 6 and {r[3] for r in rows} == {"sent"}
    assert len({(r[0], r[1], r[2]) for r in rows}) == len(rows)
    assert "lost the scheduler lock" not in follower.log
