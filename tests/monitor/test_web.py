"""The daemon's web endpoints served by uvicorn on 127.0.0.1: health (liveness, readiness) and metrics."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr
from sqlalchemy import create_engine
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from alerts.outbox import DispatchResult
from db import store
from db.models import Article, Development
from db.session import make_sessionmaker, transaction
from monitor.config import Settings
from monitor.crawl import CrawlOutcome
from monitor.developments import IngestResult
from monitor.runtime import Runtime, open_runtime
from monitor.web import DaemonState, WebServer, create_app, dashboard_routes, heartbeat
from spiders.items import SourceFetch
from tests.e2e.daemons import metric

CONFIG = """\
sources:
  - id: wire
    kind: feed
    url: https://wire.example/feed.xml
    interval: 10m
"""

Reply = tuple[int, str, Any]


@pytest.fixture
def rt(tmp_path: Path) -> Iterator[Runtime]:
    cfg = tmp_path / "dw.yaml"
    cfg.write_text(CONFIG)
    settings = Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'web.db'}"), seed_ledger=False)
    runtime = open_runtime(settings, cfg)
    yield runtime
    runtime.close()


def fetch(port: int, path: str) -> Reply:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
            status, ctype, body = r.status, r.headers["Content-Type"], r.read().decode()
    except urllib.error.HTTPError as e:
        status, ctype, body = e.code, e.headers["Content-Type"], e.read().decode()
    return status, ctype, json.loads(body) if ctype.startswith("application/json") else body


def serve(rt: Runtime, paths: Sequence[str], *, prepare: Callable[[DaemonState], Awaitable[None]] | None = None,
          extra_routes: Sequence[Route] = (), state: DaemonState | None = None) -> list[Reply]:
    """Serve the app on an ephemeral loopback port inside a fresh loop, GET each path, stop."""

    async def main() -> list[Reply]:
        st = state or DaemonState()
        if prepare:
            await prepare(st)
        server = WebServer(create_app(rt, st, extra_routes=extra_routes), "127.0.0.1", 0)
        port = server.bind()
        task = asyncio.ensure_future(server.serve())
        try:
            return [await asyncio.to_thread(fetch, port, p) for p in paths]
        finally:
            await server.stop(task)
            if st.scheduler is not None and st.scheduler.running:
                st.scheduler.shutdown(wait=False)

    return asyncio.run(main())


async def running_scheduler(state: DaemonState) -> None:
    scheduler = AsyncIOScheduler()
    scheduler.add_job(print, "interval", id="crawl:wire", minutes=10)
    scheduler.start()
    state.scheduler, state.role = scheduler, "leader"


def test_healthz_is_ready_when_database_and_scheduler_are_up(rt: Runtime) -> None:
    (status, ctype, body), (live_status, _, live) = serve(rt, ["/healthz", "/livez"], prepare=running_scheduler)
    assert (status, ctype) == (200, "application/json")
    assert body["status"] == "ok" and body["live"] and body["ready"]
    assert body["role"] == "leader" and body["database"]["ok"]
    assert [j["id"] for j in body["scheduler"]["jobs"]] == ["crawl:wire"]
    assert live_status == 200 and live["live"]


def test_healthz_is_unavailable_without_a_running_scheduler_or_while_stopping(rt: Runtime) -> None:
    [(status, _, body)] = serve(rt, ["/healthz"])
    assert status == 503 and body["live"] and not body["ready"] and body["scheduler"]["running"] is False

    async def stopping(state: DaemonState) -> None:
        await running_scheduler(state)
        state.stopping = True

    [(status, _, body)] = serve(rt, ["/healthz"], prepare=stopping)
    assert status == 503 and body["stopping"] and body["scheduler"]["running"]


def test_healthz_is_unavailable_when_the_database_is_not_reachable(rt: Runtime, tmp_path: Path) -> None:
    # Nothing listens on port 1; the password must not appear in the answer.
    url = "postgresql+psycopg://watch:hunter2-secret@127.0.0.1:1/nowhere"
    engine = create_engine(url)
    settings = Settings(database_url=SecretStr(url))
    down = Runtime(settings, rt.config, rt.config_file, engine, make_sessionmaker(engine))
    [(status, _, body), (live_status, _, _)] = serve(down, ["/healthz", "/livez"], prepare=running_scheduler)
    engine.dispose()
    assert status == 503 and not body["ready"] and body["database"]["ok"] is False
    assert "OperationalError" in body["database"]["error"] and "hunter2" not in json.dumps(body)
    assert live_status == 200  # alive, just not ready: restarting would not bring the database back


def test_liveness_follows_the_loop_heartbeat(rt: Runtime) -> None:
    async def stalled(state: DaemonState) -> None:
        await running_scheduler(state)
        state.last_beat = time.monotonic() - 60

    [(status, _, body), (h_status, _, _)] = serve(rt, ["/livez", "/healthz"], prepare=stalled)
    assert status == 503 and not body["live"] and h_status == 503

    async def measure_lag() -> DaemonState:
        state = DaemonState()
        beat = asyncio.ensure_future(heartbeat(state, period=0.05))
        await asyncio.sleep(0.01)
        time.sleep(0.3)  # a blocking call on the loop, as a misbehaving job would make
        await asyncio.sleep(0.1)
        beat.cancel()
        return state

    state = asyncio.run(measure_lag())
    assert state.loop_lag_max_s >= 0.2 > state.loop_lag_s and state.live()


def test_metrics_report_pipeline_dispatch_and_outbox_figures(rt: Runtime) -> None:
    state = DaemonState()
    m = state.metrics
    m.on_page("wire", IngestResult(article_id=1, development_id=7, new_development=True))
    m.on_page("wire", IngestResult(article_id=2, development_id=7, update=True))
    m.on_page("wire", IngestResult(article_id=3))
    m.on_page("wire", IngestResult(article_id=None))  # a duplicate: fetched, not stored
    m.on_page("wire", None)  # no article in the page
    m.on_fetch(SourceFetch(source_id="wire", url="https://wire.example/feed.xml", status=500, error="HTTP 500"))
    m.on_crawl(CrawlOutcome("wire", 2.5))
    m.on_crawl(CrawlOutcome("wire", 0.2, error="DNSLookupError"))
    m.on_dispatch(DispatchResult(sent=3, failed=2, dead=1))
    with transaction(rt.factory) as s:
        for key in ("a", "b"):
            store.enqueue(s, dedup_key=key, channel="email", kind="new")
        s.add_all([Article(canonical_url=f"https://wire.example/{i}", url=f"https://wire.example/{i}", source_id="wire",
                           content_hash=str(i), relevant=i < 3) for i in range(5)])
        s.add(Development(stage="agreement", status="active"))
    [(status, ctype, text)] = serve(rt, ["/metrics"], state=state, prepare=running_scheduler)
    assert status == 200 and ctype.startswith("text/plain")
    expected = {
        ("deportwatch_pages_fetched_total", "wire"): 5,
        ("deportwatch_items_stored_total", "wire"): 3,
        ("deportwatch_relevant_articles_total", "wire"): 2,
        ("deportwatch_source_failures_total", "wire"): 2,
    }
    for (name, source), value in expected.items():
        assert metric(text, name, source=source) == value, name
    assert metric(text, "deportwatch_developments_total", kind="new") == 1
    assert metric(text, "deportwatch_developments_total", kind="update") == 1
    assert metric(text, "deportwatch_alerts_dispatched_total", result="sent") == 3
    assert metric(text, "deportwatch_alerts_dispatched_total", result="failed") == 2
    assert metric(text, "deportwatch_alerts_dispatched_total", result="dead") == 1
    assert metric(text, "deportwatch_alerts", status="pending") == 2
    assert metric(text, "deportwatch_alerts", status="dead") == 0
    assert metric(text, "deportwatch_crawl_duration_seconds_count", source="wire") == 2
    assert metric(text, "deportwatch_crawl_duration_seconds_bucket", source="wire", le="5.0") == 2
    assert metric(text, "deportwatch_crawl_duration_seconds_bucket", source="wire", le="1.0") == 1
    assert metric(text, "deportwatch_crawls_total", source="wire", result="error") == 1
    assert metric(text, "deportwatch_source_consecutive_failures", source="wire") == 0
    assert metric(text, "deportwatch_leader") == 1
    assert metric(text, "deportwatch_database_up") == 1
    assert "deportwatch_loop_lag_seconds " in text
    # Database totals count every node's work (Scrapyd nodes store pages the daemon never sees).
    assert metric(text, "deportwatch_stored_articles", relevant="true") == 3
    assert metric(text, "deportwatch_stored_articles", relevant="false") == 2
    assert metric(text, "deportwatch_stored_developments", status="active") == 1


def test_extra_routes_mount_next_to_health_and_metrics(rt: Runtime) -> None:
    async def hello(request: Request) -> Response:
        return PlainTextResponse("dashboard here")

    [(status, _, body), (h_status, _, _)] = serve(
        rt, ["/dash", "/healthz"], extra_routes=[Route("/dash", hello)], prepare=running_scheduler)
    assert (status, body, h_status) == (200, "dashboard here", 200)



def test_the_dashboard_mounts_beside_health_and_metrics(rt: Runtime) -> None:
    if not dashboard_routes(rt):
        pytest.skip("monitor.dashboard is not installed")
    [(status, _, _), (h_status, _, body)] = serve(rt, ["/login", "/healthz"], prepare=running_scheduler)
    assert status == 200 and h_status == 200 and body["ready"]
