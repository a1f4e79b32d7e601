"""Acceptance on loopback: real SMTP and webhook receivers, real Apprise, the real outbox, logs scanned for secrets."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import SecretStr
from sqlalchemy import select

from alerts.outbox import DispatchResult, dispatch_due
from alerts.policy import channels_from
from alerts.redact import install_redaction
from alerts.send import Channel
from db import store
from db.models import Alert
from db.session import transaction
from monitor.config import Settings
from monitor.jobs import check_health, queue_digest
from monitor.loopback import Reply, SmtpSink, WebhookSink
from monitor.runtime import Runtime, open_runtime
from tests.alerts.conftest import (
    EVIL_MARKERS,
    EVIL_TITLE,
    SLACK_URL,
    SMTP_PASSWORD,
    SMTP_USER,
    debug_logging,
    report,
    secret_forms,
)
from tests.alerts.relay import TcpRelay

pytestmark = pytest.mark.e2e
LOGGERS = ("", "apprise", "urllib3", "alerts", "monitor", "db", "requests")


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Every log line of the test at DEBUG; after the test, none may contain a configured secret."""
    with debug_logging(LOGGERS) as stream:
        yield stream
    output = stream.getvalue()
    assert output, "nothing was logged: the scan would prove nothing"
    assert sorted(f for f in secret_forms() if f in output) == []


def write_config(path: Path, smtp_port: int, **alerts: object) -> Path:
    cfg = {
        "sources": [{"id": "src-news", "kind": "feed", "url": "https://news.example.org/feed", "interval": "10m",
                     "tags": ["news"]}],
        "channels": [
            {"name": "email", "url": mail_url_for(smtp_port), "tags": ["immediate", "digest", "ops"]},
            {"name": "slack", "url": SLACK_URL, "tags": ["immediate", "digest", "ops"]},
        ],
        "digest": {"time": "08:00", "timezone": "Europe/Brussels"},
        "alerts": {"backoff_base_s": 0.2, "backoff_max_s": 2, "max_attempts": 100, "send_timeout_s": 5,
                   "hourly_cap": 100, **alerts},
    }
    path.write_text(yaml.safe_dump(cfg))
    return path


def mail_url_for(port: int) -> str:
    return (f"mailto://{SMTP_USER}:{quote(SMTP_PASSWORD, safe='')}@127.0.0.1:{port}"
            "?from=deportwatch@example.org&to=team@example.org&mode=insecure")


def open_rt(tmp_path: Path, smtp_port: int, **alerts: object) -> Runtime:
    cfg = write_config(tmp_path / "dw.yaml", smtp_port, **alerts)
    rt = open_runtime(Settings(database_url=SecretStr(f"sqlite:///{tmp_path / 'dw.db'}")), cfg)
    install_redaction(rt.secrets())  # what `deportwatch` does at start-up (monitor.logs.setup_logging)
    return rt


def dispatch_until(rt: Runtime, done: Callable[[], bool], *, timeout: float, interval: float = 0.1,
                   channels: dict[str, Channel] | None = None) -> DispatchResult:
    """Run the dispatcher in a loop, as the daemon does, until `done()` or the timeout."""
    chans = channels or channels_from(rt.config)

    async def loop() -> DispatchResult:
        total = DispatchResult()
        deadline = time.monotonic() + timeout
        while not done():
            if time.monotonic() > deadline:
                raise TimeoutError(f"not done after {timeout}s: {total}")
            total = total + await dispatch_due(rt.factory, chans, rt.config.alerts)
            await asyncio.sleep(interval)
        return total

    return asyncio.run(loop())


def parts(message: EmailMessage) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in message.walk() if p.get_content_maintype() == "text"}


def slack_text(post_json: object) -> str:
    assert isinstance(post_json, dict)
    [section] = [b for b in post_json["attachments"][0]["blocks"] if b["type"] == "section"]
    return str(section["text"]["text"])


