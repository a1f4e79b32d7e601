"""Wraps every dashboard endpoint: who is asking, CSRF on actions, bounded bodies, work off the event loop."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monitor.dashboard import render
from monitor.dashboard.auth import SESSION_COOKIE, Authenticator, Identity
from monitor.runtime import Runtime

MAX_BODY = 16 * 1024
CSRF_HEADER = "x-csrf-token"


@dataclass
class Dashboard:
    """What every handler needs: the runtime and the authenticator."""

    rt: Runtime
    auth: Authenticator = field(init=False)

    def __post_init__(self) -> None:
        self.auth = Authenticator(self.rt.config.dashboard)

    def identify(self, request: Request) -> Identity | None:
        return self.auth.bearer(request.headers.get("authorization")) or self.auth.session(
            request.cookies.get(SESSION_COOKIE))


@dataclass(frozen=True)
class Call:
    """One authenticated request, its parsed body, and the CSRF token to put in forms."""

    request: Request
    identity: Identity
    csrf: str
    form: Mapping[str, str] = field(default_factory=dict)
    body: Any = None


Handler = Callable[[Dashboard, Call], Response]
Endpoint = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    """The request cannot be served as asked; the message is shown to the client."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def read_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest("request body too large", 413)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_form(body: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest("malformed form") from e


def safe_next(value: str | None, default: str = "/") -> str:
    """A same-site path to go back to; anything else (other hosts, schemes) falls back to `default`."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    parts = urlsplit(value)
    return value if not parts.scheme and not parts.netloc else default


def same_origin(request: Request) -> bool:
    """False only when the browser says the request came from another site."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    # A reverse proxy may rewrite Host; a cross-site form cannot set X-Forwarded-Host, so it is safe to accept.
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "").split(",")[0].strip()}
    return urlsplit(origin).netloc in hosts - {""}


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{render.base_path(request)}/login?next={quote(target, safe='')}", status_code=303,
                            headers=render.SECURITY_HEADERS)


def error_page(request: Request, status: int, message: str) -> Response:
    titles = {400: "Bad request", 403: "Not allowed", 404: "Not found", 413: "Too large"}
    return render.html(request, "error.html", status, title=titles.get(status, "Error"), message=message)


def api_error(request: Request, status: int, message: str) -> Response:
    headers = {"WWW-Authenticate": 'Bearer realm="deportwatch"'} if status == 401 else None
    return render.json_response(request, {"error": message}, status, headers)


def page(d: Dashboard, handler: Handler) -> Endpoint:
    """A GET page: anonymous visitors are sent to the login page."""
    async def endpoint(request: Request) -> Response:
        identity = d.identify(request)
        if identity is None:
            return login_redirect(request)
        call = Call(request, identity, d.auth.csrf_token(identity))
        try:
            return await run_in_threadpool(handler, d, call)
        except BadRequest as e:
            return error_page(request, e.status, str(e))
    return endpoint


def action(d: Dashboard, handler: Handler) -> Endpoint:
    """A POST form: needs a login and, for cookie sessions, the CSRF token of that session."""
    async def endpoint(request: Request) -> Response:
        identity = d.identify(request)
        if identity is None:
            return error_page(request, 403, "Sign in first.")
        try:
            form = parse_form(await read_body(request))
        except BadRequest as e:
            return error_page(request, e.status, str(e))
        submitted = form.get("csrf") or request.headers.get(CSRF_HEADER)
        if not same_origin(request) or not d.auth.check_csrf(identity, submitted):
            return error_page(request, 403, "This form has expired. Go back, reload the page and try again.")
        call = Call(request, identity, d.auth.csrf_token(identity), form)
        try:
            return await run_in_threadpool(handler, d, call)
        except BadRequest as e:
            return error_page(request, e.status, str(e))
    return endpoint


def api(d: Dashboard, handler: Handler, *, write: bool = False, params: tuple[str, ...] = ()) -> Endpoint:
    """A JSON endpoint: 401 without a token or session; writes from a cookie session need the CSRF header.

    Query parameters other than `params` are refused, so a misspelt filter is an error rather than ignored.
    """
    async def endpoint(request: Request) -> Response:
        identity = d.identify(request)
        if identity is None:
            return api_error(request, 401, "authentication required: send 'Authorization: Bearer <token>'")
        body: Any = None
        try:
            unknown = sorted(set(request.query_params) - set(params))
            if unknown:
                raise BadRequest(f"unknown query parameter {unknown[0]!r}")
            if write:
                if not same_origin(request) or not d.auth.check_csrf(identity, request.headers.get(CSRF_HEADER)):
                    return api_error(request, 403, f"missing or wrong {CSRF_HEADER} header")
                raw = await read_body(request)
                body = _json_body(raw) if raw.strip() else None
            return await run_in_threadpool(handler, d, Call(request, identity, d.auth.csrf_token(identity),
                                                            body=body))
        except BadRequest as e:
            return api_error(request, e.status, str(e))
    return endpoint


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest("the body is not valid JSON") from e


def int_param(value: str | None, name: str, default: int, lo: int, hi: int) -> int:
    """A bounded integer from a query string or path; BadRequest when it is not one."""
    if value is None:
        return default
    if not value.isascii() or not value.lstrip("-").isdigit() or len(value) > 12:
        raise BadRequest(f"{name} must be an integer")
    number = int(value)
    if not lo <= number <= hi:
        raise BadRequest(f"{name} must be between {lo} and {hi}")
    return number


def choice_param(value: str | None, name: str, choices: tuple[str, ...], default: str | None) -> str | None:
    if value is None:
        return default
    if value not in choices:
        raise BadRequest(f"{name} must be one of: {', '.join(choices)}")
    return value


def path_id(request: Request, name: str = "id") -> int:
    """A positive database id from the path; 404 when it is not one (so no id reaches the database unchecked)."""
    value = str(request.path_params.get(name, ""))
    if not value.isascii() or not value.isdigit() or len(value) > 10 or not 1 <= int(value) <= 2**31 - 1:
        raise BadRequest("not found", 404)
    return int(value)
