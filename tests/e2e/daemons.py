"""Helpers for daemon end-to-end tests: a daemon subprocess with its log and web port, and a slow news site."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.newssite import NewsSite
from monitor.newssite.site import is_fresh, send_resource
from tests.support.cli import slack_cli

PORT_LINE = re.compile(r"health and metrics on http://[^\s:]+:(\d+)")


class DaemonProc:
    """`deportwatch run` in a subprocess (Slack pointed at the webhook sink), its log read as it is written."""

    def __init__(self, hook_url: str, config: Path, db_url: str, *args: str, env: dict[str, str] | None = None):
        full_env = {**os.environ, "DEPORTWATCH_DATABASE_URL": db_url, "DEPORTWATCH_WEB_PORT": "0",
                    "DEPORTWATCH_SEED_LEDGER": "0", **(env or {})}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            slack_cli(hook_url, "run", "--config", str(config), *args),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=full_env,
        )
        self.lines: list[tuple[float, str]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.port = 0

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append((time.monotonic(), line.rstrip("\n")))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    @property
    def log(self) -> str:
        with self._cond:
            return "\n".join(line for _, line in self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 60, start: int = 0) -> tuple[float, re.Match[str]]:
        """The first log line (from index `start`) matching `pattern`: (when it was read, the match)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for when, line in self.lines[start:]:
                    m = rx.search(line)
                    if m:
                        return when, m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no log line matching {pattern!r} within {timeout}s:\n{self.log[-4000:]}")
                self._cond.wait(min(left, 0.2))

    def wait_ready(self, timeout: float = 60) -> float:
        """Wait for the 'running' line; returns when it was logged and remembers the web port."""
        when, m = self.wait_for_line(PORT_LINE.pattern, timeout)
        self.port = int(m.group(1))
        return when

    def get(self, path: str, timeout: float = 10) -> tuple[int, Any]:
        """GET a path of the daemon's web server: (status, parsed JSON or text)."""
        url = f"http://127.0.0.1:{self.port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                status, body = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, body = e.code, e.read().decode()
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def crawl_jobs(self) -> list[str]:
        _, health = self.get("/healthz")
        return [j["id"] for j in health["scheduler"]["jobs"] if j["id"].startswith("crawl:")]

    def signal(self, sig: signal.Signals) -> None:
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 20) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds until the process exited)."""
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=timeout)
        elapsed = time.monotonic() - started
        self._reader.join(timeout=5)
        return code, elapsed

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._reader.join(timeout=5)


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text output (0 when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        key, value = line.rsplit(" ", 1)
        sample, _, raw = key.partition("{")
        got = ",".join(sorted(p for p in raw.rstrip("}").split(",") if p))
        if sample == name and got == want:
            return float(value)
    return 0.0


class SlowSite:
    """Serves a NewsSite's pages itself, holding the paths `slow(path)` picks for `delay` seconds."""

    def __init__(self, site: NewsSite, delay: float, slow: Callable[[str], bool]) -> None:
        self.site, self.delay, self.slow = site, delay, slow
        self.arrived: dict[str, int] = {}
        self.answered: dict[str, int] = {}
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    def serve(self) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        server.daemon_threads = True
        self._server = server
        # Pages link to the site's base URL: make that this server.
        self.site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self.site.base_url

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def count(self, table: dict[str, int], path: str) -> None:
        with self._lock:
            table[path] = table.get(path, 0) + 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                owner.count(owner.arrived, path)
                if owner.slow(path) and owner.delay > 0:
                    owner._release.wait(owner.delay)
                resource = owner.site.resource(path)
                try:
                    send_resource(self, resource, is_fresh(resource, self))
                except OSError:
                    return  # the client gave up waiting
                owner.count(owner.answered, path)

            def log_message(self, format: str, *args: object) -> None:
                """Counted in `arrived` and `answered`; stderr stays quiet."""

        return Handler
