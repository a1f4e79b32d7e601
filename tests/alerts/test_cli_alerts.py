"""`deportwatch alerts list|dispatch|retry|test|digest` against loopback receivers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from db.session import make_engine, make_sessionmaker, upgrade
from monitor.cli_alerts import app
from monitor.developments import ChannelRoute
from monitor.loopback import SmtpSink, WebhookSink, slack_endpoint
from tests.alerts.conftest import SLACK_URL, mail_url, report

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # The commands set up logging for a process of their own; give the test runner its handlers back.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def run(hook: WebhookSink, config: Path, db_url: str, *args: str) -> Result:
    with slack_endpoint(hook.url):
        return CliRunner().invoke(app, [*args, "--config", str(config)], env={"DEPORTWATCH_DATABASE_URL": db_url})


def write(tmp_path: Path, smtp: SmtpSink, **alerts: object) -> Path:
    path = tmp_path / "dw.yaml"
    path.write_text(yaml.safe_dump({
        "channels": [
            {"name": "mail", "url": mail_url(smtp), "tags": ["immediate", "ops"]},
            {"name": "slack", "url": SLACK_URL, "tags": ["immediate", "digest"]},
            {"name": "pager", "url": "json://127.0.0.1:9/", "tags": ["ops"]},
        ],
        "alerts": {"send_timeout_s": 5, **alerts},
    }))
    return path


def test_alerts_test_reports_each_channel_with_the_tag(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    config = write(tmp_path, smtp_sink)
    with WebhookSink() as hook:
        ops = run(hook, config, db, "test", "--tag", "ops", "--json")
        assert ops.exit_code == 1, ops.output
        rows = {r["channel"]: r for r in json.loads(ops.stdout)}
        assert set(rows) == {"mail", "pager"}
        assert rows["mail"]["ok"] and rows["mail"]["error"] is None
        assert not rows["pager"]["ok"] and "pager (json://" in rows["pager"]["error"]
        assert [m["Subject"] for m in smtp_sink.wait_for(1)] == ["deportwatch test alert"]
        assert hook.posts == []
        digest = run(hook, config, db, "test", "--tag", "digest")
        assert digest.exit_code == 0, digest.output
        assert digest.stdout.split() == ["slack", "ok"]
        assert "test message from deportwatch" in str(hook.wait_for(1)[0].json)
        assert run(hook, config, db, "test", "--tag", "urgent").exit_code == 2
    assert len(smtp_sink.messages) == 1


def test_list_dispatch_retry(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    upgrade(db)
    engine = make_engine(db)
    for n in (1, 2):
        report(make_sessionmaker(engine), [ChannelRoute("slack", frozenset({"immediate"}))], n)
    engine.dispose()
    config = write(tmp_path, smtp_sink, max_attempts=1)
    with WebhookSink([500]) as hook:
        first = run(hook, config, db, "dispatch", "--json")
        assert first.exit_code == 1
        assert json.loads(first.stdout) == {"sent": 0, "failed": 1, "dead": 1, "folded": 0}
        dead = json.loads(run(hook, config, db, "list", "--dead", "--json").stdout)
        assert [(a["channel"], a["kind"], a["attempts"]) for a in dead] == [("slack", "new", 1)]
        assert "error=500" in dead[0]["last_error"]
        assert run(hook, config, db, "retry").exit_code == 2
        retried = run(hook, config, db, "retry", "--all")
        assert retried.stdout.strip() == "1 alert(s) queued again"
        # Both Slack alerts go out, and the dead-letter report to the ops channels: mail takes it, the pager
        # is down (and its dead ops alert raises no further one).
        second = run(hook, config, db, "dispatch")
        assert second.exit_code == 1 and second.stdout.strip() == "sent 3, failed 1, dead 1, folded 0"
        assert json.loads(run(hook, config, db, "list", "--pending", "--json").stdout) == []
        assert [p.status_sent for p in hook.posts] == [500, 200, 200]
        listing = run(hook, config, db, "list").stdout.splitlines()
        assert sorted(line.split()[1:4] for line in listing) == [
            ["dead", "ops", "pager"], ["sent", "new", "slack"], ["sent", "new", "slack"], ["sent", "ops", "mail"]]
    assert [m["Subject"] for m in smtp_sink.messages] == ["deportwatch ops: alert could not be delivered"]


def test_digest_is_queued_once_and_can_be_previewed(tmp_path: Path, smtp_sink: SmtpSink) -> None:
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    config = write(tmp_path, smtp_sink)
    with WebhookSink() as hook:
        preview = run(hook, config, db, "digest", "--dry-run")
        assert preview.exit_code == 0 and preview.stdout.startswith("Daily digest ")
        assert "No new developments in this period." in preview.stdout
        assert run(hook, config, db, "digest").stdout.strip() == "1 digest row(s) queued"
        assert run(hook, config, db, "digest", "--json").stdout.strip() == '{\n  "queued": 0\n}'
