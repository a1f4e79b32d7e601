"""Alert channels that refuse, hang or answer too late: once they recover, every message arrives once.

Covered elsewhere and not repeated here: SMTP unreachable for a minute, webhook 500 x3 then 200 and 429 with
Retry-After (tests/alerts/test_acceptance.py); SIGKILL mid-send (tests/alerts/test_crash.py and
tests/faults/test_process.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import DispatchResult, dispatch_due
from alerts.send import Channel
from db.models import Alert
from db.session import transaction
from monitor.config import AlertsConfig
from monitor.demo import SLACK_DEMO_URL, local_mail_url
from monitor.developments import ChannelRoute, ingest
from monitor.loopback import Reply, SmtpMode, SmtpSink, WebhookSink, slack_endpoint
from monitor.types import Article, Classification, CountKind, Stage
from tests.faults.harness import slack_title
from tests.faults.servers import FaultServer, Hang

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]
COUNTRIES = (("Palau", "PW"), ("Belize", "BZ"), ("Paraguay", "PY"))
SEND_TIMEOUT_S = 1.0
CFG = AlertsConfig.model_validate({"dispatch_interval": "1s", "backoff_base_s": 0.05, "backoff_max_s": 0.2,
                                   "send_timeout_s": SEND_TIMEOUT_S, "max_attempts": 100})


@pytest.fixture
def factory(sqlite_factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite only (the shared `factory` would run every test here on PostgreSQL as well)."""
    return sqlite_factory


def queue_developments(factory: sessionmaker[Session], channel: str) -> None:
    """One new development per country, through the real tracker (which writes the outbox rows)."""
    for country, code in COUNTRIES:
        url = f"https://news.example.org/{code}"
        article = Article(url=url, canonical_url=url, source_id="src", title=f"{country} agrees", language="en",
                          text=f"{country} agreed to receive up to 50 third-country deportees.", outlet="Outlet",
                          content_hash=hashlib.sha256(url.encode()).hexdigest())
        cls = Classification(relevant=True, score=0.9, receiving_country=country, country_code=code,
                             stage=Stage.AGREEMENT, deportee_count=50, count_kind=CountKind.CAP, language="en")
        with transaction(factory) as s:
            ingest(s, article, cls, [ChannelRoute(channel, frozenset({"immediate"}))])


def dispatch_for(factory: sessionmaker[Session], channels: dict[str, Channel], seconds: float) -> DispatchResult:
    total = DispatchResult()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        total = total + asyncio.run(dispatch_due(factory, channels, CFG))
        time.sleep(0.05)
    return total


def dispatch_until_sent(factory: sessionmaker[Session], channels: dict[str, Channel], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        asyncio.run(dispatch_due(factory, channels, CFG))
        with transaction(factory) as s:
            if all(st == "sent" for st in s.scalars(select(Alert.status))):
                return
        time.sleep(0.05)
    raise TimeoutError("not every alert was sent")


def attempts(factory: sessionmaker[Session]) -> list[int]:
    with transaction(factory) as s:
        return list(s.scalars(select(Alert.attempts).order_by(Alert.id)))


@pytest.mark.parametrize("mode", ["refuse", "hang"])
def test_mail_server_refusing_or_hanging_then_back_delivers_each_alert_once(
    mode: SmtpMode, factory: sessionmaker[Session], figure: Figure
) -> None:
    with SmtpSink(mode=mode) as smtp:
        channels = {"email": Channel("email", local_mail_url(smtp.host, smtp.port), frozenset({"immediate"}))}
        queue_developments(factory, "email")
        down = dispatch_for(factory, channels, 3.0)
        assert down.sent == 0 and down.failed >= 1 and smtp.messages == []
        smtp.set_mode("accept")
        dispatch_until_sent(factory, channels)
        time.sleep(0.5)  # a late or repeated delivery would land now
        subjects = Counter(str(m["subject"]).split(" — ")[0] for m in smtp.messages)
    figure(f"SMTP {mode}: failed attempts while down, deliveries per alert",
           (down.failed, sorted(subjects.values())))
    assert subjects == Counter(c for c, _ in COUNTRIES)
    assert sum(attempts(factory)) > len(COUNTRIES)  # the failed attempts were recorded on the rows


def test_webhook_that_never_answers_then_recovers_delivers_each_alert_once(
    factory: sessionmaker[Session], figure: Figure
) -> None:
    channels = {"slack": Channel("slack", SLACK_DEMO_URL, frozenset({"immediate"}))}
    queue_developments(factory, "slack")
    with FaultServer(default=Hang()) as stuck, WebhookSink() as hook:
        with slack_endpoint(stuck.url("/services")):
            down = dispatch_for(factory, channels, 3.0)
        with slack_endpoint(hook.url):
            dispatch_until_sent(factory, channels)
        time.sleep(0.5)
        titles = Counter(slack_title(p.json).split(" — ")[0] for p in hook.posts)
        figure("webhook hanging: attempts while down (timed out), deliveries per alert",
               (len(stuck.hits), sorted(titles.values())))
    assert down.sent == 0 and down.failed >= 1 and len(stuck.hits) >= 1
    assert titles == Counter(c for c, _ in COUNTRIES)


def test_webhook_answering_after_the_timeout_repeats_only_those_messages(
    factory: sessionmaker[Session], figure: Figure
) -> None:
    """The receiver got the message but answered too late: the sender cannot tell it from a loss.

    Retrying is the only way not to lose it; the price is one repeat per late answer (at least once).
    """
    channels = {"slack": Channel("slack", SLACK_DEMO_URL, frozenset({"immediate"}))}
    queue_developments(factory, "slack")
    late = Reply(200, delay=SEND_TIMEOUT_S + 1.0)
    with WebhookSink([late, late]) as hook, slack_endpoint(hook.url):
        dispatch_until_sent(factory, channels)
        time.sleep(SEND_TIMEOUT_S + 1.5)
        titles = Counter(slack_title(p.json).split(" — ")[0] for p in hook.posts)
    repeats = sum(titles.values()) - len(COUNTRIES)
    figure("webhook answering late twice: repeats (bound: the late answers)", repeats)
    assert set(titles) == {c for c, _ in COUNTRIES}
    assert repeats <= 2
