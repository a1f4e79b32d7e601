"""Delivers a rendered alert to one channel through Apprise and reports the outcome without secrets."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import unquote

from apprise import Apprise, AppriseAsset, AppriseResult, AppriseResultStatus, NotifyFormat, NotifyType
from apprise.plugins.base import NotifyBase
from apprise.plugins.email import NotifyEmail
from apprise.plugins.slack import NotifySlack

from alerts.redact import redact
from alerts.render import Rendered
from alerts.retry_after import HttpReply, capture_replies, retry_after_of

log = logging.getLogger(__name__)

TAGS = frozenset({"immediate", "digest", "ops"})
# A Slack section block holds at most 3,000 characters.
SLACK_MAX = 2900
_TOKEN_SPLIT = re.compile(r"[/:?&=@#,;+\s]+")
_HTTP_STATUS = re.compile(r"error=(\d{3})\b")


@dataclass(frozen=True)
class Channel:
    """Where alerts go: an Apprise URL (may hold secrets, so kept out of repr) and routing tags."""

    name: str
    url: str = field(repr=False)
    tags: frozenset[str] = frozenset({"immediate"})


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None
    retry_after: float | None = None
    """Seconds the service asked us to wait (Retry-After on a 429 or 503); None when it did not say."""


def _asset() -> AppriseAsset:
    # body_format=None keeps Apprise from converting what we hand it unless we declare a format per call.
    return AppriseAsset(app_id="deportwatch", app_desc="deportwatch alerts", body_format=None,
                        interpret_escapes=False)


def load_service(url: str) -> NotifyBase | None:
    """Instantiate the Apprise plugin for `url`; None when Apprise does not accept the URL."""
    service = Apprise.instantiate(url, asset=_asset())
    return service if isinstance(service, NotifyBase) else None


def _tokens(url: str) -> set[str]:
    return {unquote(t) for t in _TOKEN_SPLIT.split(url) if t}


def _service_secrets(service: NotifyBase) -> frozenset[str]:
    # Both forms come from the same plugin code, so they differ only where Apprise masks a value.
    hidden = _tokens(service.url(privacy=False))
    shown = _tokens(service.url(privacy=True))
    return frozenset(t for t in hidden - shown if len(t) >= 4)


def url_secrets(url: str) -> frozenset[str]:
    """The parts of an Apprise URL that Apprise hides in its privacy form (passwords, tokens, keys).

    Pass them to `install_redaction`. Parts shorter than 4 characters are skipped so that
    ordinary words are not masked all over the logs.
    """
    service = load_service(url)
    if service is None:
        # Unknown scheme: treat everything after the scheme as secret rather than guess.
        rest = url.split("://", 1)[-1]
        return frozenset(t for t in _tokens(rest) if len(t) >= 4)
    return _service_secrets(service)


def _privacy_url(service: NotifyBase) -> str:
    # The query string only repeats plugin options; the short form reads better in errors.
    return str(service.url(privacy=True)).split("?", 1)[0]


def describe(channel: Channel) -> str:
    """A channel name safe for logs and error strings: its name and Apprise's privacy URL."""
    service = load_service(channel.url)
    return f"{channel.name} ({_privacy_url(service) if service is not None else 'unparseable URL'})"


def _fit_slack(text: str) -> str:
    if len(text) <= SLACK_MAX:
        return text
    # Cut at a line end so no escape sequence or <url|label> link is split.
    cut = text.rfind("\n", 0, SLACK_MAX - 20)
    return text[: cut if cut > 0 else 0].rstrip() + "\n… (truncated)"


def _payload(service: NotifyBase, msg: Rendered) -> tuple[str, str, NotifyFormat | None]:
    """Body, title and declared format for this service."""
    if isinstance(service, NotifySlack):
        # Our mrkdwn is final: sent undeclared (no Apprise conversion) in a Block Kit mrkdwn
        # section. The legacy attachment layout would turn "&lt;!channel&gt;" back into a mention.
        service.use_blocks = True
        return _fit_slack(msg.slack), "", None
    if isinstance(service, NotifyEmail):
        # Declared HTML is sent as is; Apprise adds a text/plain alternative converted from it.
        return msg.html, msg.title, NotifyFormat.HTML
    return msg.text, msg.title, NotifyFormat.TEXT


def _bound_timeouts(service: NotifyBase, timeout: float) -> None:
    # Apprise sends in a worker thread it cannot cancel; socket timeouts make that thread end too.
    service.socket_connect_timeout = min(float(service.socket_connect_timeout), timeout)
    service.socket_read_timeout = min(float(service.socket_read_timeout), timeout)


def _failure(result: AppriseResult, secrets: frozenset[str], replies: list[HttpReply]) -> SendResult:
    messages = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR", "CRITICAL")]
    if result.status == AppriseResultStatus.TIMEOUT or result.timeout_count:
        messages.insert(0, "timed out")
    statuses = {int(m) for text in messages for m in _HTTP_STATUS.findall(text)} | {r.status for r in replies}
    retry_after = retry_after_of(replies)
    if 429 in statuses:
        wait = f"retry after {retry_after:g}s" if retry_after is not None else "no Retry-After given"
        messages.append(f"rate limited (HTTP 429, {wait})")
    detail = "; ".join(dict.fromkeys(messages)) or f"Apprise status {result.status.name}"
    return SendResult(ok=False, error=redact(detail, secrets), retry_after=retry_after)


async def send(
    channel: Channel, msg: Rendered, *, timeout: float = 30.0, notify_type: str = NotifyType.INFO.value
) -> SendResult:
    """Send `msg` to `channel`; never raises for delivery problems, and never puts secrets in `error`."""
    service = load_service(channel.url)
    if service is None:
        return SendResult(ok=False, error=f"{channel.name}: Apprise does not accept this channel URL")
    secrets = _service_secrets(service)
    _bound_timeouts(service, timeout)
    body, title, body_format = _payload(service, msg)
    name = f"{channel.name} ({_privacy_url(service)})"
    apobj = Apprise(asset=service.asset)
    apobj.add(service)
    # Apprise's own deadline comes first so it can report which service stalled; wait_for is the backstop.
    inner = max(timeout - 0.5, timeout * 0.8)
    with capture_replies() as replies:
        try:
            result = await asyncio.wait_for(
                apobj.async_notify(body=body, title=title, body_format=body_format,
                                   notify_type=NotifyType(notify_type), timeout=inner),
                timeout=timeout,
            )
        except TimeoutError:
            outcome = SendResult(ok=False, error=f"{name}: timed out after {timeout:g}s")
        except Exception as e:
            outcome = SendResult(ok=False, error=redact(f"{name}: {type(e).__name__}: {e}", secrets))
        else:
            with result:
                if result.status == AppriseResultStatus.SUCCESS:
                    outcome = SendResult(ok=True)
                else:
                    failed = _failure(result, secrets, list(replies))
                    outcome = SendResult(ok=False, error=f"{name}: {failed.error}", retry_after=failed.retry_after)
    if not outcome.ok:
        log.warning("alert delivery failed: %s", outcome.error)
    return outcome
