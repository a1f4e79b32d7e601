"""Fixtures and helpers for end-to-end tests: the generated news site, its config, the CLI in a subprocess.

The mail server and webhook receiver (`smtp`, `webhook`) come from tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.loopback import SmtpSink
from monitor.newssite import NewsSite, demo_articles
from tests.support.cli import slack_cli
from tests.support.config import demo_channels, feed_sources


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite(demo_articles()[0]) as news:
        yield news


def write_config(path: Path, site: NewsSite, smtp: SmtpSink, *, interval: str = "1h", **extra: Any) -> Path:
    cfg = {
        "sources": feed_sources(site, interval),
        "channels": demo_channels(smtp),
        "alerts": {"dispatch_interval": "1s", "backoff_base_s": 0.5},
        **extra,
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def _env(db_url: str) -> dict[str, str]:
    return {**os.environ, "DEPORTWATCH_DATABASE_URL": db_url, "DEPORTWATCH_SEED_LEDGER": "0"}


def cli(hook_url: str, *args: str, db_url: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(slack_cli(hook_url, *args), capture_output=True, text=True, env=_env(db_url),
                          timeout=timeout)


def popen(hook_url: str, *args: str, db_url: str) -> subprocess.Popen[str]:
    return subprocess.Popen(slack_cli(hook_url, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(db_url))