def expect(smtp: SmtpSink, hook: WebhookSink, rt: Runtime, n: int) -> tuple[EmailMessage, str]:
    """Deliver what is due and return the n-th mail and Slack message (1-based)."""
    dispatch_until(rt, lambda: len(smtp.messages) >= n and len(hook.posts) >= n, timeout=20)
    mail, post = smtp.messages[n - 1], hook.posts[n - 1]
    assert set(parts(mail)) == {"text/plain", "text/html"}, "HTML and plain-text parts"
    return mail, slack_text(post.json)


def test_immediate_update_digest_and_ops_messages_arrive(
    tmp_path: Path, smtp_sink: SmtpSink, webhook_sink: WebhookSink, debug_log: io.StringIO
) -> None:
    rt = open_rt(tmp_path, smtp_sink.port)
    routes = rt.routes()
    report(rt.factory, routes, 1, country="Zedland", code="ZZ", count=50, official=True)
    mail, slack = expect(smtp_sink, webhook_sink, rt, 1)
    assert mail["Subject"] == "Zedland — agreement to receive up to 50 third-country deportees"
    text = parts(mail)["text/plain"]
    for fact in ("Receiving country: Zedland", "Stage: agreement signed", "Number: up to 50 (cap in the agreement)",
                 "Confirmed by an official source", "Zedland agrees (1)", "Why flagged (score 0.90)"):
        assert fact in text, fact
    assert slack.startswith("*Zedland — agreement to receive up to 50 third-country deportees*")

    report(rt.factory, routes, 2, country="Zedland", code="ZZ", count=75)
    mail, slack = expect(smtp_sink, webhook_sink, rt, 2)
    assert mail["Subject"] == "UPDATE: Zedland — agreement to receive up to 75 third-country deportees"
    for part in (parts(mail)["text/plain"], parts(mail)["text/html"], slack):
        assert "UPDATE to a known development" in part and "number of people: 50 → 75" in part

    brussels = datetime.now(ZoneInfo("Europe/Brussels")).replace(microsecond=0) + timedelta(minutes=1)
    rt.config = rt.config.model_copy(update={"digest": rt.config.digest.model_copy(update={"time": brussels.time()})})
    assert queue_digest(rt, brussels) == 2
    mail, slack = expect(smtp_sink, webhook_sink, rt, 3)
    assert mail["Subject"] == f"Daily digest {brussels.date().isoformat()}: 1 new development, 1 update"
    for part in ("New developments", "Updates", "Articles read (2)", "news: 2"):
        assert part in parts(mail)["text/plain"] and part in slack, part

    with transaction(rt.factory) as s:
        for _ in range(3):
            store.record_fetch(s, "src-news", ok=False, error="HTTP 503 from https://news.example.org/feed")
    assert check_health(rt) == 2
    mail, slack = expect(smtp_sink, webhook_sink, rt, 4)
    assert mail["Subject"] == "deportwatch ops: source failing — src-news"
    assert "Consecutive failures: 3" in parts(mail)["text/plain"] and "HTTP 503" in slack
    assert check_health(rt) == 0
    rt.close()


def test_hostile_titles_arrive_only_escaped_through_the_outbox(
    tmp_path: Path, smtp_sink: SmtpSink, webhook_sink: WebhookSink, debug_log: io.StringIO
) -> None:
    rt = open_rt(tmp_path, smtp_sink.port)
    report(rt.factory, rt.routes(), 1, country="Zedland", code="ZZ", title=EVIL_TITLE)
    mail, _ = expect(smtp_sink, webhook_sink, rt, 1)
    body = parts(mail)["text/html"]
    raw_post = webhook_sink.posts[0].body.decode()
    for marker in EVIL_MARKERS:
        assert marker not in body and marker not in raw_post, marker
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;!channel&gt;" in slack_text(webhook_sink.posts[0].json)
    rt.close()


