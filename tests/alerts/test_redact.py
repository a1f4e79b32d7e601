"""Secrets in channel URLs never reach log output, even with every logger at DEBUG."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

import pytest

from alerts.redact import MASK, install_redaction, redact
from alerts.render import render_test
from alerts.send import Channel, send, url_secrets
from monitor.loopback import SmtpSink, WebhookSink
from tests.alerts.conftest import SLACK_SECRETS, SLACK_URL, SMTP_PASSWORD, debug_logging, mail_url

LOGGERS = ("", "apprise", "urllib3", "mail.log", "monitor.loopback", "alerts")


def _leaks(text: str) -> list[str]:
    forms = {f for s in (SMTP_PASSWORD, *SLACK_SECRETS) for f in (s, quote(s, safe=""), quote_plus(s))}
    return sorted(f for f in forms if f in text)


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    """Everything logged anywhere, at DEBUG, formatted like a real handler would."""
    with debug_logging(LOGGERS) as stream:
        yield stream


def _deliver_everything(smtp: SmtpSink, hook: WebhookSink) -> None:
    async def run() -> None:
        mail = Channel("team-mail", mail_url(smtp))
        slack = Channel("team-slack", SLACK_URL)
        assert (await send(mail, render_test())).ok
        assert (await send(slack, render_test())).ok
        hook.set_script([500])
        assert not (await send(slack, render_test())).ok
        smtp.set_mode("refuse")
        assert not (await send(mail, render_test())).ok

    asyncio.run(run())


def test_apprise_and_urllib3_leak_tokens_at_debug_without_redaction(
    debug_log: io.StringIO, smtp_sink: SmtpSink, webhook_sink: WebhookSink
) -> None:
    # The control case: it shows the check below would catch a leak.
    _deliver_everything(smtp_sink, webhook_sink)
    assert set(SLACK_SECRETS) <= set(_leaks(debug_log.getvalue()))


def test_no_secret_in_debug_logs_with_redaction(
    debug_log: io.StringIO, smtp_sink: SmtpSink, webhook_sink: WebhookSink
) -> None:
    install_redaction(url_secrets(mail_url(smtp_sink)) | url_secrets(SLACK_URL))
    _deliver_everything(smtp_sink, webhook_sink)
    logging.getLogger("deportwatch.test").debug("channel url was %s", mail_url(smtp_sink))
    output = debug_log.getvalue()
    assert "Slack POST URL" in output and "urllib3" in output  # the lines that used to leak are there
    assert f"/services/{MASK}/{MASK}/{MASK}" in output
    assert _leaks(output) == []


def test_handlers_added_later_and_exceptions_are_covered() -> None:
    install_redaction(["tok-123456"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    log = logging.getLogger("deportwatch.test.later")
    log.addHandler(handler)
    log.propagate = False
    try:
        try:
            raise RuntimeError("could not reach https://hooks.example/tok-123456?k=tok%2D123456")
        except RuntimeError:
            log.exception("posting to %s failed", "https://hooks.example/tok-123456")
    finally:
        log.removeHandler(handler)
        log.propagate = True
    output = stream.getvalue()
    assert "RuntimeError" in output and "Traceback" in output
    assert "tok-123456" not in output and "tok%2D123456" not in output
    assert output.count(MASK) >= 2


def test_existing_root_handlers_get_a_filter() -> None:
    handler = logging.StreamHandler(io.StringIO())
    logging.getLogger().addHandler(handler)
    try:
        install_redaction(["abcdef-secret"])
        assert any(type(f).__name__ == "RedactingFilter" for f in handler.filters)
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "key=%s", ("abcdef-secret",), None)
        handler.filter(record)
        assert record.getMessage() == f"key={MASK}"
    finally:
        logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize(("text", "expected"), [
    ("pw=s3cr/et!", f"pw={MASK}"),
    ("https://u:s3cr%2Fet%21@h", f"https://u:{MASK}@h"),
    ("q=s3cr%2Fet!", f"q={MASK}"),
    ("nothing here", "nothing here"),
])
def test_redact_masks_plain_and_url_encoded_forms(text: str, expected: str) -> None:
    assert redact(text, ["s3cr/et!"]) == expected


def test_redact_masks_the_longer_secret_whole() -> None:
    assert redact("a=abcd b=abcdefgh", ["abcd", "abcdefgh"]) == f"a={MASK} b={MASK}"
