"""Recovers the HTTP status and Retry-After header that Apprise's plugins read past, for one send at a time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

# A server asking for more than a day is treated as asking for a day: the row stays queued, never lost.
MAX_RETRY_AFTER_S = 86_400.0
# Statuses whose Retry-After means "wait before trying again" (RFC 9110 §10.2.3, RFC 6585 §4).
RATE_LIMITED = frozenset({429, 503})


@dataclass(frozen=True)
class HttpReply:
    """One HTTP response a notification plugin received while we were sending."""

    status: int
    retry_after: float | None


_replies: ContextVar[list[HttpReply] | None] = ContextVar("deportwatch_http_replies", default=None)
_install_lock = threading.Lock()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After value: delta-seconds or an HTTP date; None when absent or unreadable."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def _on_response(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    seen = _replies.get()
    if seen is not None:
        seen.append(HttpReply(response.status_code, parse_retry_after(response.headers.get("Retry-After"))))


def install() -> None:
    """Give every requests Session a response hook that reports into the current capture, if any.

    Apprise's HTTP plugins (Slack, JSON, Discord, ...) call requests and keep only the status
    code, so a 429's Retry-After never reaches us through Apprise's results. Apprise runs each
    plugin in a worker thread with a copy of the caller's context, so a context variable set
    around `async_notify` scopes the hook to our own send: other requests users see no change.
    """
    with _install_lock:
        if getattr(requests.Session, "_deportwatch_hooked", False):
            return
        original = requests.Session.__init__

        def __init__(self: requests.Session, *args: Any, **kwargs: Any) -> None:
            original(self, *args, **kwargs)
            self.hooks["response"].append(_on_response)

        requests.Session.__init__ = __init__  # type: ignore[method-assign]
        requests.Session._deportwatch_hooked = True  # type: ignore[attr-defined]


@contextmanager
def capture_replies() -> Iterator[list[HttpReply]]:
    """Collect the HTTP responses received by code running in this context (and threads it starts with it)."""
    install()
    seen: list[HttpReply] = []
    token = _replies.set(seen)
    try:
        yield seen
    finally:
        _replies.reset(token)


def retry_after_of(replies: list[HttpReply]) -> float | None:
    """The wait the last rate-limiting reply asked for, if any."""
    for reply in reversed(replies):
        if reply.status in RATE_LIMITED and reply.retry_after is not None:
            return reply.retry_after
    return None
