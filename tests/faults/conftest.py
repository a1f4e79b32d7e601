"""Fixtures for the fault suite: the news site with faults, the reference run, and reported figures.

The mail server and webhook receiver (`smtp`, `webhook`) come from tests/conftest.py.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from monitor.loopback import SmtpSink, WebhookSink
from monitor.newssite import demo_articles
from tests.faults.harness import Snapshot, cli, delivered, site_config, snapshot
from tests.faults.site import FaultySite

FIGURES: list[tuple[str, str, Any]] = []
FIGURES_ENV = "DEPORTWATCH_FAULTS_FIGURES"


@pytest.fixture
def figure(request: pytest.FixtureRequest) -> Callable[[str, Any], None]:
    """Record a measured figure; all of them are printed at the end of the run (and saved as JSON on request)."""

    def record(name: str, value: Any) -> None:
        FIGURES.append((request.node.name, name, value))

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("fault suite figures")
    for test, name, value in FIGURES:
        terminalreporter.write_line(f"{test}: {name} = {value}")
    path = os.environ.get(FIGURES_ENV)
    if path:
        Path(path).write_text(json.dumps([{"test": t, "name": n, "value": v} for t, n, v in FIGURES], indent=1,
                                         default=str))


@pytest.fixture
def site() -> Iterator[FaultySite]:
    """The demo news site with both publishing batches: 8 articles, 4 developments."""
    first, second = demo_articles()
    with FaultySite([*first, *second]) as s:
        yield s


@dataclass(frozen=True)
class Reference:
    """What a run that nobody disturbed stores and delivers."""

    snapshot: Snapshot
    delivered: Counter[tuple[str, str]]


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    work = tmp_path_factory.mktemp("reference")
    first, second = demo_articles()
    with FaultySite([*first, *second]) as s, SmtpSink() as mail, WebhookSink() as hook:
        db = f"sqlite:///{work / 'reference.db'}"
        cfg = site_config(work / "dw.yaml", s, mail)
        done = cli(hook.url, "crawl", "--config", str(cfg), "--json", db_url=db)
        assert done.returncode == 0, done.stderr[-3000:]
        report = json.loads(done.stdout)
        assert report["articles"] == len(first) + len(second) and report["alerts_failed"] == 0
        ref = Reference(snapshot(db, s.base_url), delivered(mail, hook))
    assert len(ref.snapshot.developments) >= 3 and sum(ref.delivered.values()) == 2 * len(ref.snapshot.developments)
    return ref
