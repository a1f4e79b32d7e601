"""Crawl a generated loopback site through 1 and 2 Scrapyd nodes into one PostgreSQL; report pages/s.

    DEPORTWATCH_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python -m bench.scrapyd_scale --articles 1000 --sources 20 --nodes 1 2

Every run gets a fresh schema, its own site and mail sink, and checks what the e2e test checks:
each article stored once, each development alerted once.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr
from sqlalchemy import create_engine, func, select, text

from alerts.outbox import dispatch_due
from bench.scrapyd_nodes import free_port, scrapyd_node
from db.models import Alert, Article
from db.session import transaction
from monitor.config import Settings
from monitor.daemon import channels_of
from monitor.demo import local_mail_url
from monitor.loopback import SmtpSink
from monitor.newssite import NewsSite, SiteArticle, generate_articles
from monitor.runtime import open_runtime
from monitor.scrapyd import Job, ScrapydCluster, cluster_for, dispatch_crawl

# Alerts link to the development's dashboard page, which tells which development a mail is about.
DASHBOARD = "http://dashboard.invalid"


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose search_path is a new, empty schema, dropped afterwards."""
    schema = f"dw_scale_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def site_articles(n: int, outlets: int, seed: int = 7) -> list[SiteArticle]:
    """generate_articles spreads articles over three outlets; respread them over `outlets` feeds."""
    return [replace(a, outlet=f"outlet-{i % outlets:02d}") for i, a in enumerate(generate_articles(n, 0.2, seed))]


