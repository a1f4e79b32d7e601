"""Turns templates and data into small, cache-safe, compressed responses with strict security headers."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from monitor.dashboard.timeline import STAGE_LABELS, stage_label

TEMPLATES = Path(__file__).parent / "templates"
CSS = (TEMPLATES / "style.css").read_text(encoding="utf-8")
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
# No scripts at all; the one stylesheet is inline and allowed by its hash.
CSP = (f"default-src 'none'; style-src 'sha256-{_CSS_HASH}'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
GZIP_MIN = 1400


def http_url(value: str | None) -> str | None:
    """The URL if it is http(s), else None: crawled pages must not be able to plant javascript: links."""
    if not value:
        return None
    return value if urlsplit(value).scheme.lower() in ("http", "https") else None


def fmt_dt(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def fmt_count(count: int | None, kind: str | None) -> str:
    if count is None:
        return "—"
    return f"up to {count:,}" if kind == "cap" else f"{count:,}"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(dt=fmt_dt, d=fmt_date, stage=stage_label, count=fmt_count, http_url=http_url)
    env.globals.update(css=Markup(CSS), stages=STAGE_LABELS)
    return env


ENV = _environment()


def finish(request: Request, body: bytes, media_type: str, status: int = 200,
           headers: dict[str, str] | None = None) -> Response:
    """A response with the security headers, gzip-compressed when the client takes it and it is worth it."""
    all_headers = {**SECURITY_HEADERS, **(headers or {})}
    if len(body) >= GZIP_MIN and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=6, mtime=0)
        all_headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
    return Response(body, status_code=status, media_type=media_type, headers=all_headers)


def base_path(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def html(request: Request, template: str, status: int = 200, headers: dict[str, str] | None = None,
         **context: Any) -> Response:
    root = base_path(request)
    context.setdefault("user", None)
    context.setdefault("csrf", "")
    page = ENV.get_template(template).render(url=lambda path: root + path, request_path=request.url.path,
                                             **context)
    return finish(request, page.encode(), "text/html; charset=utf-8", status, headers)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def clean_float(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def json_response(request: Request, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
    return finish(request, body, "application/json", status, headers)
