"""The daemon's web endpoints (/healthz, /livez, /metrics, the dashboard) served by uvicorn on the daemon's loop.

Other route sets mount through `create_app(..., extra_routes=...)`; a `monitor.dashboard` module
that defines `routes(rt) -> Sequence[BaseRoute]` is mounted automatically.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import socket
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import uvicorn
from apscheduler.schedulers.base import STATE_RUNNING, BaseScheduler
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from alerts.redact import redact
from db.models import Source
from db.session import transaction
from monitor.metrics import Metrics
from monitor.runtime import Runtime
from monitor.scheduler import job_summary

log = logging.getLogger(__name__)
DB_TIMEOUT_S = 3.0
BEAT_S = 1.0
# A heartbeat older than this means the loop stalled (a blocking call) or the heartbeat died.
STALE_BEAT_S = 15.0


@dataclass
class DaemonState:
    """What the daemon tells its web endpoints about itself."""

    metrics: Metrics = field(default_factory=Metrics)
    scheduler: BaseScheduler | None = None
    role: str = "starting"
    """starting | leader | follower"""
    stopping: bool = False
    started_at: float = field(default_factory=time.time)
    last_beat: float = field(default_factory=time.monotonic)
    loop_lag_s: float = 0.0
    loop_lag_max_s: float = 0.0

    def scheduler_running(self) -> bool:
        return self.scheduler is not None and self.scheduler.state == STATE_RUNNING

    def live(self) -> bool:
        return time.monotonic() - self.last_beat < STALE_BEAT_S


async def heartbeat(state: DaemonState, period: float = BEAT_S) -> None:
    """Mark the loop alive every `period` and measure how late the loop woke us (its lag)."""
    while True:
        before = time.monotonic()
        await asyncio.sleep(period)
        now = time.monotonic()
        state.loop_lag_s = max(0.0, now - before - period)
        state.loop_lag_max_s = max(state.loop_lag_max_s, state.loop_lag_s)
        state.last_beat = now


def _check_database(rt: Runtime) -> None:
    with transaction(rt.factory) as s:
        s.execute(select(Source.id).limit(1)).all()


async def database_status(rt: Runtime) -> dict[str, Any]:
    started = time.monotonic()
    try:
        await asyncio.wait_for(asyncio.to_thread(_check_database, rt), DB_TIMEOUT_S)
    except Exception as e:
        reason = str(e).splitlines()[0] if str(e) else ""
        return {"ok": False, "error": redact(f"{type(e).__name__}: {reason}"[:300], rt.secrets())}
    return {"ok": True, "seconds": round(time.monotonic() - started, 4)}


def create_app(rt: Runtime, state: DaemonState, *, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The ASGI app: health, metrics, then `extra_routes` and the dashboard's routes if installed."""

    async def livez(request: Request) -> Response:
        body = {"live": state.live(), "loop_lag_s": round(state.loop_lag_s, 4),
                "loop_lag_max_s": round(state.loop_lag_max_s, 4),
                "beat_age_s": round(time.monotonic() - state.last_beat, 3)}
        return JSONResponse(body, status_code=200 if body["live"] else 503)

    async def healthz(request: Request) -> Response:
        db = await database_status(rt)
        running = state.scheduler_running()
        live, ready = state.live(), bool(db["ok"]) and running and not state.stopping
        body = {
            "status": "ok" if live and ready else "unavailable",
            "live": live,
            "ready": ready,
            "role": state.role,
            "stopping": state.stopping,
            "database": db,
            "scheduler": {"running": running, "jobs": job_summary(state.scheduler) if state.scheduler else []},
            "loop_lag_s": round(state.loop_lag_s, 4),
            "loop_lag_max_s": round(state.loop_lag_max_s, 4),
            "uptime_s": round(time.time() - state.started_at, 1),
        }
        return JSONResponse(body, status_code=200 if live and ready else 503)

    async def metrics(request: Request) -> Response:
        try:
            await asyncio.wait_for(asyncio.to_thread(state.metrics.refresh_from_database, rt.factory), DB_TIMEOUT_S)
        except TimeoutError:
            state.metrics.database_up.set(0)  # answer with this process's figures rather than hang the scrape
        state.metrics.leader.set(1 if state.role == "leader" else 0)
        state.metrics.loop_lag.set(state.loop_lag_s)
        return Response(state.metrics.render(), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", healthz),
        Route("/livez", livez),
        Route("/metrics", metrics),
        *extra_routes,
        *dashboard_routes(rt),
    ]
    return Starlette(routes=routes)


def dashboard_routes(rt: Runtime) -> Sequence[BaseRoute]:
    """The dashboard's routes when `monitor.dashboard` is installed; none otherwise."""
    try:
        module = importlib.import_module("monitor.dashboard")
    except ModuleNotFoundError as e:
        if e.name != "monitor.dashboard":
            raise
        return ()
    routes = getattr(module, "routes", None)
    return tuple(cast(Sequence[BaseRoute], routes(rt))) if callable(routes) else ()


class _LoopServer(uvicorn.Server):
    """uvicorn without its own signal handlers: the daemon owns SIGTERM/SIGINT/SIGHUP."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class WebServer:
    """Serves an ASGI app as a task on the running loop; `bind()` first so a taken port fails fast."""

    def __init__(self, app: Starlette, host: str, port: int) -> None:
        self.host, self.port = host, port
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off", server_header=False,
                                timeout_graceful_shutdown=1)
        self.server = _LoopServer(config)
        self.sock: socket.socket | None = None

    def bind(self) -> int:
        """Open the listening socket (port 0 picks a free one); returns the port."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        self.sock = sock
        self.port = int(sock.getsockname()[1])
        return self.port

    async def serve(self) -> None:
        if self.sock is None:
            self.bind()
        assert self.sock is not None
        await self.server.serve(sockets=[self.sock])

    async def stop(self, task: asyncio.Task[None], timeout: float = 2.0) -> None:
        self.server.should_exit = True
        try:
            await asyncio.wait_for(task, timeout)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("web server did not stop in %.0fs", timeout)
        if self.sock is not None:
            self.sock.close()
