"""`python -m bench`: every benchmark in one run; writes bench/results/latest.json and prints the table.

Options: `--only crawl,classify,latency,memory,storage` runs some parts; `--quick` runs a smaller
version of each (for trying the suite, not for the record; it writes bench/results/quick.json).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.crawl import ROOT, bench_env

RESULTS = Path(__file__).parent / "results"
PARTS = ("crawl", "classify", "latency", "memory", "storage")


def run_crawl(quick: bool) -> dict[str, Any]:
    from bench.crawl import crawl_ratio
    from bench.site import StaticSite
    from bench.stages import stage_costs
    from monitor.newssite import generate_articles

    with StaticSite(generate_articles(400 if quick else 2000, relevant_fraction=0.2, seed=1)) as site:
        out = crawl_ratio(site, rounds=1 if quick else 3)
        out["site_server"] = site.server
        sizes = sorted(site.page_sizes().values())
        out["site_pages"] = {"articles": len(sizes), "median_bytes": sizes[len(sizes) // 2], "max_bytes": sizes[-1],
                             "over_100kb": sum(s > 100_000 for s in sizes)}
        out["stage_ms"] = stage_costs(site, limit=200 if quick else 600)
    return out


def run_classify(quick: bool) -> dict[str, Any]:
    # Its own process, pinned to one core.
    proc = subprocess.run([sys.executable, "-m", "bench.classify"], capture_output=True, text=True, cwd=ROOT,
                          env=bench_env(), timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run_latency(quick: bool) -> dict[str, Any]:
    from bench.latency import measure
    from monitor.config import AlertsConfig

    out = measure()
    if not quick:
        default = f"{AlertsConfig().dispatch_interval_s:g}s"
        shipped = measure(dispatch_interval=default)
        out["alert_latency_default_dispatch_s"] = shipped["alert_latency_s"]
        out["alert_default_dispatch_interval"] = default
    return out


def run_memory(quick: bool) -> dict[str, Any]:
    from bench.memory import measure

    return measure(crawls=12 if quick else 100)


def run_storage(quick: bool) -> dict[str, Any]:
    from bench.storage import SIZES, measure

    return measure(sizes=(10_000, 30_000) if quick else SIZES, probe=100 if quick else 300)


RUNNERS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "crawl": run_crawl, "classify": run_classify, "latency": run_latency, "memory": run_memory,
    "storage": run_storage,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default=",".join(PARTS))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    parts = [p.strip() for p in args.only.split(",") if p.strip()]
    results: dict[str, Any] = {"machine": report.machine(), "started": datetime.now(UTC).isoformat(timespec="seconds"),
                               "quick": args.quick, "errors": {}, "part_seconds": {}}
    t0 = time.monotonic()
    for part in parts:
        print(f"[bench] {part} …", file=sys.stderr, flush=True)
        p0 = time.monotonic()
        try:
            results.update(RUNNERS[part](args.quick))
        except Exception:
            results["errors"][part] = traceback.format_exc()[-3000:]
            print(results["errors"][part], file=sys.stderr)
        results["part_seconds"][part] = round(time.monotonic() - p0, 1)
    results["duration_s"] = round(time.monotonic() - t0)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(exist_ok=True)
    name = "quick.json" if args.quick else "latest.json"
    (RESULTS / name).write_text(json.dumps(results, indent=1, default=str) + "\n")
    if not args.quick and set(parts) == set(PARTS):
        report.update_readme(results)
    print(report.text_table(results))
    print(f"[bench] results in {RESULTS / name}", file=sys.stderr)
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
