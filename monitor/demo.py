"""`deportwatch demo`: the whole product offline — a generated news site, local mail and webhook receivers."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr
from sqlalchemy import select

from alerts.notice import notice_for
from alerts.render import render_development
from db.models import Alert
from db.session import transaction
from monitor.config import Settings
from monitor.crawl import run_with_reactor
from monitor.loopback import SmtpSink, WebhookSink, slack_endpoint
from monitor.newssite import NewsSite, demo_articles
from monitor.oneshot import Tally, crawl_and_dispatch
from monitor.runtime import Runtime, open_runtime

SLACK_DEMO_URL = "slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"


def local_mail_url(host: str, port: int) -> str:
    """An Apprise URL for a plain SMTP server on loopback (no TLS, no login)."""
    return f"mailto://{host}:{port}?from=deportwatch@localhost&to=policy-team@localhost&mode=insecure"


def demo_config(site: NewsSite, smtp: SmtpSink, official: set[str]) -> dict[str, Any]:
    sources = [
        {"id": f"demo-{outlet}", "kind": "feed", "url": url, "interval": "1m", "allow_private": True,
         "official": outlet in official, "tags": ["official" if outlet in official else "news"]}
        for outlet, url in site.feed_urls().items()
    ]
    mail = local_mail_url(smtp.host, smtp.port)
    return {
        "sources": sources,
        "channels": [
            {"name": "email", "url": mail, "tags": ["immediate", "digest", "ops"]},
            {"name": "webhook", "url": SLACK_DEMO_URL, "tags": ["immediate", "digest", "ops"]},
        ],
        "alerts": {"dispatch_interval": "2s", "backoff_base_s": 1},
    }


def _delivered(rt: Runtime, since: datetime, smtp: SmtpSink, hook: WebhookSink,
               mail_seen: int, posts_seen: int) -> list[dict[str, Any]]:
    """The developments alerted since `since`, with the channels whose receiver actually got them."""
    mails = [m["subject"] or "" for m in smtp.messages[mail_seen:]]
    posts = [json.dumps(p.json if p.json is not None else p.body.decode("utf-8", "replace"), ensure_ascii=False)
             for p in hook.posts[posts_seen:]]
    out: dict[int, dict[str, Any]] = {}
    with transaction(rt.factory) as s:
        rows = s.scalars(select(Alert).where(Alert.sent_at >= since, Alert.development_id.is_not(None))).all()
        for row in rows:
            dev_id = row.development_id
            assert dev_id is not None
            if dev_id in out:
                continue
            notice = notice_for(s, dev_id, row.kind)
            msg = render_development(notice)
            slack_title = msg.title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            delivered = []
            if any(subject.strip() == msg.title.strip() for subject in mails):
                delivered.append("email")
            if any(slack_title in p or json.dumps(slack_title, ensure_ascii=False)[1:-1] in p for p in posts):
                delivered.append("webhook")
            out[dev_id] = {
                "development": dev_id,
                "kind": row.kind,
                "subject": msg.title,
                "receiving_country": notice.receiving_country,
                "stage": notice.stage.value,
                "deportee_count": notice.deportee_count,
                "official": notice.official,
                "sources": [{"outlet": src.outlet, "title": src.title, "url": src.url} for src in notice.sources],
                "delivered_to": delivered,
            }
    return sorted(out.values(), key=lambda a: a["development"])


def run_demo(progress: Callable[[str], None] = lambda m: None) -> dict[str, Any]:
    started = time.monotonic()
    first, second = demo_articles()
    site = NewsSite(first)
    official = {a.outlet for a in (*first, *second) if a.official}
    site.serve()
    smtp = SmtpSink().start()
    hook = WebhookSink().start()
    workdir = Path(tempfile.mkdtemp(prefix="deportwatch-demo-"))
    cfg_file = workdir / "deportwatch.yaml"
    cfg_file.write_text(yaml.safe_dump(demo_config(site, smtp, official), sort_keys=False))
    settings = Settings(database_url=SecretStr(f"sqlite:///{workdir / 'demo.db'}"), test_mode=True, seed_ledger=False,
                        data_dir=workdir)
    progress(f"news site on {site.base_url}, SMTP on 127.0.0.1:{smtp.port}, webhook on {hook.url}")
    rt = open_runtime(settings, cfg_file)
    runs: list[dict[str, Any]] = []

    async def main() -> None:
        for n in (1, 2, 3):
            if n == 2:
                for article in second:
                    site.publish(article)
                progress(f"published {len(second)} new articles")
            since = datetime.now(UTC)
            mail_seen, posts_seen = len(smtp.messages), len(hook.posts)
            report = await crawl_and_dispatch(rt, rt.config.sources, dispatch=True, tally=Tally(False))
            # Receivers run in their own threads; give the last delivery a moment to land.
            time.sleep(0.3)
            alerts = _delivered(rt, since, smtp, hook, mail_seen, posts_seen)
            runs.append({"run": n, "articles": report["articles"], "relevant": report["relevant"],
                         "new_developments": report["new_developments"], "alerts": alerts})
            progress(f"run {n}: {report['articles']} new articles, {len(alerts)} alert(s) delivered")

    try:
        with slack_endpoint(hook.url):
            run_with_reactor(main)
    finally:
        rt.close()
        smtp.stop()
        hook.stop()
        site.stop()
    ok = (
        len(runs) == 3
        and len(runs[0]["alerts"]) >= 1
        and len(runs[1]["alerts"]) == 1
        and sorted(runs[1]["alerts"][0]["delivered_to"]) == ["email", "webhook"]
        and not runs[2]["alerts"]
    )
    return {"ok": ok, "seconds": round(time.monotonic() - started, 1), "workdir": str(workdir), "runs": runs}


def print_report(report: dict[str, Any], echo: Callable[[str], None]) -> None:
    for run in report["runs"]:
        echo(f"\n== run {run['run']}: {run['articles']} new articles, {run['relevant']} relevant, "
             f"{len(run['alerts'])} alert(s) delivered")
        for a in run["alerts"]:
            echo(f"  [{', '.join(a['delivered_to']) or 'NOT DELIVERED'}] {a['subject']}")
            echo(f"      country: {a['receiving_country']}  stage: {a['stage']}  count: {a['deportee_count']}"
                 f"  {'official' if a['official'] else 'media only'}")
            for src in a["sources"]:
                echo(f"      - {src['outlet']}: {src['title']}  {src['url']}")
    echo(f"\n{'OK' if report['ok'] else 'UNEXPECTED RESULT'} in {report['seconds']}s (data in {report['workdir']})")
