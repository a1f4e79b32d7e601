"""Misbehaving loopback HTTP servers: hang, drip, reset, redirect loops, huge bodies; and waiting for effects."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

ROBOTS_TXT = b"User-agent: *\nAllow: /\n"
# Socket errors a client that gives up mid-answer causes; the server only notes them.
CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError, OSError)


@dataclass
class Hit:
    """One request a server received; `finished` is set once its answer was sent (or abandoned)."""

    path: str
    started: float
    finished: float | None = None
    outcome: str = "open"


class Fault:
    """How a server answers one path; subclasses override `answer`."""

    def answer(self, h: Handler) -> str:
        raise NotImplementedError


@dataclass
class Static(Fault):
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()

    def answer(self, h: Handler) -> str:
        h.send_response(self.status)
        h.send_header("Content-Type", self.content_type)
        h.send_header("Content-Length", str(len(self.body)))
        for name, value in self.headers:
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(self.body)
        return f"sent {self.status}"


@dataclass
class Hang(Fault):
    """Accepts the connection, reads the request, never answers."""

    def answer(self, h: Handler) -> str:
        h.stopping.wait()
        h.close_connection = True
        return "hung"


@dataclass
class Reset(Fault):
    """Reads the request and resets the connection (TCP RST) without a byte of answer."""

    def answer(self, h: Handler) -> str:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.connection.close()
        h.close_connection = True
        return "reset"


@dataclass
class Drip(Fault):
    """Announces a whole body, then sends it `chunk` bytes every `every` seconds."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    chunk: int = 1
    every: float = 0.5

    def answer(self, h: Handler) -> str:
        h.send_response(200)
        h.send_header("Content-Type", self.content_type)
        h.send_header("Content-Length", str(len(self.body)))
        h.end_headers()
        for i in range(0, len(self.body), self.chunk):
            h.wfile.write(self.body[i:i + self.chunk])
            h.wfile.flush()
            if h.stopping.wait(self.every):
                break
        return "dripped"


@dataclass
class Stream(Fault):
    """A body of `size` bytes, with or without a Content-Length, sent as fast as the client reads."""

    size: int
    content_type: str = "text/html; charset=utf-8"
    declare_length: bool = True
    unit: bytes = b"<p>padding padding padding padding padding padding padding padding</p>\n"

    def answer(self, h: Handler) -> str:
        h.send_response(200)
        h.send_header("Content-Type", self.content_type)
        if self.declare_length:
            h.send_header("Content-Length", str(self.size))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        block = (self.unit * (65536 // len(self.unit) + 1))[:65536]
        sent = 0
        while sent < self.size and not h.stopping.is_set():
            piece = block[: min(len(block), self.size - sent)]
            h.wfile.write(piece)
            sent += len(piece)
        return f"streamed {sent}"


@dataclass
class Redirect(Fault):
    location: str
    status: int = 302

    def answer(self, h: Handler) -> str:
        h.send_response(self.status)
        h.send_header("Location", self.location)
        h.send_header("Content-Length", "0")
        h.end_headers()
        return f"redirect {self.location}"


@dataclass
class Hold(Fault):
    """Keeps the request waiting until released, then answers it the normal way (or with `then`)."""

    then: Fault | None = None
    released: threading.Event = field(default_factory=threading.Event)

    def answer(self, h: Handler) -> str:
        while not self.released.wait(0.05):
            if h.stopping.is_set():
                return "held until stop"
        if self.then is not None:
            return self.then.answer(h)
        return h.server_obj.fallback(h)

    def release(self) -> None:
        self.released.set()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_obj: FaultServer
    stopping: threading.Event

    def do_GET(self) -> None:
        server = self.server_obj
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        hit = server.record(path)
        fault = server.fault_for(path)
        try:
            hit.outcome = fault.answer(self) if fault is not None else server.fallback(self)
        except CLIENT_GONE as e:
            hit.outcome = f"client gone: {type(e).__name__}"
            self.close_connection = True
        finally:
            hit.finished = time.monotonic()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.server_obj.bodies.append(self.rfile.read(length) if length else b"")
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are kept in `FaultServer.hits`; stderr stays quiet."""

    def finish(self) -> None:
        with contextlib.suppress(*CLIENT_GONE):
            super().finish()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up mid-answer are part of the tests, not errors."""


class FaultServer:
    """An HTTP server on 127.0.0.1 whose paths misbehave as told (others as `default`, else 404; robots.txt allows)."""

    def __init__(self, faults: dict[str, Fault] | None = None, default: Fault | None = None) -> None:
        self.faults: dict[str, Fault] = dict(faults or {})
        self.default = default
        self.hits: list[Hit] = []
        self.bodies: list[bytes] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self.base_url = ""

    def __enter__(self) -> Self:
        self.serve()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def serve(self) -> str:
        handler = type("BoundHandler", (Handler,), {"server_obj": self, "stopping": self.stopping})
        self._server = _Server(("127.0.0.1", 0), handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fault-server", daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_fault(self, path: str, fault: Fault | None) -> None:
        with self._lock:
            if fault is None:
                self.faults.pop(path, None)
            else:
                self.faults[path] = fault

    def fault_for(self, path: str) -> Fault | None:
        with self._lock:
            return self.faults.get(path, self.default)

    def record(self, path: str) -> Hit:
        hit = Hit(path, time.monotonic())
        with self._lock:
            self.hits.append(hit)
        return hit

    def requests_to(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def fallback(self, h: Handler) -> str:
        path = h.path.split("?", 1)[0]
        if path == "/robots.txt":
            return Static(ROBOTS_TXT, "text/plain").answer(h)
        return Static(b"<html><body>not found</body></html>", status=404).answer(h)


def wait_until(predicate: Callable[[], Any], timeout: float, every: float = 0.1, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy; raise TimeoutError naming `what` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f}s")
        time.sleep(every)