@pytest.mark.faults
def test_smtp_down_for_a_minute_then_back_delivers_all_20_exactly_once(
    tmp_path: Path, smtp_sink: SmtpSink, debug_log: io.StringIO
) -> None:
    relay = TcpRelay(smtp_sink.port).start()
    port = relay.port
    relay.stop()  # the mail server is down: connections are refused
    rt = open_rt(tmp_path, port, backoff_base_s=1, backoff_max_s=5)
    email_only = {"email": channels_from(rt.config)["email"]}
    for n in range(1, 21):
        report(rt.factory, rt.routes()[:1], n)
    outage = 60.0
    started = time.monotonic()
    back_at: list[float] = []

    def done() -> bool:
        if not back_at and time.monotonic() - started >= outage:
            relay.start()
            back_at.append(time.monotonic())
        return len(smtp_sink.messages) >= 20

    try:
        result = dispatch_until(rt, done, timeout=outage + 60, interval=0.5, channels=email_only)
        time.sleep(1)  # anything sent twice would arrive now
    finally:
        relay.stop()
    recovered_in = time.monotonic() - 1 - back_at[0]
    subjects = [m["Subject"] for m in smtp_sink.messages]
    assert sorted(subjects) == sorted(f"Country {n} — agreement to receive up to 50 third-country deportees"
                                      for n in range(1, 21))
    with transaction(rt.factory) as s:
        rows = s.scalars(select(Alert).where(Alert.channel == "email")).all()
    assert [r.status for r in rows] == ["sent"] * 20
    failed_attempts = sum(r.attempts - 1 for r in rows)
    assert result.failed == failed_attempts > 0 and result.dead == 0
    print(f"\nSMTP outage {back_at[0] - started:.1f}s: 20/20 delivered exactly once, {failed_attempts} failed "
          f"attempts during the outage, all delivered {recovered_in:.1f}s after the server came back")
    rt.close()


@pytest.mark.faults
def test_webhook_500_three_times_then_200_is_delivered_once(
    tmp_path: Path, smtp_sink: SmtpSink, webhook_sink: WebhookSink, debug_log: io.StringIO
) -> None:
    rt = open_rt(tmp_path, smtp_sink.port)
    slack_only = {"slack": channels_from(rt.config)["slack"]}
    webhook_sink.set_script([500, 500, 500, 200])
    report(rt.factory, rt.routes()[1:], 1)
    dispatch_until(rt, lambda: any(p.status_sent == 200 for p in webhook_sink.posts), timeout=30, channels=slack_only)
    time.sleep(0.5)
    dispatch_until(rt, lambda: True, timeout=1, channels=slack_only)
    assert [p.status_sent for p in webhook_sink.posts] == [500, 500, 500, 200]
    with transaction(rt.factory) as s:
        [row] = s.scalars(select(Alert)).all()
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, None)
    rt.close()


def _gap_after_429(tmp_path: Path, smtp_port: int, hook: WebhookSink, reply: Reply) -> float:
    tmp_path.mkdir()
    rt = open_rt(tmp_path, smtp_port, backoff_base_s=0.05)
    slack_only = {"slack": channels_from(rt.config)["slack"]}
    hook.set_script([reply])
    report(rt.factory, rt.routes()[1:], 1)
    before = len(hook.posts)
    seen: list[float] = []

    def done() -> bool:
        # Poll often: each new post is stamped within one loop turn of its arrival.
        while before + len(seen) < len(hook.posts):
            seen.append(time.monotonic())
        return len(seen) >= 2

    dispatch_until(rt, done, timeout=15, interval=0.02, channels=slack_only)
    rt.close()
    return seen[-1] - seen[0]


@pytest.mark.faults
def test_retry_after_on_429_is_honoured(
    tmp_path: Path, smtp_sink: SmtpSink, webhook_sink: WebhookSink, debug_log: io.StringIO
) -> None:
    honoured = _gap_after_429(tmp_path / "a", smtp_sink.port, webhook_sink,
                              Reply(429, b"rate_limited", {"Retry-After": "2"}))
    assert honoured >= 2.0, honoured
    # Control: the same 429 without Retry-After is retried after the (tiny) backoff alone.
    plain = _gap_after_429(tmp_path / "b", smtp_sink.port, webhook_sink, Reply(429, b"rate_limited"))
    assert plain < 1.0, plain
    print(f"\n429 with Retry-After: 2 -> next attempt after {honoured:.2f}s; without it -> after {plain:.2f}s")
