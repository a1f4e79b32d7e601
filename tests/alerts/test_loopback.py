"""The loopback SMTP and webhook sinks used by tests and the offline demo."""

from __future__ import annotations

import http.client
import json
import smtplib
import time
from email.message import EmailMessage

import pytest
from apprise.plugins.slack import NotifySlack

from monitor.loopback import Reply, SmtpSink, WebhookSink, slack_endpoint


def _mail(subject: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "a@example.org", "b@example.org", subject
    m.set_content("hello")
    return m


def _post(sink: WebhookSink, body: object, path: str = "/hook") -> tuple[int, dict[str, str], float]:
    conn = http.client.HTTPConnection("127.0.0.1", sink.port, timeout=5)
    started = time.monotonic()
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), time.monotonic() - started


def test_smtp_sink_stores_mail_and_switches_modes() -> None:
    with SmtpSink() as sink:
        assert sink.port > 0
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.send_message(_mail("one"))
        assert [m["Subject"] for m in sink.wait_for(1, timeout=2)] == ["one"]
        sink.set_mode("refuse")
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client, \
                pytest.raises(smtplib.SMTPDataError) as refused:
            client.send_message(_mail("two"))
        assert refused.value.smtp_code == 554
        sink.set_mode("hang")
        with smtplib.SMTP(sink.host, sink.port, timeout=0.5) as client, \
                pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):
            client.send_message(_mail("three"))
        sink.set_mode("accept")
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.send_message(_mail("four"))
        assert [m["Subject"] for m in sink.wait_for(2, timeout=2)] == ["one", "four"]


def test_smtp_sink_wait_for_times_out() -> None:
    with SmtpSink() as sink, pytest.raises(TimeoutError, match="0 of 1"):
        sink.wait_for(1, timeout=0.1)


def test_webhook_sink_follows_its_script() -> None:
    with WebhookSink([500, Reply(429, b"slow down", {"Retry-After": "2"}), Reply(200, delay=0.3)]) as sink:
        assert _post(sink, {"n": 1})[0] == 500
        status, headers, _ = _post(sink, {"n": 2})
        assert (status, headers["Retry-After"]) == (429, "2")
        status, _, elapsed = _post(sink, {"n": 3}, path="/services/x")
        assert status == 200 and elapsed >= 0.3
        assert _post(sink, {"n": 4})[0] == 200  # script used up: default reply
        posts = sink.wait_for(4, timeout=1)
        assert [p.json["n"] for p in posts] == [1, 2, 3, 4]
        assert [p.status_sent for p in posts] == [500, 429, 200, 200]
        assert posts[2].path == "/services/x"
        assert posts[0].headers["Content-Type"] == "application/json"


def test_webhook_sink_wait_for_times_out() -> None:
    with WebhookSink() as sink, pytest.raises(TimeoutError):
        sink.wait_for(1, timeout=0.1)


def test_slack_endpoint_is_restored() -> None:
    original = NotifySlack.webhook_url
    with slack_endpoint("http://127.0.0.1:9/services/"):
        assert NotifySlack.webhook_url == "http://127.0.0.1:9/services"
    assert NotifySlack.webhook_url == original
    with pytest.raises(RuntimeError), slack_endpoint("http://127.0.0.1:9"):
        raise RuntimeError("boom")
    assert NotifySlack.webhook_url == original
