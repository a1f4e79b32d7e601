"""The daemon killed with SIGKILL in the middle of a send, then restarted: nothing lost, at most one resent."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from db.models import Alert
from db.session import make_engine, make_sessionmaker, transaction, upgrade
from monitor.developments import ChannelRoute
from monitor.loopback import Reply, SmtpSink, WebhookSink
from tests.alerts.conftest import SLACK_URL, mail_url, report, secret_forms

pytestmark = [pytest.mark.e2e, pytest.mark.faults]
CLI = Path(__file__).resolve().parent.parent / "e2e" / "cli_slack.py"
DEVELOPMENTS = 5
LEASE_S = 1  # the effective lease is the send timeout (4 s) + 5 s margin = 9 s


def start_daemon(hook_url: str, config: Path, db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DEPORTWATCH_DATABASE_URL": db_url, "DEPORTWATCH_LOG_LEVEL": "DEBUG",
           "DEPORTWATCH_ALERTS_LEASE": f"{LEASE_S}s"}
    # Output goes to a file: a pipe nobody reads would stall a daemon logging at DEBUG.
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, str(CLI), hook_url, "run", "--config", str(config)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


def test_sigkill_during_dispatch_loses_nothing_and_resends_at_most_the_one_in_flight(
    tmp_path: Path, smtp_sink: SmtpSink
) -> None:
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    upgrade(db)
    engine = make_engine(db)
    factory = make_sessionmaker(engine)
    routes = [ChannelRoute("email", frozenset({"immediate"})), ChannelRoute("slack", frozenset({"immediate"}))]
    for n in range(1, DEVELOPMENTS + 1):
        report(factory, routes, n)
    config = tmp_path / "dw.yaml"
    config.write_text(yaml.safe_dump({
        "sources": [],
        "channels": [{"name": "email", "url": mail_url(smtp_sink), "tags": ["immediate"]},
                     {"name": "slack", "url": SLACK_URL, "tags": ["immediate"]}],
        "alerts": {"dispatch_interval": "0.5s", "send_timeout_s": 4, "backoff_base_s": 0.5},
    }))
    log = tmp_path / "daemon.log"

    def statuses() -> Counter[str]:
        with transaction(factory) as s:
            return Counter(s.scalars(select(Alert.status)).all())

    def in_flight() -> dict[str, int]:
        with transaction(factory) as s:
            return dict(Counter(s.scalars(select(Alert.channel).where(Alert.status == "sending")).all()))

    # Every Slack reply takes 3 s, so the daemon is killed while a post is in flight.
    with WebhookSink(default_reply=Reply(200, b"ok", delay=3)) as hook:
        first = start_daemon(hook.url, config, db, log)
        try:
            hook.wait_for(1, timeout=60)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        killed_at = time.monotonic()
        posts_at_kill = len(hook.posts)
        at_kill = in_flight()
        hook.default_reply = Reply(200, b"ok")
        second = start_daemon(hook.url, config, db, log)
        try:
            wait_until(lambda: statuses() == Counter(sent=2 * DEVELOPMENTS), 90, f"not all sent: {statuses()}")
            recovered_in = time.monotonic() - killed_at
            time.sleep(1.5)  # a second copy of anything would arrive now
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=20) == 0
        finally:
            if second.poll() is None:
                second.kill()
        posts = hook.posts
    engine.dispose()

    slack = Counter(m.group(0) for p in posts if (m := re.search(r"Country \d+", str(p.json))))
    mail = Counter(m.group(0) for msg in smtp_sink.messages if (m := re.search(r"Country \d+", msg["Subject"])))
    wanted = {f"Country {n}" for n in range(1, DEVELOPMENTS + 1)}
    assert set(slack) == wanted and set(mail) == wanted, "no alert lost"
    resent = {"slack": sum(v - 1 for v in slack.values()), "email": sum(v - 1 for v in mail.values())}
    assert posts_at_kill == 1 and at_kill.get("slack") == 1, (at_kill, posts_at_kill)
    for channel, extra in resent.items():
        assert extra <= at_kill.get(channel, 0) <= 1, f"only the row in flight may be sent again: {resent}"
    output = log.read_text(errors="replace")
    assert "queued again" in output and "Traceback" not in output
    assert sorted(f for f in secret_forms() if f in output) == [], "a secret reached the daemon's log"
    print(f"\nSIGKILL mid-send: rows in flight at the kill per channel {at_kill}; all {2 * DEVELOPMENTS} alerts "
          f"sent {recovered_in:.1f}s after the kill; sent twice per channel {resent}; "
          f"daemon log at DEBUG: {len(output.splitlines())} lines, no secret")
