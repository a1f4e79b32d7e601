"""The whole pipeline against loopback servers: site → crawl → classify → store → alerts by mail and Slack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite, demo_articles
from tests.e2e.conftest import cli, write_config

pytestmark = pytest.mark.e2e


def subjects(smtp: SmtpSink) -> list[str]:
    return sorted(str(m["subject"]) for m in smtp.messages)


def test_crawl_alerts_once_per_development_and_recrawl_stores_nothing(
    tmp_path: Path, db_url: str, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    cfg = write_config(tmp_path / "dw.yaml", site, smtp)
    r = cli(webhook.url, "crawl", "--config", str(cfg), "--json", db_url=db_url)
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)
    assert first["articles"] == len(site.articles)
    assert all(s["error"] is None for s in first["sources"])
    # Kosovo agreement (two outlets + the State Department) and the Eswatini flight: two developments.
    assert first["new_developments"] == 2
    got = subjects(smtp)
    assert len(got) == 2 and any("Kosovo" in s for s in got) and any("Eswatini" in s for s in got)
    assert len(webhook.posts) == 2
    html_parts = [p for m in smtp.messages for p in m.walk() if p.get_content_type() == "text/html"]
    assert html_parts, "alert mails carry an HTML part"

    r = cli(webhook.url, "crawl", "--config", str(cfg), "--json", db_url=db_url)
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["articles"] == 0 and again["new_developments"] == 0
    assert len(smtp.messages) == 2 and len(webhook.posts) == 2

    r = cli(webhook.url, "developments", "--config", str(cfg), "--json", db_url=db_url)
    devs = json.loads(r.stdout)
    kosovo = next(d for d in devs if d["receiving_country"] == "Kosovo")
    assert kosovo["stage"] == "agreement" and kosovo["deportee_count"] == 50
    assert kosovo["official"] is True and len(kosovo["sources"]) == 3


def test_one_more_outlet_is_no_new_alert_but_a_new_development_is(
    tmp_path: Path, db_url: str, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    cfg = write_config(tmp_path / "dw.yaml", site, smtp)
    assert cli(webhook.url, "crawl", "--config", str(cfg), db_url=db_url).returncode == 0
    before = len(smtp.messages)
    _, second = demo_articles()
    for article in second:
        site.publish(article)
    r = cli(webhook.url, "crawl", "--config", str(cfg), "--json", db_url=db_url)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["articles"] == len(second) and report["new_developments"] == 1
    new = [str(m["subject"]) for m in smtp.messages[before:]]
    assert len(new) == 1 and "Rwanda" in new[0]


def test_fresh_install_does_not_alert_on_known_history(
    tmp_path: Path, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    """With the shipped ledger seeded, 2025's Kosovo agreement and Eswatini flight are old news."""
    import os
    import subprocess
    import sys

    db = f"sqlite:///{tmp_path / 'fresh.db'}"
    cfg = write_config(tmp_path / "dw.yaml", site, smtp)
    env = {**os.environ, "DEPORTWATCH_DATABASE_URL": db, "DEPORTWATCH_SEED_LEDGER": "1"}
    r = subprocess.run([sys.executable, "-m", "monitor.cli", "crawl", "--config", str(cfg), "--json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["relevant"] >= 3 and report["new_developments"] == 0
    assert smtp.messages == []
    r = subprocess.run([sys.executable, "-m", "monitor.cli", "developments", "--all", "--json", "--config", str(cfg)],
                       capture_output=True, text=True, env=env, timeout=60)
    devs = json.loads(r.stdout)
    kosovo = next(d for d in devs if d["ledger_key"] == "kosovo-agreement-2025-06-11")
    assert len(kosovo["sources"]) >= 2
