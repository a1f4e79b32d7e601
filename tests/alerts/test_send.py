"""Delivery through Apprise to real loopback servers: what arrives, and how failures are reported."""

from __future__ import annotations

import asyncio
import time
from email.message import EmailMessage

import pytest

from alerts.render import render_development, render_test
from alerts.send import Channel, SendResult, describe, send, url_secrets
from monitor.loopback import Reply, SmtpSink, WebhookSink
from tests.alerts.conftest import (
    EVIL_MARKERS,
    SLACK_SECRETS,
    SLACK_URL,
    SMTP_PASSWORD,
    evil_notice,
    mail_url,
    make_notice,
)

pytestmark = pytest.mark.e2e


def _parts(message: EmailMessage) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in message.walk()
            if p.get_content_maintype() == "text"}


def _send(channel: Channel, *args: object, **kwargs: object) -> SendResult:
    return asyncio.run(send(channel, *args, **kwargs))  # type: ignore[arg-type]


def test_email_arrives_with_html_and_text_parts(smtp_sink: SmtpSink) -> None:
    msg = render_development(make_notice())
    result = _send(Channel("team-mail", mail_url(smtp_sink)), msg)
    assert result == SendResult(ok=True, error=None, retry_after=None)
    [mail] = smtp_sink.wait_for(1)
    assert smtp_sink.auth_attempts == ["PLAIN:ok"]  # the URL-encoded password was used as is
    assert mail["Subject"] == "Kosovo — agreement to receive up to 50 third-country deportees"
    assert mail["To"] == "team@example.org"
    parts = _parts(mail)
    assert set(parts) == {"text/plain", "text/html"}
    assert '<a href="https://www.state.gov/kosovo">Statement on Kosovo</a>' in parts["text/html"]
    assert "Confirmed by an official source" in parts["text/plain"]
    assert "https://www.state.gov/kosovo" in parts["text/plain"]


def test_hostile_titles_reach_the_mailbox_only_escaped(smtp_sink: SmtpSink) -> None:
    assert _send(Channel("team-mail", mail_url(smtp_sink)), render_development(evil_notice())).ok
    [mail] = smtp_sink.wait_for(1)
    body_html = _parts(mail)["text/html"]
    for marker in EVIL_MARKERS:
        assert marker not in body_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body_html
    assert "javascript:" in body_html and 'href="javascript' not in body_html


def test_slack_gets_our_mrkdwn_byte_for_byte(webhook_sink: WebhookSink) -> None:
    msg = render_development(evil_notice())
    assert _send(Channel("team-slack", SLACK_URL, frozenset({"immediate"})), msg).ok
    [post] = webhook_sink.wait_for(1)
    assert post.path == "/services/" + "/".join(SLACK_SECRETS)
    [section] = [b for b in post.json["attachments"][0]["blocks"] if b["type"] == "section"]
    assert section["text"] == {"type": "mrkdwn", "text": msg.slack}
    raw = post.body.decode()
    for marker in EVIL_MARKERS:
        assert marker not in raw and marker not in str(post.json)
    assert "&lt;!channel&gt;" in section["text"]["text"]
    assert "<javascript:" not in raw


def test_slack_server_error_is_a_failure(webhook_sink: WebhookSink) -> None:
    webhook_sink.set_script([500])
    result = _send(Channel("team-slack", SLACK_URL), render_test())
    assert not result.ok
    assert result.error is not None and "error=500" in result.error
    assert "team-slack (slack://" in result.error
    assert not any(s in result.error for s in SLACK_SECRETS)
    # The next attempt, after the scripted failure, succeeds.
    assert _send(Channel("team-slack", SLACK_URL), render_test()).ok
    assert [p.status_sent for p in webhook_sink.wait_for(2)] == [500, 200]


def test_slack_rate_limit_is_reported(webhook_sink: WebhookSink) -> None:
    webhook_sink.set_script([Reply(429, b"rate_limited", {"Retry-After": "2"})])
    result = _send(Channel("team-slack", SLACK_URL), render_test())
    assert not result.ok and result.error is not None and "429" in result.error
    # Apprise's Slack plugin drops response headers; the wait is read from the reply itself.
    assert result.retry_after == 2.0
    assert "retry after 2s" in result.error


def test_rate_limit_without_retry_after_has_no_wait(webhook_sink: WebhookSink) -> None:
    webhook_sink.set_script([Reply(429, b"rate_limited")])
    result = _send(Channel("team-slack", SLACK_URL), render_test())
    assert not result.ok and result.retry_after is None
    assert result.error is not None and "no Retry-After given" in result.error


def test_retry_after_of_a_server_error_is_not_mistaken_for_success(webhook_sink: WebhookSink) -> None:
    webhook_sink.set_script([Reply(503, b"busy", {"Retry-After": "7"})])
    result = _send(Channel("team-slack", SLACK_URL), render_test())
    assert not result.ok and result.retry_after == 7.0


def test_smtp_refusal_is_a_failure(smtp_sink: SmtpSink) -> None:
    smtp_sink.set_mode("refuse")
    result = _send(Channel("team-mail", mail_url(smtp_sink)), render_test())
    assert not result.ok and result.error
    assert SMTP_PASSWORD not in result.error
    assert smtp_sink.messages == []


def test_smtp_hang_fails_within_the_timeout(smtp_sink: SmtpSink) -> None:
    smtp_sink.set_mode("hang")
    started = time.monotonic()
    result = _send(Channel("team-mail", mail_url(smtp_sink)), render_test(), timeout=1.5)
    elapsed = time.monotonic() - started
    assert not result.ok
    assert result.error is not None and "timed out" in result.error
    assert elapsed <= 1.5 + 0.5, elapsed


def test_wrong_password_is_a_failure(smtp_sink: SmtpSink) -> None:
    result = _send(Channel("team-mail", mail_url(smtp_sink, password="not-the-password")), render_test())
    assert not result.ok
    assert smtp_sink.auth_attempts and all(a.endswith(":failed") for a in smtp_sink.auth_attempts)
    assert "not-the-password" not in (result.error or "")


def test_nothing_listening_is_a_failure() -> None:
    with SmtpSink() as sink:
        url = mail_url(sink)
    result = _send(Channel("team-mail", url), render_test(), timeout=5)
    assert not result.ok and "Connection error" in (result.error or "")


def test_unknown_url_is_a_failure_without_echoing_it() -> None:
    result = _send(Channel("bad", "nosuchscheme://user:hunter22@host/x"), render_test())
    assert not result.ok
    assert "hunter22" not in (result.error or "")


def test_channel_repr_and_description_hide_secrets(smtp_sink: SmtpSink) -> None:
    mail = Channel("team-mail", mail_url(smtp_sink))
    slack = Channel("team-slack", SLACK_URL)
    for text in (repr(mail), describe(mail)):
        assert "Pa55" not in text
    for text in (repr(slack), describe(slack)):
        assert not any(s in text for s in SLACK_SECRETS)
    assert describe(slack).startswith("team-slack (slack://")
    assert SMTP_PASSWORD in url_secrets(mail.url)
    assert set(SLACK_SECRETS) <= url_secrets(slack.url)
    assert not {"mode", "insecure", "team", "from"} & url_secrets(mail.url)
