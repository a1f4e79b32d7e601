"""Watches a running daemon from outside: its event-loop responsiveness (/livez) and what it stored per source."""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.request
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import Source


class LoopProbe:
    """Polls /livez in a thread; the slowest answer (or largest lag the daemon measured) is the loop's worst stall."""

    def __init__(self, port: int, every: float = 0.25) -> None:
        self.url = f"http://127.0.0.1:{port}/livez"
        self.every = every
        self.worst_s = 0.0
        self.samples = 0
        self.failures = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="loop-probe", daemon=True)

    def __enter__(self) -> LoopProbe:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=60) as r:
                    body = json.loads(r.read())
            except OSError:
                self.failures += 1
                continue
            took = time.monotonic() - started
            self.samples += 1
            self.worst_s = max(self.worst_s, took, float(body.get("loop_lag_s") or 0.0))


def health_rows(db_url: str) -> dict[str, dict[str, Any]]:
    """Each source's health row as plain data."""
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return {r.id: {"last_error": r.last_error, "consecutive_failures": r.consecutive_failures,
                           "last_ok_at": r.last_ok_at, "failed_total": r.failed_total,
                           "truncated_total": r.truncated_total}
                    for r in s.scalars(select(Source)).all()}
    finally:
        engine.dispose()


def gaps(starts: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(starts)]
