"""Loopback fixtures for end-to-end tests: the generated news site, a mail server, a webhook receiver."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.demo import SLACK_DEMO_URL, local_mail_url
from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import NewsSite, demo_articles

HERE = Path(__file__).parent


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    with WebhookSink() as sink:
        yield sink


@pytest.fixture
def site() -> Iterator[NewsSite]:
    first, _ = demo_articles()
    s = NewsSite(first)
    s.serve()
    yield s
    s.stop()


def write_config(path: Path, site: NewsSite, smtp: SmtpSink, *, interval: str = "1h", **extra: Any) -> Path:
    official = {a.outlet for a in site.articles if a.official}
    cfg = {
        "sources": [{"id": f"site-{o}", "kind": "feed", "url": u, "interval": interval, "allow_private": True,
                     "official": o in official} for o, u in site.feed_urls().items()],
        "channels": [{"name": "email", "url": local_mail_url(smtp.host, smtp.port)},
                     {"name": "slack", "url": SLACK_DEMO_URL}],
        "alerts": {"dispatch_interval": "1s", "backoff_base_s": 0.5},
        **extra,
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def cli(hook_url: str, *args: str, db_url: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEPORTWATCH_DATABASE_URL": db_url, "DEPORTWATCH_SEED_LEDGER": "0"}
    return subprocess.run([sys.executable, str(HERE / "cli_slack.py"), hook_url, *args], capture_output=True,
                          text=True, env=env, timeout=timeout)


def popen(hook_url: str, *args: str, db_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DEPORTWATCH_DATABASE_URL": db_url, "DEPORTWATCH_SEED_LEDGER": "0"}
    return subprocess.Popen([sys.executable, str(HERE / "cli_slack.py"), hook_url, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
