"""Runs spider crawls through ``run_spiders.py`` in a subprocess and reads back what it printed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNNER = Path(__file__).with_name("run_spiders.py")


@dataclass
class CrawlResult:
    """The items, per-source stats, listening ports and blocked connections of one run, and its log."""

    fetches: list[dict[str, Any]]
    pages: list[dict[str, Any]]
    stats: dict[str, dict[str, float]]
    listening: list[int]
    blocked: list[str]
    log: str

    def fetch(self, source_id: str) -> dict[str, Any]:
        [fetch] = [f for f in self.fetches if f["source_id"] == source_id]
        return fetch

    def urls(self, source_id: str) -> list[str]:
        return [p["url"] for p in self.pages if p["source_id"] == source_id]


def run_spiders(crawls: list[dict[str, Any]], settings: dict[str, Any]) -> CrawlResult:
    """Run the crawls (each ``{"kind": ..., **spider args}``) side by side in one fresh process."""
    config = json.dumps({"crawls": crawls, "settings": settings})
    done = subprocess.run([sys.executable, str(RUNNER), config], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    [summary] = [line for line in lines if line["type"] == "Summary"]
    return CrawlResult(
        fetches=[line for line in lines if line["type"] == "SourceFetch"],
        pages=[line for line in lines if line["type"] == "FetchedPage"],
        stats=summary["stats"], listening=summary["listening"], blocked=summary["blocked"], log=done.stderr,
    )
