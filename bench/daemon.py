"""A `deportwatch run` daemon in a subprocess for the benchmarks, with Slack pointed at a loopback webhook.

`python -m bench.daemon HOOK_URL ARGS…` is the child side; `DaemonProcess` starts it, follows its JSON
log lines (with the time each arrived) and reads its resident memory.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bench.crawl import ROOT, bench_env
from bench.site import StaticSite, free_port

SLACK_URL = "slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


def write_daemon_config(path: Path, site: StaticSite, mail_url: str, *, interval: str,
                        dispatch_interval: str = "1s") -> Path:
    cfg = {
        "sources": [{"id": f"bench-{o}", "kind": "feed", "url": u, "interval": interval, "allow_private": True}
                    for o, u in site.feed_urls().items()],
        "channels": [{"name": "email", "url": mail_url, "tags": ["immediate"]},
                     {"name": "slack", "url": SLACK_URL, "tags": ["immediate"]}],
        "alerts": {"dispatch_interval": dispatch_interval, "backoff_base_s": 0.5},
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


class DaemonProcess:
    """The daemon as a child process; `lines` holds (arrival time, parsed JSON log record)."""

    def __init__(self, config: Path, db_url: str, hook_url: str) -> None:
        env = bench_env(db_url, config)
        level = os.environ.get("BENCH_DAEMON_LOG", "INFO")
        env.update({"DEPORTWATCH_LOG_FORMAT": "json", "DEPORTWATCH_LOG_LEVEL": level,
                    "DEPORTWATCH_WEB_PORT": str(free_port())})
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.daemon", hook_url, "run", "--config", str(config)],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: list[tuple[float, dict[str, Any]]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            try:
                record = json.loads(raw)
            except ValueError:
                record = {"message": raw.rstrip()}
            with self._lock:
                self.lines.append((time.time(), record if isinstance(record, dict) else {"message": raw}))

    def count(self, prefix: str) -> int:
        with self._lock:
            return sum(1 for _, r in self.lines if _text(r).startswith(prefix))

    def wait_until(self, done: Callable[[], bool], timeout: float, poll: float = 0.005) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            if self.proc.poll() is not None:
                raise RuntimeError("daemon exited: " + self.tail())
            time.sleep(poll)
        return done()

    def tail(self, n: int = 15) -> str:
        with self._lock:
            return "\n".join(_text(r) for _, r in self.lines[-n:])

    def dump(self, path: Path) -> Path:
        """Write every log record received so far to `path` (for a failed run)."""
        with self._lock:
            path.write_text("".join(f"{t:.3f} {json.dumps(r)}\n" for t, r in self.lines))
        return path

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def _text(record: dict[str, Any]) -> str:
    return str(record.get("msg", record.get("message", "")))


def main() -> None:
    from monitor.cli import app
    from monitor.loopback import slack_endpoint

    with slack_endpoint(sys.argv[1]):
        app(args=sys.argv[2:])


if __name__ == "__main__":
    os.environ.setdefault("DEPORTWATCH_TEST_MODE", "1")
    main()
