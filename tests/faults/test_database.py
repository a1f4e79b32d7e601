"""Database faults: SQLite locked by another writer; PostgreSQL connections killed under a running daemon."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from db.session import upgrade
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import demo_articles
from tests.conftest import drop_postgres_schema, fresh_postgres
from tests.faults.conftest import Reference
from tests.faults.harness import Daemon, cli, delivered, own_tracebacks, site_config, snapshot
from tests.faults.servers import wait_until
from tests.faults.site import FaultySite

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]
LOCK_HELD_S = 5.0


def test_crawl_waits_for_another_sqlite_writer_and_completes(
    tmp_path: Path, site: FaultySite, smtp: SmtpSink, webhook: WebhookSink, reference: Reference, figure: Figure
) -> None:
    path = tmp_path / "dw.db"
    db = f"sqlite:///{path}"
    upgrade(db)
    cfg = site_config(tmp_path / "dw.yaml", site, smtp)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    released_at: list[float] = []

    def release_later() -> None:
        time.sleep(LOCK_HELD_S)
        other.execute("COMMIT")
        released_at.append(time.monotonic())

    releaser = threading.Thread(target=release_later)
    started = time.monotonic()
    releaser.start()
    try:
        done = cli(webhook.url, "crawl", "--config", str(cfg), "--json", db_url=db)
    finally:
        releaser.join()
        other.close()
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)
    figure("crawl with the write lock held 5 s: seconds, articles, errors",
           (round(time.monotonic() - started, 1), report["articles"], [s["error"] for s in report["sources"]]))
    # The crawl could not have written anything before the other writer let go.
    assert time.monotonic() - started >= LOCK_HELD_S
    assert all(s["error"] is None for s in report["sources"])
    assert snapshot(db, site.base_url).missing_from(reference.snapshot) == {}
    assert delivered(smtp, webhook) == reference.delivered
    assert own_tracebacks(done.stderr) == []


def stored(db: str, url: str) -> bool:
    return url in snapshot(db).articles


def terminate(base_url: str, app_name: str) -> int:
    engine = create_engine(base_url)
    try:
        with engine.begin() as conn:
            return len(conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :a "
                "AND pid <> pg_backend_pid()"), {"a": app_name}).all())
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_daemon_recovers_from_lost_postgres_connections(
    tmp_path: Path, postgres_base_url: str, smtp: SmtpSink, webhook: WebhookSink, figure: Figure
) -> None:
    """Every connection of the daemon is terminated by the server, twice; later articles still arrive."""
    first, second = demo_articles()
    url, schema = fresh_postgres(postgres_base_url)
    app_name = f"dw-faults-{schema}"
    db = f"{url}&application_name={app_name}"
    try:
        with FaultySite(first) as site:
            cfg = site_config(tmp_path / "dw.yaml", site, smtp)
            with Daemon(cfg, db, webhook.url, tmp_path) as daemon:
                daemon.web_port()  # migrated and running
                wait_until(lambda: len(snapshot(db).articles) == len(first), 60, what="the first articles stored")
                killed = []
                for article in second:
                    killed.append(terminate(postgres_base_url, app_name))
                    site.publish(article)
                    wait_until(partial(stored, db, site.base_url + article.path), 45,
                               what=f"{article.slug} stored after the connections were lost")
                wait_until(lambda: len(delivered(smtp, webhook)) == 2 * len(snapshot(db).developments), 30,
                           what="every development alerted on both channels")
                code = daemon.stop()
            figure("backend connections terminated (per round)", killed)
            assert all(n >= 1 for n in killed)
            assert code == 0, daemon.output[-3000:]
            assert own_tracebacks(daemon.output) == []
            got = delivered(smtp, webhook)
            assert max(got.values()) == 1, got
            figure("developments alerted after connection loss", len(snapshot(db).developments))
    finally:
        drop_postgres_schema(postgres_base_url, schema)
