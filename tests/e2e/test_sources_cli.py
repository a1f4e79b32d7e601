"""`sources check` previews without storing; `sources list --json` reports health for scripts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite
from tests.e2e.conftest import cli, write_config

pytestmark = pytest.mark.e2e


def test_check_shows_what_would_be_stored_and_stores_nothing(
    tmp_path: Path, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    db = f"sqlite:///{tmp_path / 'check.db'}"
    cfg = write_config(tmp_path / "dw.yaml", site, smtp)
    r = cli(webhook.url, "sources", "check", "site-wirewatch", "--config", str(cfg), "--json", db_url=db)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["source"] == "site-wirewatch" and report["fetches"][0]["error"] is None
    pages = report["would_store"]
    wirewatch = [a for a in site.articles if a.outlet == "wirewatch"]
    assert len(pages) == len(wirewatch)
    kosovo = next(p for p in pages if "Kosovo" in p["title"])
    assert kosovo["relevant"] and kosovo["receiving_country"] == "Kosovo" and kosovo["deportee_count"] == 50
    assert any(not p["relevant"] for p in pages)  # the Mexicans-to-Mexico story is ignored
    engine = create_engine(db)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == 0
    engine.dispose()
    assert smtp.messages == []

    r = cli(webhook.url, "sources", "check", "nope", "--config", str(cfg), db_url=db)
    assert r.returncode == 2 and "unknown source id" in r.stderr


def test_sources_list_json_has_health_fields(
    tmp_path: Path, site: NewsSite, smtp: SmtpSink, webhook: WebhookSink
) -> None:
    db = f"sqlite:///{tmp_path / 'list.db'}"
    cfg = write_config(tmp_path / "dw.yaml", site, smtp)
    assert cli(webhook.url, "crawl", "--config", str(cfg), db_url=db).returncode == 0
    r = cli(webhook.url, "sources", "list", "--config", str(cfg), "--json", db_url=db)
    rows = json.loads(r.stdout)
    assert len(rows) == len(site.feed_urls())
    for row in rows:
        assert {"id", "kind", "url", "language", "tags", "interval_s", "last_ok", "last_error",
                "consecutive_failures"} <= set(row)
        assert row["last_ok"] is not None and row["consecutive_failures"] == 0
