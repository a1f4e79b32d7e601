"""Soak: the daemon crawls a loopback site publishing every few seconds while faults strike at random; then a report.

`python -m bench.soak [--minutes N]` (default: $DEPORTWATCH_SOAK_MINUTES, else 30). Faults: feeds that
hang, reset or drip, failing article pages, a mail server that refuses or hangs, a webhook answering 500
or 429, the SQLite write lock held by another process, and SIGKILL of the daemon (restarted at once).
Exit 1 when an article or an alert is lost, or repeats exceed the bound (one per channel per kill).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import Alert, Article, Development
from monitor.demo import SLACK_DEMO_URL, local_mail_url
from monitor.loopback import Reply, SmtpSink, WebhookSink
from monitor.newssite import generate_articles
from tests.faults.servers import Drip, Hang, Reset, Static, wait_until
from tests.faults.site import FaultySite

FAULTS = ("feed-hang", "feed-reset", "feed-drip", "article-500", "smtp-refuse", "smtp-hang", "webhook-500",
          "webhook-429", "db-lock", "sigkill")
ERROR_KINDS = (
    ("source fetch failed: timed out", r"monitor\.pipeline: source fetch failed: .*took longer than"),
    ("source fetch failed: connection lost", r"monitor\.pipeline: source fetch failed: .*Connection"),
    ("source fetch failed: other", r"monitor\.pipeline: source fetch failed"),
    ("article page failed", r"spiders\.\w+: source \S+: failed "),
    ("alert failed: rate limited (429)", r"alerts\.outbox: alert .* failed .*429"),
    ("alert failed: server error (5xx)", r"alerts\.outbox: alert .* failed .*(HTTP 5\d\d|error=5\d\d)"),
    ("alert failed: timed out", r"alerts\.outbox: alert .* failed .*timed out"),
    ("alert failed: refused", r"alerts\.outbox: alert .* failed .*(554|refused)"),
    ("alert failed: other", r"alerts\.outbox: alert .* failed"),
    ("storage retried (database locked)", r"storage retry"),
    ("page not stored", r"failed to store page"),
    ("stale claims released after a kill", r"left in flight by a stopped dispatcher"),
    ("crawl overran its interval", r'Execution of job "crawl .*maximum number of running instances'),
    ("dispatch overran its interval", r'Execution of job "dispatch .*maximum number of running instances'),
    # Scrapy's and Apprise's own lines repeat ours; only our loggers count.
    ("other warning or error", r" (WARNING|ERROR) +(monitor|spiders|alerts|db)\."),
)

# Lines that repeat an event counted above under another logger.
REPEATS = r"spiders\.\w+: source \S+: feed .* failed: |alerts\.send: alert delivery failed"


@dataclass
class Soak:
    work: Path
    minutes: float
    publish_every: float
    rng: random.Random
    site: FaultySite
    smtp: SmtpSink
    hook: WebhookSink
    pool: list[Any]
    published: int = 0
    kinds: tuple[str, ...] = FAULTS
    faults: Counter[str] = field(default_factory=Counter)
    memory: list[dict[str, Any]] = field(default_factory=list)
    daemon: Any = None

    @property
    def db(self) -> str:
        return f"sqlite:///{self.work / 'soak.db'}"

    def start_daemon(self) -> None:
        from tests.faults.harness import Daemon

        self.daemon = Daemon(self.work / "soak.yaml", self.db, self.hook.url, self.work)
        self.memory.append({"pid": self.daemon.proc.pid, "started": time.monotonic(), "samples": []})

    def publish_next(self) -> None:
        if self.published < len(self.pool):
            self.site.publish(self.pool[self.published])
            self.published += 1

    def sample_memory(self) -> None:
        try:
            status = Path(f"/proc/{self.daemon.proc.pid}/status").read_text()
        except OSError:
            return
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            self.memory[-1]["samples"].append(round(int(match.group(1)) / 1024, 1))

    def inject(self, kind: str, seconds: float) -> None:
        """Apply one fault for `seconds` (the SIGKILL is instant: the daemon restarts at once)."""
        self.faults[kind] += 1
        outlet_feed = self.rng.choice(list(self.site.feed_urls().values())).removeprefix(self.site.base_url)
        if kind == "sigkill":
            self.daemon.kill()
            self.start_daemon()
            return
        if kind == "db-lock":
            conn = sqlite3.connect(self.work / "soak.db", timeout=30, isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")
            time.sleep(min(seconds, 8.0))
            conn.execute("ROLLBACK")
            conn.close()
            return
        undo = self.apply(kind, outlet_feed)
        time.sleep(seconds)
        undo()

    def apply(self, kind: str, feed: str) -> Any:
        if kind.startswith("feed-"):
            fault = {"feed-hang": Hang(), "feed-reset": Reset(), "feed-drip": Drip(b"<rss>" * 40, every=0.5)}[kind]
            self.site.set_fault(feed, fault)
            return lambda: self.site.set_fault(feed, None)
        if kind == "article-500":
            path = self.pool[max(0, self.published - 1)].path
            self.site.set_fault(path, Static(b"oops", status=500))
            return lambda: self.site.set_fault(path, None)
        if kind.startswith("smtp-"):
            self.smtp.set_mode("refuse" if kind == "smtp-refuse" else "hang")
            return lambda: self.smtp.set_mode("accept")
        reply = Reply(500) if kind == "webhook-500" else Reply(429, headers={"Retry-After": "2"})
        self.hook.default_reply = reply
        return lambda: setattr(self.hook, "default_reply", Reply())


def write_config(soak: Soak) -> None:
    cfg = {
        "sources": [{"id": f"soak-{o}", "kind": "feed", "url": u, "interval": "5s", "allow_private": True}
                    for o, u in soak.site.feed_urls().items()],
        "channels": [{"name": "email", "url": local_mail_url(soak.smtp.host, soak.smtp.port)},
                     {"name": "slack", "url": SLACK_DEMO_URL}],
        "alerts": {"dispatch_interval": "1s", "backoff_base_s": 1, "backoff_max_s": 10, "send_timeout_s": 3,
                   "max_attempts": 100, "hourly_cap": 100000},
        "crawl": {"download_timeout_s": 5},
    }
    (soak.work / "soak.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False))


def run(soak: Soak) -> None:
    """Publish, sample memory and strike with faults until the time is up."""
    end = time.monotonic() + soak.minutes * 60
    next_publish = next_fault = time.monotonic() + 20
    fault_thread: threading.Thread | None = None
    while time.monotonic() < end:
        now = time.monotonic()
        if now >= next_publish:
            soak.publish_next()
            next_publish = now + soak.publish_every
        if now >= next_fault and (fault_thread is None or not fault_thread.is_alive()):
            kind = soak.rng.choice(soak.kinds)
            seconds = soak.rng.uniform(4, 15)
            print(f"[{datetime.now(UTC):%H:%M:%S}] fault {kind} for {seconds:.0f}s", file=sys.stderr, flush=True)
            if kind == "sigkill":
                soak.inject(kind, 0)  # in the main thread: it replaces the daemon
            else:
                fault_thread = threading.Thread(target=soak.inject, args=(kind, seconds), daemon=True)
                fault_thread.start()
            next_fault = now + soak.rng.uniform(10, 25)
        soak.sample_memory()
        time.sleep(0.5)
    if fault_thread is not None:
        fault_thread.join()


def settle(soak: Soak, timeout: float = 180) -> bool:
    """Faults over: wait until every published article is stored and every alert row is sent."""
    def done() -> bool:
        stored, rows = stored_urls(soak), alert_rows(soak)
        published = {soak.site.article_url(a) for a in soak.site.articles}
        return published <= stored and all(st == "sent" for _, st in rows)

    try:
        wait_until(done, timeout, every=1.0, what="everything stored and sent")
        time.sleep(3)  # a late repeat would land now
        return True
    except TimeoutError:
        return False


def stored_urls(soak: Soak) -> set[str]:
    engine = create_engine(soak.db)
    try:
        with Session(engine) as s:
            return set(s.scalars(select(Article.url)))
    finally:
        engine.dispose()


def alert_rows(soak: Soak) -> list[tuple[str, str]]:
    engine = create_engine(soak.db)
    try:
        with Session(engine) as s:
            return [(c, st) for c, st in s.execute(select(Alert.channel, Alert.status))]
    finally:
        engine.dispose()


def report(soak: Soak, settled: bool) -> dict[str, Any]:
    published = {soak.site.article_url(a) for a in soak.site.articles}
    stored = stored_urls(soak) & published
    rows = alert_rows(soak)
    engine = create_engine(soak.db)
    with Session(engine) as s:
        developments = len(s.scalars(select(Development.id)).all())
    engine.dispose()
    sent = Counter(c for c, st in rows if st == "sent")
    # A webhook post answered 500 or 429 was refused by the service: only a 200 is a delivery.
    received = Counter({"email": len(soak.smtp.messages),
                        "slack": sum(p.status_sent == 200 for p in soak.hook.posts)})
    kills = soak.faults["sigkill"]
    logs = "".join(p.read_text(errors="replace") for p in sorted(soak.work.glob("daemon-*.log")))
    errors: Counter[str] = Counter()
    for line in logs.splitlines():
        if re.search(REPEATS, line):
            continue
        for kind, pattern in ERROR_KINDS:
            if re.search(pattern, line):
                errors[kind] += 1
                break
    # "start" is 30 s into each process's life: imported, classifier loaded, first crawl done.
    memory = [{"pid": m["pid"], "lived_s": len(ms) // 2, "start_mb": ms[min(60, len(ms) - 1)], "end_mb": ms[-1],
               "max_mb": max(ms), "per_minute_mb": ms[::120]} for m in soak.memory if (ms := m["samples"])]
    duplicates = {c: max(0, received[c] - sent[c]) for c in ("email", "slack")}
    lost_alerts = {c: max(0, sent[c] - received[c]) + sum(1 for ch, st in rows if ch == c and st != "sent")
                   for c in ("email", "slack")}
    return {
        "minutes": soak.minutes, "settled": settled, "workdir": str(soak.work),
        "articles": {"published": len(published), "stored": len(stored), "lost": sorted(published - stored)},
        "developments": developments,
        "alerts": {"rows": dict(Counter(c for c, _ in rows)), "sent": dict(sent), "received": dict(received),
                   "duplicates": duplicates, "duplicate_bound": kills, "lost": lost_alerts},
        "memory": memory, "faults": dict(soak.faults), "errors": dict(errors),
        "tracebacks": logs.count("Traceback (most recent call last)"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("DEPORTWATCH_SOAK_MINUTES", "30")))
    parser.add_argument("--publish-every", type=float, default=4.0, help="seconds between new articles")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--faults", default=",".join(FAULTS),
                        help="fault kinds to draw from, comma-separated (without sigkill one process's memory shows)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in args.faults.split(",") if k)
    if not kinds or set(kinds) - set(FAULTS):
        parser.error(f"--faults: choose from {', '.join(FAULTS)}")
    rng = random.Random(args.seed)
    pool = generate_articles(int(args.minutes * 60 / args.publish_every) + 40, relevant_fraction=0.3, seed=args.seed)
    work = Path(tempfile.mkdtemp(prefix="deportwatch-soak-"))
    with FaultySite(pool[:20]) as site, SmtpSink() as smtp, WebhookSink() as hook:
        soak = Soak(work, args.minutes, args.publish_every, rng, site, smtp, hook, pool, published=20, kinds=kinds)
        write_config(soak)
        soak.start_daemon()
        try:
            run(soak)
            settled = settle(soak)
        finally:
            soak.daemon.stop()
        result = report(soak, settled)
    text = json.dumps(result, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text)
    ok = settled and not result["articles"]["lost"] and not any(result["alerts"]["lost"].values()) and all(
        n <= result["alerts"]["duplicate_bound"] for n in result["alerts"]["duplicates"].values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