def write_config(path: Path, site: NewsSite, smtp: SmtpSink, nodes: Sequence[str]) -> Path:
    cfg: dict[str, Any] = {
        "sources": [{"id": f"scale-{o}", "kind": "feed", "url": u, "interval": "1h", "allow_private": True}
                    for o, u in site.feed_urls().items()],
        "channels": [{"name": "email", "url": local_mail_url(smtp.host, smtp.port), "tags": ["immediate"]}],
        "alerts": {"dispatch_interval": "1s", "backoff_base_s": 0.5, "hourly_cap": 100_000,
                   "dashboard_url": DASHBOARD},
        "scrapyd": {"nodes": list(nodes)},
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@dataclass(frozen=True)
class Snapshot:
    """What the database and the mail sink hold after a run."""

    stored_urls: tuple[str, ...]
    new_alerts: dict[int, int]
    """Development id → its 'new' alert rows (one channel here, so 1 is right)."""
    unsent: int
    mailed: tuple[int, ...]
    """The development id of every mail received, from the dashboard link in it."""
    sent_alerts: tuple[int, ...]
    """The development id of every sent alert row."""


@dataclass
class Round:
    seconds: float
    pages: int
    jobs: list[Job]
    unfinished: list[Job]
    cpu_seconds: float
    """CPU time the nodes and their crawl processes spent, whatever else the machine was doing."""

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def mailed_development(message: EmailMessage) -> int | None:
    body = message.get_body(("plain", "html"))
    content = body.get_content() if body is not None else ""
    m = re.search(re.escape(DASHBOARD) + r"/developments/(\d+)", content)
    return int(m.group(1)) if m else None


class ScaleRun:
    """A site, a mail sink, Scrapyd nodes and one fresh PostgreSQL schema on loopback, torn down on exit."""

    def __init__(self, base_url: str, articles: int, sources: int, nodes: int, *, max_proc: int = 0,
                 dead_node: bool = False, workdir: Path | None = None) -> None:
        self.base_url = base_url
        self.articles = site_articles(articles, sources)
        self.node_count = nodes
        self.max_proc = max_proc
        self.dead_node = dead_node
        self.workdir = workdir
        self._stack = ExitStack()

    def __enter__(self) -> ScaleRun:
        stack = self._stack.__enter__()
        try:
            tmp = self.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dw-scale-")))
            tmp.mkdir(parents=True, exist_ok=True)
            self.db_url = stack.enter_context(postgres_schema(self.base_url))
            self.site = NewsSite(self.articles)
            self.site.serve()
            stack.callback(self.site.stop)
            self.smtp = stack.enter_context(SmtpSink())
            config = tmp / "deportwatch.yaml"
            env = {**os.environ, "DEPORTWATCH_DATABASE_URL": self.db_url, "DEPORTWATCH_CONFIG": str(config)}
            # Nodes read the config when a crawl starts, so it can name them once they run.
            self.local = [stack.enter_context(scrapyd_node(tmp / f"node{i}", env, self.max_proc))
                          for i in range(self.node_count)]
            self.nodes = [n.url for n in self.local]
            # A node that never answers: dispatching must pass it by.
            listed = [*self.nodes[:1], f"http://127.0.0.1:{free_port()}", *self.nodes[1:]] if self.dead_node \
                else self.nodes
            write_config(config, self.site, self.smtp, listed)
            self.rt = open_runtime(Settings(database_url=SecretStr(self.db_url), config=config))
            stack.callback(self.rt.close)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def crawl(self, timeout: float = 600, dispatch_twice: bool = False) -> Round:
        """Dispatch every source and wait for the nodes to finish.

        With dispatch_twice, every source is dispatched again at once, by this process and by a fresh
        dispatcher (as after a restart or a change of leader); both should find the first jobs still
        going. `self.repeated` lists the job ids that were not the first ones.
        """
        self.site.reset_requests()
        cpu = sum(n.cpu_seconds() for n in self.local)
        seconds, jobs, unfinished, repeated = asyncio.run(self._crawl(timeout, dispatch_twice))
        pages = sum(st.requests for path, st in self.site.requests.items() if path.endswith(".html"))
        self.repeated = repeated
        return Round(seconds, pages, jobs, unfinished, sum(n.cpu_seconds() for n in self.local) - cpu)

    async def _crawl(self, timeout: float, twice: bool) -> tuple[float, list[Job], list[Job], list[str]]:
        cfg = self.rt.config.scrapyd
        assert cfg is not None
        cluster = cluster_for(cfg)
        started = time.monotonic()
        first = [await dispatch_crawl(source, self.rt) for source in self.rt.config.sources]
        repeated: list[str | None] = []
        if twice:
            repeated += [await dispatch_crawl(source, self.rt) for source in self.rt.config.sources]
            fresh = ScrapydCluster.from_config(cfg)
            for source in self.rt.config.sources:
                job = await fresh.busy_job(source.id)
                repeated.append(job.job_id if job else None)
        jobs = [j for j in cluster.active.values() if j.job_id in first]
        unfinished = await cluster.wait(jobs, timeout)
        return time.monotonic() - started, jobs, unfinished, [str(r) for r in repeated if r not in first]

    def send_alerts(self, rounds: int = 50) -> None:
        """What the leader's dispatcher job does, until the outbox has nothing due."""
        async def drain() -> None:
            for _ in range(rounds):
                result = await dispatch_due(self.rt.factory, channels_of(self.rt), self.rt.config.alerts, limit=500)
                if result.sent == 0 and result.failed == 0:
                    return
                if result.failed:
                    await asyncio.sleep(0.5)

        asyncio.run(drain())

    def snapshot(self) -> Snapshot:
        with transaction(self.rt.factory) as s:
            urls = tuple(s.scalars(select(Article.url)))
            new = s.execute(select(Alert.development_id, func.count()).where(Alert.kind == "new")
                            .group_by(Alert.development_id)).all()
            unsent = s.scalar(select(func.count()).select_from(Alert).where(Alert.status != "sent")) or 0
            sent = tuple(s.scalars(select(Alert.development_id).where(Alert.status == "sent")))
        return Snapshot(urls, {d: n for d, n in new if d is not None}, unsent,
                        tuple(d for d in map(mailed_development, self.smtp.messages) if d is not None),
                        tuple(d for d in sent if d is not None))

    def site_urls(self) -> list[str]:
        return [self.site.article_url(a) for a in self.articles]


def measure(base_url: str, articles: int, sources: int, nodes: int, *, max_proc: int = 0,
            workdir: Path | None = None) -> dict[str, Any]:
    """One full run; its figures, and whether each article was stored once and each development alerted once."""
    with ScaleRun(base_url, articles, sources, nodes, max_proc=max_proc, workdir=workdir) as run:
        crawl = run.crawl()
        run.send_alerts()
        snap = run.snapshot()
        return {
            "nodes": nodes, "articles": articles, "sources": sources, "seconds": round(crawl.seconds, 2),
            "pages": crawl.pages, "pages_per_s": round(crawl.pages_per_s, 2),
            "node_cpu_s": round(crawl.cpu_seconds, 1),
            "pages_per_cpu_s": round(crawl.pages / crawl.cpu_seconds, 2) if crawl.cpu_seconds else 0.0,
            "jobs_per_node": sorted(Counter(j.node for j in crawl.jobs).values()),
            "load_average": round(os.getloadavg()[0], 1), "unfinished_jobs": len(crawl.unfinished),
            "stored": len(snap.stored_urls), "stored_once": sorted(snap.stored_urls) == sorted(run.site_urls()),
            "developments_alerted": len(snap.new_alerts),
            "alerted_once": set(snap.new_alerts.values()) <= {1} and sorted(snap.mailed) == sorted(snap.sent_alerts),
            "mails": len(snap.mailed), "unsent_alerts": snap.unsent,
        }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--nodes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--max-proc", type=int, default=0, help="crawl processes per node (0: 4 per CPU)")
    parser.add_argument("--workdir", type=Path, help="keep node logs and the config here")
    args = parser.parse_args(argv)
    base = os.environ.get("DEPORTWATCH_TEST_POSTGRES_URL")
    if not base:
        print("set DEPORTWATCH_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
        return 2
    results = []
    for n in args.nodes:
        r = measure(base, args.articles, args.sources, n, max_proc=args.max_proc,
                    workdir=args.workdir / f"{n}-nodes" if args.workdir else None)
        print(json.dumps(r), flush=True)
        results.append(r)
    if len(results) > 1 and results[0]["pages_per_s"]:
        print("pages/s: " + ", ".join(f"{r['nodes']} node(s) {r['pages_per_s']}" for r in results)
              + f"; ratio {results[-1]['pages_per_s'] / results[0]['pages_per_s']:.2f}")
    if not all(r["stored_once"] and r["alerted_once"] and not r["unfinished_jobs"] for r in results):
        print("FAILED: an article was not stored exactly once or a development not alerted exactly once")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
