"""Runs the real daemon and CLI in subprocesses and reads back what they stored and delivered."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import Alert, Article, Development, DevelopmentArticle
from monitor.loopback import SmtpSink, WebhookSink
from tests.faults.servers import wait_until
from tests.faults.site import FaultySite
from tests.support.cli import slack_cli
from tests.support.config import demo_channels, feed_sources

ROOT = Path(__file__).resolve().parents[2]
_WEB_PORT = re.compile(r"health and metrics on http://[\d.]+:(\d+)")


def base_env(db_url: str, **extra: str) -> dict[str, str]:
    """The environment of a daemon or CLI under test: its database, no seeded history, a free web port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEPORTWATCH_")}
    pg = os.environ.get("DEPORTWATCH_TEST_POSTGRES_URL")
    if pg:
        env["DEPORTWATCH_TEST_POSTGRES_URL"] = pg
    env.update({"DEPORTWATCH_DATABASE_URL": db_url, "DEPORTWATCH_SEED_LEDGER": "0", "DEPORTWATCH_WEB_PORT": "0",
                "DEPORTWATCH_ALERTS_LEASE": "1s", "PYTHONUNBUFFERED": "1", **extra})
    return env


def site_config(path: Path, site: FaultySite, smtp: SmtpSink, *, interval: str = "2s", extra_sources: tuple[
        dict[str, Any], ...] = (), **sections: Any) -> Path:
    """A config watching every feed of `site` (private addresses allowed per source) with mail and Slack."""
    cfg: dict[str, Any] = {
        "sources": [*feed_sources(site, interval), *extra_sources],
        "channels": demo_channels(smtp),
        "alerts": {"dispatch_interval": "1s", "backoff_base_s": 0.5, "send_timeout_s": 2},
        "crawl": {"download_timeout_s": 3},
    }
    for key, value in sections.items():
        cfg[key] = {**cfg.get(key, {}), **value} if isinstance(value, dict) else value
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


class Daemon:
    """`deportwatch run` in a subprocess (Slack pointed at the webhook sink), its output in a file."""

    def __init__(self, config: Path, db_url: str, hook_url: str, workdir: Path, **env: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        n = len(list(workdir.glob("daemon-*.log")))
        self.log_path = workdir / f"daemon-{n}.log"
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            slack_cli(hook_url, "run", "--config", str(config)),
            stdout=self._log, stderr=subprocess.STDOUT, env=base_env(db_url, **env), cwd=workdir, text=True)

    @property
    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def web_port(self, timeout: float = 30) -> int:
        found = wait_until(lambda: _WEB_PORT.search(self.output) or self.proc.poll() is not None, timeout,
                           what="daemon start")
        if not isinstance(found, re.Match):
            raise RuntimeError(f"daemon exited with {self.proc.returncode}:\n{self.output[-3000:]}")
        return int(found.group(1))

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self._log.close()

    def stop(self, timeout: float = 15) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait(timeout=5)
        self._log.close()
        return code

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc.poll() is None:
            self.kill()


def cli(hook_url: str, *args: str, db_url: str, timeout: float = 120,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """One `deportwatch` command (Slack pointed at `hook_url`) with its output captured."""
    return subprocess.run(slack_cli(hook_url, *args), capture_output=True, text=True,
                          env=base_env(db_url, **(env or {})), timeout=timeout)


def cli_batch(cases: list[dict[str, Any]], env: dict[str, str]) -> list[dict[str, Any]]:
    """Many commands ({"args": [...], "env": {...}}) in one interpreter (tests/faults/run_cli.py)."""
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("run_cli.py")), json.dumps(cases)],
                          capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines()]


@dataclass(frozen=True)
class Snapshot:
    """What the database holds, keyed so that two runs can be compared (ids differ between runs)."""

    articles: frozenset[str]
    developments: frozenset[tuple[str | None, str]]
    links: frozenset[tuple[str, str | None, str]]
    alerts: Counter[tuple[str | None, str, str, str]]

    def missing_from(self, other: Snapshot) -> dict[str, list[Any]]:
        """What `other` holds that this snapshot lacks (an empty dict when nothing is lost)."""
        lost: dict[str, list[Any]] = {}
        for name in ("articles", "developments", "links"):
            gone = sorted(getattr(other, name) - getattr(self, name), key=str)
            if gone:
                lost[name] = gone
        gone_alerts = sorted((other.alerts - self.alerts).elements(), key=str)
        if gone_alerts:
            lost["alerts"] = gone_alerts
        return lost


def snapshot(db_url: str, base_url: str = "") -> Snapshot:
    """The database's contents; article URLs lose `base_url` so runs against different ports compare."""
    # A plain engine: its reads take no write lock (the daemon's engine begins every transaction IMMEDIATE).
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            # Each set comes from one statement, so a daemon writing meanwhile cannot make them disagree.
            articles = frozenset(u.removeprefix(base_url) for u in s.scalars(select(Article.canonical_url)))
            devs = frozenset(s.execute(select(Development.receiving_country, Development.stage)).tuples())
            links = frozenset((u.removeprefix(base_url), c, st) for u, c, st in s.execute(
                select(Article.canonical_url, Development.receiving_country, Development.stage)
                .join(DevelopmentArticle, DevelopmentArticle.article_id == Article.id)
                .join(Development, Development.id == DevelopmentArticle.development_id)))
            alerts: Counter[tuple[str | None, str, str, str]] = Counter(s.execute(
                select(Development.receiving_country, Alert.kind, Alert.channel, Alert.status)
                .outerjoin(Development, Development.id == Alert.development_id)).tuples())
    finally:
        engine.dispose()
    return Snapshot(articles, devs, links, alerts)


def slack_title(post_json: Any) -> str:
    """The subject line of an alert as Slack received it (the first line of its first text block)."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(post_json)
    first = texts[0] if texts else json.dumps(post_json, ensure_ascii=False)
    return first.strip().splitlines()[0].strip("*").strip()


def delivered(smtp: SmtpSink, webhook: WebhookSink) -> Counter[tuple[str, str]]:
    """(channel, subject) of every message the receivers got; a count above 1 is a duplicate."""
    got: Counter[tuple[str, str]] = Counter(("email", " ".join(str(m["subject"]).split())) for m in smtp.messages)
    got.update(("slack", _unescape(slack_title(p.json))) for p in webhook.posts)
    return got


def _unescape(text: str) -> str:
    return " ".join(text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split())


def own_tracebacks(log: str) -> list[str]:
    """Tracebacks in a log that pass through deportwatch's own code (library-only ones are reported noise)."""
    blocks = re.split(r"(?m)^(?=Traceback \(most recent call last\):)", log)[1:]
    ours = [f"{ROOT}/{package}/" for package in ("monitor", "spiders", "alerts", "db")]
    return [b[:3000] for b in blocks if any(o in b for o in ours)]


def duplicates(got: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    return Counter({k: n - 1 for k, n in got.items() if n > 1})
