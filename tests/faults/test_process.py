"""SIGKILL the daemon during a crawl, during storage and during dispatch; after a restart nothing is lost."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from db.models import Alert
from monitor.loopback import Reply, SmtpSink, WebhookSink
from monitor.newssite import SiteArticle, demo_articles
from tests.conftest import drop_postgres_schema, fresh_postgres
from tests.faults.conftest import Reference
from tests.faults.harness import Daemon, delivered, duplicates, site_config, snapshot
from tests.faults.servers import wait_until
from tests.faults.site import FaultySite

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]
RWANDA: SiteArticle = demo_articles()[1][0]
# What a restarted daemon needs at most to catch up: start-up, one crawl interval, the alert lease.
CATCH_UP_S = 60


def sending(db: str) -> Counter[str]:
    """Alert rows claimed but not marked sent, per channel."""
    engine = create_engine(db)
    try:
        with Session(engine) as s:
            return Counter(s.scalars(select(Alert.channel).where(Alert.status == "sending")).all())
    finally:
        engine.dispose()


def recover_and_compare(cfg: Path, db: str, site: FaultySite, smtp: SmtpSink, webhook: WebhookSink,
                        reference: Reference, work: Path, figure: Figure) -> Counter[tuple[str, str]]:
    """Restart the killed daemon, let it catch up, stop it; check nothing is lost and bound the repeats.

    A repeat is allowed only for a message that was in flight when the daemon died (its row still
    'sending'): sent, but not yet marked sent. Returns the repeats.
    """
    in_flight = sending(db)
    figure("alerts in flight when killed", dict(in_flight))
    with Daemon(cfg, db, webhook.url, work) as daemon:
        started = time.monotonic()
        try:
            wait_until(lambda: not snapshot(db, site.base_url).missing_from(reference.snapshot)
                       and not (reference.delivered - delivered(smtp, webhook)), CATCH_UP_S, every=0.5,
                       what="the restarted daemon catching up")
        finally:
            code = daemon.stop()
        figure("catch-up after restart (s)", round(time.monotonic() - started, 1))
    assert code == 0, daemon.output[-3000:]
    assert "Traceback" not in daemon.output
    after = snapshot(db, site.base_url)
    assert after.missing_from(reference.snapshot) == {}
    got = delivered(smtp, webhook)
    assert reference.delivered - got == Counter(), "alerts lost"
    # Nothing beyond what the reference run delivered, apart from repeats.
    assert set(got) == set(reference.delivered)
    figure("lost (articles, developments, alerts)", (0, 0, 0))
    dups = duplicates(got)
    per_channel = Counter(channel for channel, _ in dups.elements())
    assert all(n <= in_flight[channel] for channel, n in per_channel.items()), (dups, in_flight)
    figure("duplicate alerts", sum(dups.values()))
    return dups


def wait_for_all_but_rwanda(site: FaultySite, db: str, reference: Reference) -> None:
    """Until the held RWANDA article is requested and every other article is stored: the crawl is mid-way."""
    wait_until(lambda: site.requests_to(RWANDA.path), 60, what="the held article requested")
    wait_until(lambda: len(snapshot(db).articles) == len(reference.snapshot.articles) - 1, 20,
               what="the other articles stored")


def test_sigkill_during_a_crawl_loses_no_article(
    tmp_path: Path, site: FaultySite, smtp: SmtpSink, webhook: WebhookSink, reference: Reference, figure: Figure
) -> None:
    cfg = site_config(tmp_path / "dw.yaml", site, smtp)
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    hold = site.hold(RWANDA.path)
    with Daemon(cfg, db, webhook.url, tmp_path) as daemon:
        wait_for_all_but_rwanda(site, db, reference)
        daemon.kill()
    hold.release()
    before = snapshot(db, site.base_url)
    assert RWANDA.path not in before.articles
    figure("articles stored when killed", f"{len(before.articles)} of {len(reference.snapshot.articles)}")
    recover_and_compare(cfg, db, site, smtp, webhook, reference, tmp_path, figure)


def hold_sqlite_writes(db_path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db_path, timeout=10, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_sigkill_while_storing_an_article_loses_nothing_on_sqlite(
    tmp_path: Path, site: FaultySite, smtp: SmtpSink, webhook: WebhookSink, reference: Reference, figure: Figure
) -> None:
    cfg = site_config(tmp_path / "dw.yaml", site, smtp)
    path = tmp_path / "dw.db"
    db = f"sqlite:///{path}"
    hold = site.hold(RWANDA.path)
    with Daemon(cfg, db, webhook.url, tmp_path) as daemon:
        wait_for_all_but_rwanda(site, db, reference)
        writer = hold_sqlite_writes(path)
        try:
            hold.release()
            [hit] = wait_until(lambda: [h for h in site.requests_to(RWANDA.path) if h.finished], 10,
                               what="the article page delivered")
            # Extraction and classification take milliseconds; after this the pipeline can only be
            # waiting for the write lock inside its storage transaction.
            time.sleep(1.5)
            assert len(snapshot(db).articles) == len(reference.snapshot.articles) - 1
            daemon.kill()
            figure("killed after the page arrived (s)", round(time.monotonic() - hit.started, 1))
        finally:
            writer.execute("ROLLBACK")
            writer.close()
    recover_and_compare(cfg, db, site, smtp, webhook, reference, tmp_path, figure)


@pytest.mark.postgres
def test_sigkill_inside_the_storage_transaction_loses_nothing_on_postgres(
    tmp_path: Path, postgres_base_url: str, site: FaultySite, smtp: SmtpSink, webhook: WebhookSink,
    reference: Reference, figure: Figure,
) -> None:
    """The pipeline has inserted the article and waits, mid-transaction, for the development lock."""
    import zlib

    db, schema = fresh_postgres(postgres_base_url)
    cfg = site_config(tmp_path / "dw.yaml", site, smtp)
    hold = site.hold(RWANDA.path)
    blocker = create_engine(db).connect()
    try:
        with Daemon(cfg, db, webhook.url, tmp_path) as daemon:
            wait_until(lambda: site.requests_to(RWANDA.path), 60, what="the held article requested")
            wait_until(lambda: len(snapshot(db).articles) == len(reference.snapshot.articles) - 1, 20,
                       what="the other articles stored")
            key = zlib.crc32(b"dev:RW")  # what monitor.developments locks for a Rwandan development
            blocker.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            hold.release()
            waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = :o"
            wait_until(lambda: blocker.execute(text(waiting), {"o": key & 0xFFFFFFFF}).scalar(), 15,
                       what="the daemon waiting inside its storage transaction")
            daemon.kill()
        blocker.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
        blocker.commit()
        # The killed transaction rolled back whole: no half-stored article.
        assert RWANDA.path not in snapshot(db, site.base_url).articles
        recover_and_compare(cfg, db, site, smtp, webhook, reference, tmp_path, figure)
    finally:
        blocker.close()
        drop_postgres_schema(postgres_base_url, schema)


def test_sigkill_during_dispatch_repeats_at_most_the_message_in_flight(
    tmp_path: Path, site: FaultySite, smtp: SmtpSink, reference: Reference, figure: Figure
) -> None:
    cfg = site_config(tmp_path / "dw.yaml", site, smtp, alerts={"send_timeout_s": 5})
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    # Slack takes the message and answers late; the mail server takes DATA and never answers.
    smtp.set_mode("hang")
    with WebhookSink([Reply(200, delay=30)]) as webhook:
        with Daemon(cfg, db, webhook.url, tmp_path) as daemon:
            wait_until(lambda: webhook.posts and sending(db) == Counter({"email": 1, "slack": 1}), 60, every=0.05,
                       what="one alert in flight on each channel")
            daemon.kill()
        received_before_kill = delivered(smtp, webhook)
        smtp.set_mode("accept")
        dups = recover_and_compare(cfg, db, site, smtp, webhook, reference, tmp_path, figure)
    # Slack had received its message before the kill: the restart sends it again, once.
    # The mail server never accepted its message: it arrives exactly once.
    assert dups == received_before_kill
    assert sum(dups.values()) == 1 and next(iter(dups))[0] == "slack"
