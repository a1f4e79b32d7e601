"""The outbox dispatcher on SQLite and PostgreSQL: order, claims, leases, dead letter, the hourly cap."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.outbox import DispatchResult, claim, dispatch_due, retry
from alerts.policy import AlertPolicy
from alerts.send import Channel
from db.models import Alert, utcnow
from db.session import transaction
from monitor.config import AlertsConfig
from monitor.developments import ChannelRoute
from monitor.loopback import WebhookSink
from tests.alerts.conftest import SLACK_URL, report

pytestmark = pytest.mark.e2e

SLACK = Channel("slack", SLACK_URL, frozenset({"immediate", "ops"}))
ROUTES = [ChannelRoute("slack", frozenset({"immediate"}))]
CFG = AlertsConfig(backoff_base_s=30, max_attempts=3, send_timeout_s=5, hourly_cap=50)


def _dispatch(factory: sessionmaker[Session], channels: dict[str, Channel], cfg: AlertsConfig = CFG,
              policy: AlertPolicy | None = None) -> DispatchResult:
    return asyncio.run(dispatch_due(factory, channels, cfg, policy=policy))


def _rows(factory: sessionmaker[Session]) -> list[Alert]:
    with transaction(factory) as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)).all())


def _countries(sink: WebhookSink) -> list[str]:
    """The receiving country named in each Slack post, in arrival order."""
    out = []
    for p in sink.posts:
        text = str(p.json)
        out.append(next((f"Country {n}" for n in range(30, 0, -1) if f"Country {n} " in text), "?"))
    return out


def test_each_row_is_sent_once_and_in_order(factory: sessionmaker[Session], webhook_sink: WebhookSink) -> None:
    for n in (1, 2, 3):
        report(factory, ROUTES, n)
    assert _dispatch(factory, {"slack": SLACK}) == DispatchResult(sent=3)
    assert _dispatch(factory, {"slack": SLACK}) == DispatchResult()
    assert _countries(webhook_sink) == ["Country 1", "Country 2", "Country 3"]
    assert [(r.status, r.attempts) for r in _rows(factory)] == [("sent", 1)] * 3


def test_two_dispatchers_at_once_send_each_row_once(factory: sessionmaker[Session],
                                                    webhook_sink: WebhookSink) -> None:
    for n in range(1, 7):
        report(factory, ROUTES, n)

    async def both() -> list[DispatchResult]:
        return list(await asyncio.gather(dispatch_due(factory, {"slack": SLACK}, CFG),
                                         dispatch_due(factory, {"slack": SLACK}, CFG)))

    results = asyncio.run(both())
    assert sum(r.sent for r in results) == 6
    assert sorted(_countries(webhook_sink)) == sorted(f"Country {n}" for n in range(1, 7))


def test_a_failure_stops_the_channel_for_this_round_only(factory: sessionmaker[Session],
                                                         webhook_sink: WebhookSink) -> None:
    for n in (1, 2, 3):
        report(factory, ROUTES, n)
    webhook_sink.set_script([500])
    assert _dispatch(factory, {"slack": SLACK}) == DispatchResult(failed=1)
    first, second, third = _rows(factory)
    assert (first.status, first.attempts) == ("pending", 1) and "error=500" in (first.last_error or "")
    assert first.next_attempt_at > utcnow() + timedelta(seconds=10)  # backoff 30 s × jitter 0.5–1
    assert (second.attempts, third.attempts) == (0, 0)
    # The next round sends the others; the failed row waits for its backoff.
    assert _dispatch(factory, {"slack": SLACK}) == DispatchResult(sent=2)
    assert [r.status for r in _rows(factory)] == ["pending", "sent", "sent"]


def test_a_claim_left_by_a_dead_process_is_sent_after_the_lease(factory: sessionmaker[Session],
                                                               webhook_sink: WebhookSink) -> None:
    report(factory, ROUTES, 1)
    report(factory, ROUTES, 2)
    old, recent = (r.id for r in _rows(factory))
    with transaction(factory) as s:
        assert claim(s, old, utcnow() - timedelta(seconds=12)) is not None
        assert claim(s, recent, utcnow() - timedelta(seconds=2)) is not None
    cfg = AlertsConfig(send_timeout_s=1)
    # The lease is 10 s here (at least the send timeout + 5 s): only the older claim is released.
    assert _dispatch(factory, {"slack": SLACK}, cfg, AlertPolicy(lease_s=10)) == DispatchResult(sent=1)
    assert [r.status for r in _rows(factory)] == ["sent", "sending"]
    assert _countries(webhook_sink) == ["Country 1"]


def test_the_lease_never_undercuts_the_send_timeout(factory: sessionmaker[Session],
                                                    webhook_sink: WebhookSink) -> None:
    report(factory, ROUTES, 1)
    [row] = _rows(factory)
    with transaction(factory) as s:
        claim(s, row.id, utcnow() - timedelta(seconds=20))
    # A 1 s lease with a 30 s send timeout would repeat sends that are merely slow.
    assert _dispatch(factory, {"slack": SLACK}, AlertsConfig(send_timeout_s=30), AlertPolicy(lease_s=1)).sent == 0
    assert _dispatch(factory, {"slack": SLACK}, AlertsConfig(send_timeout_s=10), AlertPolicy(lease_s=1)).sent == 1


def test_dead_letter_is_reported_once_per_broken_spell(factory: sessionmaker[Session],
                                                       webhook_sink: WebhookSink) -> None:
    routes = [ChannelRoute("mail", frozenset({"immediate"}))]
    broken = {"mail": Channel("mail", "json://127.0.0.1:9/", frozenset({"immediate"})),
              "slack": Channel("slack", SLACK_URL, frozenset({"ops"}))}
    cfg = AlertsConfig(max_attempts=1, send_timeout_s=3)
    for n in (1, 2):
        report(factory, routes, n)
    assert _dispatch(factory, broken, cfg).dead == 1
    assert _dispatch(factory, broken, cfg).dead == 1  # the second one, in the next round
    ops = [r for r in _rows(factory) if r.kind == "ops"]
    assert len(ops) == 1, "one report for the channel's broken spell"
    assert "dead letter" in ops[0].payload["text"] and "alerts retry" in ops[0].payload["text"]
    assert len(webhook_sink.posts) == 1 and "alert could not be delivered" in str(webhook_sink.posts[0].json)
    # The channel is repaired (config), delivers, then breaks again: that is a new problem.
    repaired = {**broken, "mail": Channel("mail", SLACK_URL, frozenset({"immediate"}))}
    report(factory, routes, 3)
    assert _dispatch(factory, repaired, cfg).sent == 1
    report(factory, routes, 4)
    assert _dispatch(factory, broken, cfg).dead == 1
    assert len([r for r in _rows(factory) if r.kind == "ops"]) == 2


def test_a_dead_ops_alert_raises_no_further_ops_alert(factory: sessionmaker[Session]) -> None:
    routes = [ChannelRoute("ops", frozenset({"immediate"}))]
    down = {"ops": Channel("ops", "json://127.0.0.1:9/", frozenset({"immediate", "ops"}))}
    cfg = AlertsConfig(max_attempts=1, send_timeout_s=3)
    report(factory, routes, 1)
    assert _dispatch(factory, down, cfg).dead == 1
    assert _dispatch(factory, down, cfg).dead == 1  # the ops alert about it
    assert _dispatch(factory, down, cfg) == DispatchResult()
    assert sorted((r.kind, r.status) for r in _rows(factory)) == [("new", "dead"), ("ops", "dead")]


def test_requeued_dead_alerts_are_sent(factory: sessionmaker[Session], webhook_sink: WebhookSink) -> None:
    report(factory, ROUTES, 1)
    webhook_sink.set_script([500])
    slack = {"slack": Channel("slack", SLACK_URL, frozenset({"immediate"}))}
    assert _dispatch(factory, slack, AlertsConfig(max_attempts=1)).dead == 1
    assert _dispatch(factory, slack) == DispatchResult()
    with transaction(factory) as s:
        assert retry(s) == 1
    assert _dispatch(factory, slack).sent == 1
    assert [(r.status, r.attempts) for r in _rows(factory) if r.kind == "new"] == [("sent", 1)]


def test_alerts_past_the_hourly_cap_are_folded_into_one_summary(factory: sessionmaker[Session],
                                                               webhook_sink: WebhookSink) -> None:
    cfg = AlertsConfig(hourly_cap=2)
    for n in range(1, 6):
        report(factory, ROUTES, n)
    assert _dispatch(factory, {"slack": SLACK}, cfg) == DispatchResult(sent=3, folded=3)
    rows = _rows(factory)
    assert [r.status for r in rows if r.kind == "new"] == ["sent", "sent", "folded", "folded", "folded"]
    [summary] = [r for r in rows if r.kind == "summary"]
    assert summary.status == "sent"
    assert [e["development_id"] for e in summary.payload["folded"]] == [r.development_id for r in rows[2:5]]
    last = str(webhook_sink.posts[-1].json)
    assert "3 new developments" in last and all(f"Country {n} " in last for n in (3, 4, 5))
    # Within the same hour, more alerts wait in one summary that goes out when the hour is up.
    report(factory, ROUTES, 6)
    report(factory, ROUTES, 7)
    assert _dispatch(factory, {"slack": SLACK}, cfg) == DispatchResult(folded=2)
    report(factory, ROUTES, 8)
    assert _dispatch(factory, {"slack": SLACK}, cfg) == DispatchResult(folded=1)
    rows = _rows(factory)
    pending = [r for r in rows if r.kind == "summary" and r.status == "pending"]
    assert len(pending) == 1 and len(pending[0].payload["folded"]) == 3
    assert pending[0].next_attempt_at >= summary.sent_at + timedelta(minutes=59)  # type: ignore[operator]
    # Never dropped: every development is in a sent alert or in a summary.
    covered = {r.development_id for r in rows if r.kind == "new" and r.status == "sent"}
    covered |= {e["development_id"] for r in rows if r.kind == "summary" for e in r.payload["folded"]}
    assert covered == {r.development_id for r in rows if r.kind == "new"}
    assert len(webhook_sink.posts) == 3


def test_the_cap_is_per_channel(factory: sessionmaker[Session], webhook_sink: WebhookSink) -> None:
    routes = [*ROUTES, ChannelRoute("other", frozenset({"immediate"}))]
    other = Channel("other", SLACK_URL.replace("3333", "4444"), frozenset({"immediate"}))
    for n in (1, 2, 3):
        report(factory, routes, n)
    result = _dispatch(factory, {"slack": SLACK, "other": other}, AlertsConfig(hourly_cap=3))
    assert result == DispatchResult(sent=6)
