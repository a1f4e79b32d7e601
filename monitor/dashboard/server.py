"""Serves the dashboard on its own (`deportwatch serve`), or in a background thread for tests and benchmarks."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from starlette.applications import Starlette

from monitor.dashboard import routes
from monitor.runtime import Runtime


def build_app(rt: Runtime) -> Starlette:
    return Starlette(routes=routes(rt))


def serve(rt: Runtime, host: str, port: int) -> None:
    """Run the dashboard until interrupted; pass 127.0.0.1 unless it must be reachable from elsewhere."""
    uvicorn.run(build_app(rt), host=host, port=port, log_config=None, access_log=False, server_header=False,
                proxy_headers=False, lifespan="off")


@contextmanager
def background(app: Starlette, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` from a thread on loopback and yield its base URL; stops when the block ends."""
    config = uvicorn.Config(app, host=host, port=port, log_config=None, log_level="warning", lifespan="off",
                            server_header=False, proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.02)
    bound = server.servers[0].sockets[0].getsockname()
    try:
        yield f"http://{bound[0]}:{bound[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
