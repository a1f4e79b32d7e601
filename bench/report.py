"""The results table: targets, verdicts, the machine; printed and written into bench/README.md."""

from __future__ import annotations

import os
import platform
import re
import sqlite3
import subprocess
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.site import nginx_binary, nginx_version

README = Path(__file__).parent / "README.md"
BEGIN, END = "<!-- bench:table:begin -->", "<!-- bench:table:end -->"
PACKAGES = ("scrapy", "twisted", "trafilatura", "lxml", "sqlalchemy", "psycopg", "apprise", "apscheduler",
            "scikit-learn", "py-spy")


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    mem = next((int(line.split()[1]) // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0) if Path("/proc/meminfo").exists() else 0
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except Exception:
            versions[name] = None
    binary = nginx_binary()
    versions["nginx"] = nginx_version(binary) if binary else None
    versions["sqlite"] = sqlite3.sqlite_version
    versions["postgresql"] = _postgres_version()
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_mb": mem, "os": platform.platform(),
            "python": platform.python_version(), "versions": versions, "load_average": list(os.getloadavg())}


def _postgres_version() -> str | None:
    try:
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-Atc", "SHOW server_version"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def _ratio(r: dict[str, Any], backend: str) -> float | None:
    ms = (r.get("insert_ms") or {}).get(backend) or {}
    return round(ms["1000000"] / ms["10000"], 2) if ms.get("1000000") and ms.get("10000") else None


Row = tuple[str, Callable[[dict[str, Any]], Any], str, Callable[[Any], bool] | None]
ROWS: tuple[Row, ...] = (
    ("bare Scrapy pages/s", lambda r: r.get("bare_pages_per_s"), "", None),
    ("deportwatch pages/s", lambda r: r.get("pipeline_pages_per_s"), "", None),
    ("crawl ratio", lambda r: r.get("crawl_ratio"), "≥ 0.5", lambda v: v >= 0.5),
    ("re-crawl time ratio", lambda r: r.get("recrawl_time_ratio"), "≤ 0.1", lambda v: v <= 0.1),
    ("re-crawl bytes ratio", lambda r: r.get("recrawl_bytes_ratio"), "≤ 0.1", lambda v: v <= 0.1),
    ("classifier articles/s (1 core)", lambda r: r.get("classify_per_s"), "", None),
    ("classifier p50 ms", lambda r: r.get("classify_ms_p50"), "≤ 2", lambda v: v <= 2),
    ("classifier p99 ms", lambda r: r.get("classify_ms_p99"), "", None),
    ("classifier p50 ms, long pages (~4,000 characters)", lambda r: r.get("classify_long_ms_p50"), "≤ 2",
     lambda v: v <= 2),
    ("classifier p99 ms, long pages", lambda r: r.get("classify_long_ms_p99"), "", None),
    ("classifier p50 ms, each article's fastest of 3 passes: short / long pages",
     lambda r: f"{r.get('classify_ms_fastest_p50')} / {r.get('classify_long_ms_fastest_p50')}", "", None),
    ("alert latency s (fetch → mail and webhook)", lambda r: r.get("alert_latency_s"), "≤ 5", lambda v: v <= 5),
    ("  same, shipped dispatch interval", lambda r: r.get("alert_latency_default_dispatch_s"), "≤ 5",
     lambda v: v <= 5),
    ("daemon RSS MB after 1 / 10 / 100 crawls", lambda r: " / ".join(str(x) for x in r.get("rss_mb") or []), "",
     None),
    ("RSS growth crawl 10 → 100", lambda r: r.get("rss_growth_10_to_100"), "≤ 0.10", lambda v: v <= 0.10),
    ("insert ms/article SQLite 10k / 100k / 1M", lambda r: _sizes(r, "sqlite"), "", None),
    ("insert 1M ÷ 10k SQLite", lambda r: _ratio(r, "sqlite"), "≤ 2", lambda v: v <= 2),
    ("insert ms/article PostgreSQL 10k / 100k / 1M", lambda r: _sizes(r, "postgresql"), "", None),
    ("insert 1M ÷ 10k PostgreSQL", lambda r: _ratio(r, "postgresql"), "≤ 2", lambda v: v <= 2),
    ("overview query ms SQLite 10k / 100k / 1M", lambda r: _sizes(r, "sqlite", "overview_ms"), "", None),
    ("overview query ms PostgreSQL 10k / 100k / 1M", lambda r: _sizes(r, "postgresql", "overview_ms"), "", None),
)


def _sizes(r: dict[str, Any], backend: str, key: str = "insert_ms") -> str:
    by_size = (r.get(key) or {}).get(backend) or {}
    return " / ".join(str(by_size.get(s, "–")) for s in ("10000", "100000", "1000000"))


def rows(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    out = []
    for label, get, target, check in ROWS:
        value = get(results)
        verdict = ""
        if check is not None:
            verdict = "–" if value is None else ("met" if check(value) else "NOT met")
        out.append((label, "–" if value in (None, "") else str(value), target, verdict))
    return out


def markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    v = m.get("versions", {})
    lines = [f"Run {results.get('finished', '?')} in {results.get('duration_s', '?')} s on {m.get('cores')} cores "
             f"({m.get('cpu')}), {m.get('memory_mb')} MB, {m.get('os')}; Python {m.get('python')}, "
             f"Scrapy {v.get('scrapy')}, trafilatura {v.get('trafilatura')}, {v.get('nginx')}, "
             f"SQLite {v.get('sqlite')}, PostgreSQL {v.get('postgresql')}; load average at start "
             f"{', '.join(str(round(x, 1)) for x in m.get('load_average', []))}.", "",
             "| measure | value | target | |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows(results)]
    return "\n".join(lines)


def text_table(results: dict[str, Any]) -> str:
    table = rows(results)
    width = max(len(r[0]) for r in table)
    vwidth = max(len(r[1]) for r in table)
    return "\n".join(f"{a:<{width}}  {b:>{vwidth}}  {c:<6} {d}" for a, b, c, d in table)


def update_readme(results: dict[str, Any], path: Path = README) -> None:
    """Replace the table between the markers in the README (left alone if the markers are missing)."""
    if not path.exists():
        return
    body = path.read_text()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(body):
        path.write_text(pattern.sub(lambda _: f"{BEGIN}\n{markdown(results)}\n{END}", body))
