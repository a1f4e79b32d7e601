"""Storage scale: insert + dedup cost per article, and the overview query, with 10k, 100k and 1M articles stored.

Runs on SQLite (a temporary file) and on PostgreSQL (a dedicated schema in the database named by
DEPORTWATCH_BENCH_POSTGRES_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test, dropped
after). Pre-existing rows are bulk-loaded; the measured inserts go through the pipeline's own
grouped store (`store_prepared`), as pages from a crawl do.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text

from bench import bulk
from db.models import Source
from db.session import make_engine, make_sessionmaker, transaction, upgrade
from monitor.dashboard import queries
from monitor.developments import ChannelRoute
from monitor.extract import content_hash
from monitor.pipeline import PipelineContext, Prepared, store_prepared
from monitor.types import Article, Classification, CountKind, Stage
from spiders.items import FetchedPage

SIZES = (10_000, 100_000, 1_000_000)
POSTGRES = os.environ.get("DEPORTWATCH_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHANNELS = (ChannelRoute("email", frozenset({"immediate"})), ChannelRoute("slack", frozenset({"immediate"})))
GROUP = 50
COUNTRY_NAMES = {"XK": "Kosovo", "SZ": "Eswatini", "RW": "Rwanda", "UG": "Uganda", "GH": "Ghana", "PW": "Palau"}


class _NoClassifier:
    def classify(self, title: str, text: str, *, language: str | None = None) -> Classification:
        raise AssertionError("the storage benchmark stores prepared articles only")


def probe_items(rng: random.Random, stored: int, n: int, tag: str) -> list[tuple[str, Prepared]]:
    """New pages as a crawl brings them: mostly new off-topic articles, some repeats, some relevant."""
    items = []
    for k in range(n):
        roll = rng.random()
        url = f"https://probe.example/{tag}/{k}"
        words = " ".join(rng.choice(bulk.WORDS) for _ in range(120))
        body = f"{words} {tag} {k}"
        kind = "new"
        cls = Classification(relevant=False, score=0.05, reasons=("bench",))
        if roll < 0.1:
            kind, url = "same_url", bulk.article_url(rng.randrange(1, stored))
        elif roll < 0.2:
            kind = "same_text"
        elif roll < 0.3:
            kind, code = "relevant", rng.choice(list(COUNTRY_NAMES))
            cls = Classification(relevant=True, score=0.95, receiving_country=COUNTRY_NAMES[code], country_code=code,
                                 stage=rng.choice([Stage.AGREEMENT, Stage.FIRST_ARRIVALS]),
                                 deportee_count=rng.choice([None, 10, 50]), count_kind=CountKind.CAP, reasons=("b",))
        article = Article(url=url, canonical_url=url, source_id="src-1", title=f"Probe {tag} {k}", text=body,
                          language="en", published_at=datetime.now(UTC), outlet="probe.example",
                          content_hash=content_hash("", body))
        if kind == "same_text":
            article = Article(**{**article.__dict__, "content_hash": _stored_hash(rng.randrange(1, stored))})
        page = FetchedPage(source_id="src-1", url=url, final_url=url, status=200, body=b"")
        items.append((kind, Prepared(page, article, cls)))
    return items


def _stored_hash(i: int) -> str:
    import zlib

    return f"v1:{zlib.crc32(str(i).encode()):08x}{i:040x}"


def _median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 2)


def measure_backend(url: str, sizes: tuple[int, ...], probe: int) -> dict[str, Any]:
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with transaction(factory) as s:
        s.add_all(Source(id=f"src-{i}", kind="feed", url=f"https://news{i}.example/feed") for i in range(bulk.SOURCES))
    ctx = PipelineContext(factory, _NoClassifier(), {}, CHANNELS)
    rng = random.Random(1)
    out: dict[str, Any] = {"insert_ms": {}, "insert_ms_by_kind": {}, "overview_ms": {}, "load_s": {}}
    try:
        for size in sizes:
            t0 = time.perf_counter()
            bulk.grow(engine, size, datetime.now(UTC))
            out["load_s"][str(size)] = round(time.perf_counter() - t0, 1)
            warm = [p for _, p in probe_items(rng, size, GROUP, f"warm{size}")]
            store_prepared(ctx, warm)
            items = probe_items(rng, size, probe, f"p{size}")
            by_kind: dict[str, list[float]] = {}
            t0 = time.perf_counter()
            for start in range(0, len(items), GROUP):
                group = items[start:start + GROUP]
                g0 = time.perf_counter()
                store_prepared(ctx, [p for _, p in group])
                per = (time.perf_counter() - g0) * 1000 / len(group)
                for kind, _ in group:
                    by_kind.setdefault(kind, []).append(per)
            out["insert_ms"][str(size)] = round((time.perf_counter() - t0) * 1000 / len(items), 3)
            # Per kind: each alone, in groups of its own kind, so the figure is that kind's cost.
            out["insert_ms_by_kind"][str(size)] = _by_kind(ctx, rng, size)

            def overview() -> Any:
                with transaction(factory) as s:
                    return queries.countries(queries.timeline(s))

            out["overview_ms"][str(size)] = _median_ms(overview)
    finally:
        ctx.executor.shutdown()
        engine.dispose()
    return out


def _by_kind(ctx: PipelineContext, rng: random.Random, size: int) -> dict[str, float]:
    items = probe_items(rng, size, 400, f"k{size}")
    out = {}
    for kind in ("new", "same_url", "same_text", "relevant"):
        chosen = [p for k, p in items if k == kind][:GROUP]
        if chosen:
            t0 = time.perf_counter()
            store_prepared(ctx, chosen)
            out[kind] = round((time.perf_counter() - t0) * 1000 / len(chosen), 3)
    return out


def measure(sizes: tuple[int, ...] = SIZES, probe: int = 300) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="dw-bench-storage-") as tmp:
        results["sqlite"] = measure_backend(f"sqlite:///{tmp}/storage.db", sizes, probe)
    schema = f"dw_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(POSTGRES)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:  # no server: report why instead of failing the whole suite
        results["postgresql"] = {"skipped": f"{type(e).__name__}: {e}"[:300]}
        return _flatten(results)
    try:
        sep = "&" if "?" in POSTGRES else "?"
        results["postgresql"] = measure_backend(f"{POSTGRES}{sep}options=-csearch_path%3D{schema}", sizes, probe)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return _flatten(results)


def _flatten(results: dict[str, Any]) -> dict[str, Any]:
    keys = ("insert_ms", "insert_ms_by_kind", "overview_ms", "load_s")
    out: dict[str, Any] = {k: {b: r.get(k) for b, r in results.items() if "skipped" not in r} for k in keys}
    skipped = {b: r["skipped"] for b, r in results.items() if "skipped" in r}
    if skipped:
        out["storage_skipped"] = skipped
    return out


if __name__ == "__main__":
    import json
    import sys

    chosen = tuple(int(a) for a in sys.argv[1:]) or SIZES
    print(json.dumps(measure(chosen), indent=1))
