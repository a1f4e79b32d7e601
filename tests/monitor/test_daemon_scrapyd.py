"""With Scrapyd nodes configured, the daemon's crawl jobs go to the nodes instead of crawling in its own process."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import yaml
from pydantic import SecretStr

from db.models import Source
from db.session import transaction
from monitor.config import Settings
from monitor.daemon import Daemon
from monitor.newssite import NewsSite, demo_articles
from monitor.runtime import open_runtime
from monitor.types import Classification


class NeverClassifies:
    """The daemon's own pipeline must not run when the nodes crawl."""

    def classify(self, title: str, text: str, *, language: str | None = None) -> Classification:
        raise AssertionError("classified in the daemon's process")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_crawl_jobs_are_dispatched_to_scrapyd_and_a_failed_dispatch_is_recorded(tmp_path: Path) -> None:
    site = NewsSite(demo_articles()[0])
    site.serve()
    cfg = tmp_path / "dw.yaml"
    cfg.write_text(yaml.safe_dump({
        "sources": [{"id": "wire", "kind": "feed", "url": site.feed_urls()["wirewatch"], "allow_private": True}],
        "scrapyd": {"nodes": [f"http://127.0.0.1:{closed_port()}"], "timeout_s": 2},
    }))
    settings = Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'd.db'}"), seed_ledger=False)
    rt = open_runtime(settings, cfg)
    rt._classifier = NeverClassifies()
    daemon = Daemon(rt)
    try:
        outcome = asyncio.run(daemon.crawl(rt.config.source("wire")))
        with transaction(rt.factory) as s:
            row = s.get(Source, "wire")
            assert row is not None
            failures, error = row.consecutive_failures, row.last_error
        failed_metric = daemon.metrics.registry.get_sample_value("deportwatch_source_failures_total",
                                                                 {"source": "wire"})
    finally:
        daemon.release()
        site.stop()
    assert outcome.error is not None and "ScrapydError" in outcome.error
    assert site.requests == {}  # nothing fetched by the daemon itself
    assert failures == 1 and error == outcome.error
    assert failed_metric == 1
