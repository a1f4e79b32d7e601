"""Loopback mail and webhook receivers on 127.0.0.1, for tests and the offline demo."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

log = logging.getLogger(__name__)

SmtpMode = Literal["accept", "refuse", "hang"]
LOOPBACK = "127.0.0.1"


class _EphemeralController(Controller):
    """An aiosmtpd Controller that binds port 0 and records the port the kernel chose."""

    def _create_server(self) -> Any:
        async def bind() -> asyncio.AbstractServer:
            server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0)
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bind()


class _SmtpHandler:
    """aiosmtpd handler hooks; the behaviour follows the owning sink's current mode."""

    def __init__(self, sink: SmtpSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mode = self._sink.mode
        if mode == "refuse":
            return "554 Transaction failed: refused by test sink"
        if mode == "hang":
            # Never answer; the task is cancelled when the sink stops.
            await asyncio.Event().wait()
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        message = email.message_from_bytes(data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self._sink._store(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it accepts.

    `mode` may be changed while running: "accept" stores mail, "refuse" answers
    the message with 554, "hang" takes the message and never replies.
    With `credentials`, clients must log in (AUTH over plain loopback).
    """

    def __init__(self, *, mode: SmtpMode = "accept", credentials: tuple[str, str] | None = None) -> None:
        self.mode: SmtpMode = mode
        self._credentials = credentials
        self._messages: list[EmailMessage] = []
        self._cond = threading.Condition()
        self._controller: _EphemeralController | None = None
        self.auth_attempts: list[str] = []

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self._credentials is not None
            and (auth_data.login.decode(), auth_data.password.decode()) == self._credentials
        )
        self.auth_attempts.append(f"{mechanism}:{'ok' if ok else 'failed'}")
        # handled=False lets aiosmtpd answer a failure with 535 itself.
        return AuthResult(success=ok, handled=False)

    def start(self) -> SmtpSink:
        auth: dict[str, Any] = {}
        if self._credentials is not None:
            # Login is offered and checked but not forced; forcing it without TLS makes aiosmtpd warn.
            auth = {"authenticator": self._authenticate, "auth_require_tls": False}
        self._controller = _EphemeralController(_SmtpHandler(self), hostname=LOOPBACK, **auth)
        self._controller.start()
        log.debug("SMTP sink listening on %s:%d", LOOPBACK, self.port)
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def host(self) -> str:
        return LOOPBACK

    @property
    def port(self) -> int:
        if self._controller is None:
            raise RuntimeError("SMTP sink is not running")
        return int(self._controller.port)

    def set_mode(self, mode: SmtpMode) -> None:
        self.mode = mode

    def _store(self, message: EmailMessage) -> None:
        with self._cond:
            self._messages.append(message)
            self._cond.notify_all()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._cond:
            return list(self._messages)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()

    def wait_for(self, n: int, timeout: float = 5.0) -> list[EmailMessage]:
        """Block until at least `n` messages arrived; raise TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= n, timeout):
                raise TimeoutError(f"SMTP sink got {len(self._messages)} of {n} messages in {timeout}s")
            return list(self._messages)


@dataclass(frozen=True)
class Reply:
    """One scripted webhook answer; `delay` seconds pass before it is sent."""

    status: int = 200
    body: bytes = b"ok"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Post:
    """One request the webhook sink received."""

    path: str
    headers: Mapping[str, str]
    body: bytes
    json: Any
    status_sent: int


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


class WebhookSink:
    """A real HTTP server on 127.0.0.1 that records POSTs and answers from a script.

    Scripted replies are used in order; once the script runs out every request
    gets `default_reply` (200 "ok", which is what Slack webhooks answer).
    """

    def __init__(self, script: Iterable[int | Reply] = (), default_reply: Reply | None = None) -> None:
        self.default_reply = default_reply or Reply()
        self._script: list[Reply] = []
        self._posts: list[Post] = []
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.set_script(script)

    def set_script(self, script: Iterable[int | Reply]) -> None:
        replies = [r if isinstance(r, Reply) else Reply(status=r, body=b"ok" if r == 200 else b"error")
                   for r in script]
        with self._cond:
            self._script = replies

    def _next_reply(self) -> Reply:
        with self._cond:
            return self._script.pop(0) if self._script else self.default_reply

    def _record(self, post: Post) -> None:
        with self._cond:
            self._posts.append(post)
            self._cond.notify_all()

    def start(self) -> WebhookSink:
        self._stopping.clear()
        self._server = ThreadingHTTPServer((LOOPBACK, 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="webhook-sink",
                                        daemon=True)
        self._thread.start()
        log.debug("webhook sink listening on %s", self.url)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> WebhookSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("webhook sink is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def posts(self) -> list[Post]:
        with self._cond:
            return list(self._posts)

    def wait_for(self, n: int, timeout: float = 5.0) -> list[Post]:
        """Block until at least `n` requests arrived; raise TimeoutError otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._posts) >= n, timeout):
                raise TimeoutError(f"webhook sink got {len(self._posts)} of {n} posts in {timeout}s")
            return list(self._posts)


def _handler_for(sink: WebhookSink) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            reply = sink._next_reply()
            sink._record(Post(self.path, dict(self.headers.items()), body, _parse_json(body), reply.status))
            if reply.delay and sink._stopping.wait(reply.delay):
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def log_message(self, format: str, *args: Any) -> None:
            # Keep request lines out of stderr; they carry webhook paths.
            log.debug("webhook sink: " + format, *args)

    return Handler


@contextmanager
def slack_endpoint(url: str) -> Iterator[None]:
    """Point Apprise's Slack plugin (webhook mode) at `url` instead of hooks.slack.com, then restore it."""
    from apprise.plugins.slack import NotifySlack

    saved = NotifySlack.webhook_url
    NotifySlack.webhook_url = url.rstrip("/")
    try:
        yield
    finally:
        NotifySlack.webhook_url = saved

