"""Dashboard benchmark: overview (and other pages) with 10,000 articles and 300 developments in the database.

`python -m bench.dashboard_overview [--database-url URL] [--articles N] [--developments N] [--runs N]`
fills a fresh database (a temporary SQLite file unless a URL is given), serves the dashboard on loopback
and times full HTTP requests for each page, printing one JSON object (milliseconds, bytes).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import http.client
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import insert

from db.models import Alert, Article, Development, DevelopmentArticle, Label
from db.session import make_engine, make_sessionmaker, transaction, upgrade
from monitor.config import AppConfig, Settings
from monitor.dashboard.server import background, build_app
from monitor.runtime import Runtime

TOKEN = "bench-dashboard-token-0123456789"
COUNTRIES = [("Kosovo", "XK"), ("Eswatini", "SZ"), ("Rwanda", "RW"), ("Ghana", "GH"), ("South Sudan", "SS"),
             ("Uganda", "UG"), ("Palau", "PW"), ("Belize", "BZ"), ("Paraguay", "PY"), ("Ecuador", "EC"),
             ("Honduras", "HN"), ("Guatemala", "GT"), ("Costa Rica", "CR"), ("Panama", "PA"), ("Mexico", "MX"),
             ("El Salvador", "SV"), ("Equatorial Guinea", "GQ"), ("Cameroon", "CM"), ("Liberia", "LR"),
             ("Dominica", "DM"), ("Antigua and Barbuda", "AG"), ("Saint Kitts and Nevis", "KN"), ("Guyana", "GY"),
             ("Libya", "LY"), ("Nigeria", "NG"), ("Angola", "AO"), ("Benin", "BJ"), ("Moldova", "MD")]
STAGES = ["talks", "agreement", "first_arrivals", "further_arrivals", "court_ruling", "paused_or_ended", "criticism"]
PAGES = ["/", "/countries/SZ", "/developments/150", "/articles", "/sources", "/alerts", "/api/developments",
         "/developments.csv"]


def fill(factory: Any, n_articles: int, n_devs: int, seed: int = 7) -> None:
    """Bulk-insert a realistic spread: most articles irrelevant, a few reporting each development."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 20, tzinfo=UTC)
    span = (datetime.now(UTC) - start).days
    with transaction(factory) as s:
        devs: list[dict[str, Any]] = []
        for i in range(1, n_devs + 1):
            country, code = COUNTRIES[rng.randrange(len(COUNTRIES))]
            when = start + timedelta(days=rng.randrange(span))
            devs.append({"id": i, "receiving_country": country, "country_code": code, "stage": rng.choice(STAGES),
                         "deportee_count": rng.choice([None, rng.randrange(1, 300)]), "count_kind": "moved",
                         "event_date": when.date(), "first_seen": when, "last_seen": when,
                         "title": f"{country}: development {i}", "summary": "Summary " * 40,
                         "official": rng.random() < 0.3, "status": "active", "article_count": 0})
        articles, links = [], []
        for i in range(1, n_articles + 1):
            relevant = rng.random() < 0.25
            url = f"https://outlet{i % 40}.example.org/{i}"
            articles.append({"id": i, "canonical_url": url, "url": url, "source_id": f"src-{i % 40}",
                             "outlet": f"Outlet {i % 40}", "official": False, "title": f"Article {i}",
                             "text": "Body text. " * 300, "language": rng.choice(["en", "es", "fr"]),
                             "published_at": start + timedelta(days=rng.randrange(span)),
                             "fetched_at": start + timedelta(minutes=i * 50),
                             "content_hash": hashlib.sha256(url.encode()).hexdigest(), "relevant": relevant,
                             "score": rng.random(), "reasons": ["cue: 'third country'", "country: Kosovo"]})
            if relevant:
                dev_id = rng.randrange(1, n_devs + 1)
                links.append({"development_id": dev_id, "article_id": i})
                devs[dev_id - 1]["article_count"] += 1
        s.execute(insert(Development), devs)
        s.execute(insert(Article), articles)
        s.execute(insert(DevelopmentArticle), links)
        s.execute(insert(Alert), [{"dedup_key": f"dev:{d['id']}:new:{ch}", "development_id": d["id"], "channel": ch,
                                   "kind": "new", "status": rng.choice(["sent", "sent", "sent", "dead", "pending"]),
                                   "attempts": 1, "payload": {}} for d in devs for ch in ("email", "slack")])
        s.execute(insert(Label), [{"canonical_url": a["canonical_url"], "label": "relevant"} for a in articles[:300]])


def get(base: str, path: str) -> tuple[float, int, int]:
    """One request on a fresh connection: (milliseconds, bytes on the wire, bytes uncompressed)."""
    host, port = base.removeprefix("http://").split(":")
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    body = resp.read()
    elapsed = (time.perf_counter() - t0) * 1000
    conn.close()
    if resp.status != 200:
        raise RuntimeError(f"{path} answered {resp.status}")
    raw = gzip.decompress(body) if resp.getheader("Content-Encoding") == "gzip" else body
    return elapsed, len(body), len(raw)


def measure(base: str, path: str, runs: int) -> dict[str, Any]:
    for _ in range(3):
        get(base, path)
    samples = [get(base, path) for _ in range(runs)]
    times = sorted(t for t, _, _ in samples)
    return {"median_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            "max_ms": round(times[-1], 1), "wire_bytes": samples[-1][1], "html_bytes": samples[-1][2]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--developments", type=int, default=300)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        t0 = time.perf_counter()
        fill(factory, args.articles, args.developments)
        filled = time.perf_counter() - t0
        cfg = AppConfig.model_validate({"dashboard": {"token": TOKEN}})
        rt = Runtime(Settings(database_url=SecretStr(url)), cfg, Path("bench.yaml"), engine, factory)
        with background(build_app(rt)) as base:
            pages = {path: measure(base, path, args.runs) for path in PAGES}
        engine.dispose()
    backend = url.split(":", 1)[0]
    print(json.dumps({"database": backend, "articles": args.articles, "developments": args.developments,
                      "fill_s": round(filled, 2), "runs": args.runs, "date": date.today().isoformat(),
                      "overview_under_300ms": pages["/"]["p95_ms"] < 300, "pages": pages}, indent=2))


if __name__ == "__main__":
    main()
