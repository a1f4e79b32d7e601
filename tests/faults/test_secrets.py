"""Secrets (SMTP password, Slack token, database password, dashboard token) never appear in any output."""

from __future__ import annotations

import base64
import os
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from db.models import Alert, Source
from monitor.loopback import SmtpSink, WebhookSink
from tests.conftest import POSTGRES_ENV, drop_postgres_schema, fresh_postgres
from tests.faults.harness import Daemon, base_env, cli, cli_batch, delivered
from tests.faults.servers import wait_until
from tests.faults.site import FaultySite

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]
SMTP_USER, SMTP_PASSWORD = "alerts", "Sm7p-Pa55%/w0rd!faults"
SLACK_PARTS = ("T0FAULTS01", "B0FAULTS02", "xoxbFaultsToken0123456789")
PG_PASSWORD = "PgPa55w0rd-faults"
DASHBOARD_TOKEN = "dash-token-faults-0123456789"
DEAD_PASSWORD = "Unre4chable-Pa55-faults"
SECRETS = (SMTP_PASSWORD, *SLACK_PARTS, PG_PASSWORD, DASHBOARD_TOKEN, DEAD_PASSWORD)


def forms(secret: str) -> set[str]:
    """How a secret can show up: as is, URL-encoded, or in an SMTP AUTH exchange."""
    found = {secret, quote(secret, safe=""), quote_plus(secret), base64.b64encode(secret.encode()).decode()}
    found.add(base64.b64encode(f"\0{SMTP_USER}\0{secret}".encode()).decode())
    return found


def leaks(text: str) -> list[str]:
    return sorted({s for s in SECRETS for f in forms(s) if f in text})


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL with a password in its URL when available (trust auth ignores it), else SQLite."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'dw.db'}"
        return
    url, schema = fresh_postgres(base)
    try:
        yield make_url(url).set(password=PG_PASSWORD).render_as_string(hide_password=False)
    finally:
        drop_postgres_schema(base, schema)


def secret_config(path: Path, site: FaultySite, smtp: SmtpSink) -> Path:
    mail = (f"mailto://{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{smtp.port}"
            "?from=dw@example.org&to=team@example.org&mode=insecure")
    dead = (f"mailto://{SMTP_USER}:{quote(DEAD_PASSWORD, safe='')}@127.0.0.1:1"
            "?from=dw@example.org&to=team@example.org&mode=insecure")
    cfg = {
        "sources": [{"id": f"site-{o}", "kind": "feed", "url": u, "interval": "3s", "allow_private": True}
                    for o, u in site.feed_urls().items()]
        + [{"id": "not-allowed", "kind": "feed", "url": site.url("/feeds/private.rss")}],
        "channels": [{"name": "email", "url": mail}, {"name": "slack", "url": "${DW_FAULTS_SLACK_URL}"},
                     {"name": "dead", "url": dead, "tags": ["immediate"]}],
        "alerts": {"dispatch_interval": "1s", "backoff_base_s": 0.5, "send_timeout_s": 2, "max_attempts": 2},
        "dashboard": {"token": DASHBOARD_TOKEN},
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def test_no_secret_in_logs_cli_output_web_pages_or_stored_errors(
    tmp_path: Path, database: str, site: FaultySite, webhook: WebhookSink, figure: Figure
) -> None:
    env = {"DW_FAULTS_SLACK_URL": "slack://" + "/".join(SLACK_PARTS), "DEPORTWATCH_LOG_LEVEL": "DEBUG"}
    outputs: dict[str, str] = {}
    with SmtpSink(credentials=(SMTP_USER, SMTP_PASSWORD)) as smtp:
        cfg = secret_config(tmp_path / "dw.yaml", site, smtp)
        with Daemon(cfg, database, webhook.url, tmp_path, **env) as daemon:
            port = daemon.web_port()
            wait_until(lambda: len(delivered(smtp, webhook)) >= 6, 60, what="alerts delivered by mail and Slack")
            dead_failed = _wait_dead(database)
            for page in ("/healthz", "/metrics", "/livez"):
                outputs[f"GET {page}"] = _get(f"http://127.0.0.1:{port}{page}")
            code = daemon.stop()
        outputs["daemon log (DEBUG)"] = daemon.output
        assert code == 0, daemon.output[-2000:]
        assert smtp.auth_attempts and all(a.endswith(":ok") for a in smtp.auth_attempts)
        for args in (("crawl", "--json"), ("alerts", "dispatch")):
            done = cli(webhook.url, *args, "--config", str(cfg), db_url=database, env=env)
            outputs[" ".join(args)] = done.stdout + done.stderr
        # The read-only commands run in one process (tests/faults/run_cli.py): same code, one interpreter start.
        reads = [("config", "show"), ("config", "check"), ("sources", "list"), ("sources", "list", "--json"),
                 ("alerts", "list"), ("alerts", "list", "--json"), ("developments", "--json")]
        for result in cli_batch([{"args": [*a, "--config", str(cfg)]} for a in reads], base_env(database, **env)):
            assert result["traceback"] is None, result["traceback"]
            outputs[" ".join(result["args"][:-2])] = result["stdout"] + result["stderr"]
    outputs["stored errors"] = _stored_errors(database)
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    figure("outputs scanned (characters)", (len(outputs), sum(len(t) for t in outputs.values())))
    figure("secrets found", sum(len(v) for v in found.values()))
    assert found == {}
    # The scan saw real failures to hide secrets from: a refused source and a channel that cannot connect.
    assert dead_failed and "refused" in outputs["sources list"] and "dead" in outputs["alerts list"]


def _wait_dead(db: str) -> bool:
    def failed() -> bool:
        engine = create_engine(db)
        try:
            with Session(engine) as s:
                return bool(s.scalars(select(Alert.id).where(Alert.channel == "dead", Alert.attempts >= 1)).first())
        finally:
            engine.dispose()

    return bool(wait_until(failed, 30, what="the dead channel's first failure"))


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return str(r.read().decode("utf-8", "replace"))
    except urllib.error.HTTPError as e:
        return str(e.read().decode("utf-8", "replace"))


def _stored_errors(db: str) -> str:
    engine = create_engine(db)
    try:
        with Session(engine) as s:
            texts = [*s.scalars(select(Alert.last_error)), *s.scalars(select(Source.last_error))]
            payloads = [str(p) for p in s.scalars(select(Alert.payload))]
    finally:
        engine.dispose()
    return "\n".join(t for t in [*texts, *payloads] if t)


def test_database_password_stays_out_of_connection_errors(tmp_path: Path, figure: Figure) -> None:
    """Nothing listens on port 1: every command fails to connect, and says so without the password."""
    db = f"postgresql+psycopg://deportwatch:{quote(PG_PASSWORD, safe='')}@127.0.0.1:1/deportwatch"
    cfg = tmp_path / "dw.yaml"
    cfg.write_text("sources: []\n")
    seen = []
    for args in (("sources", "list", "--config", str(cfg)), ("db", "upgrade"), ("config", "show", "--config", str(cfg)),
                 ("crawl", "--config", str(cfg))):
        done = cli("http://127.0.0.1:9", *args, db_url=db, timeout=60)
        seen.append((args, done.returncode))
        assert leaks(done.stdout + done.stderr) == [], (args, done.stderr[-1500:])
    figure("commands against an unreachable database (exit codes)", [c for _, c in seen])
    assert all(code == 1 for args, code in seen if args[0] != "config")
