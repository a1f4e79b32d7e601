"""Reading Retry-After from the replies Apprise's plugins receive, and only for our own sends."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextvars import copy_context
from datetime import UTC, datetime

import pytest
import requests

from alerts.retry_after import HttpReply, capture_replies, parse_retry_after, retry_after_of
from monitor.loopback import Reply, WebhookSink

NOW = datetime(2025, 6, 11, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("2", 2.0), (" 120 ", 120.0), ("0", 0.0),
    ("Wed, 11 Jun 2025 12:00:30 GMT", 30.0),   # an HTTP date
    ("Wed, 11 Jun 2025 11:59:00 GMT", 0.0),    # already past
    ("999999999", 86_400.0),                   # capped at a day
    ("-5", None), ("soon", None), ("", None), (None, None),
])
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_the_last_rate_limited_reply_counts() -> None:
    assert retry_after_of([HttpReply(429, 5), HttpReply(500, None), HttpReply(429, 2)]) == 2
    assert retry_after_of([HttpReply(503, 9)]) == 9
    assert retry_after_of([HttpReply(500, 30), HttpReply(200, None)]) is None


def test_replies_are_seen_in_worker_threads_of_the_capture_only() -> None:
    with WebhookSink([Reply(429, headers={"Retry-After": "3"}), Reply(429, headers={"Retry-After": "4"})]) as sink:
        with capture_replies() as seen, ThreadPoolExecutor(1) as pool:
            # Apprise hands each plugin call a copy of the caller's context, as done here.
            pool.submit(copy_context().run, requests.post, sink.url + "/x", data=b"{}").result()
        outside: list[int] = []
        thread = threading.Thread(target=lambda: outside.append(requests.post(sink.url + "/y").status_code))
        thread.start()
        thread.join()
    assert seen == [HttpReply(429, 3.0)]
    assert outside == [429]  # the other request went through untouched and was not recorded
