"""Dashboard actions: signing in and out, labelling articles, marking false alarms, retrying alerts."""

from __future__ import annotations

import hmac
import logging
import secrets

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from alerts.outbox import retry
from db.session import transaction
from monitor.dashboard import queries, render
from monitor.dashboard.auth import LOGIN_COOKIE, SESSION_COOKIE
from monitor.dashboard.guard import BadRequest, Call, Dashboard, parse_form, path_id, read_body, safe_next

log = logging.getLogger(__name__)


def _cookie_path(request: Request) -> str:
    return render.base_path(request) or "/"


def redirect(request: Request, path: str) -> Response:
    return RedirectResponse(render.base_path(request) + path, status_code=303, headers=render.SECURITY_HEADERS)


def _login_page(d: Dashboard, request: Request, *, status: int = 200, error: str | None = None,
                name: str = "", nxt: str = "/") -> Response:
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    response = render.html(request, "login.html", status, title="Sign in", configured=d.auth.configured,
                           error=error, name=name, next=nxt, login_nonce=nonce)
    response.set_cookie(LOGIN_COOKIE, nonce, max_age=3600, path=_cookie_path(request), httponly=True,
                        samesite="strict", secure=d.auth.cfg.secure_cookies)
    return response


async def login_form(d: Dashboard, request: Request) -> Response:
    nxt = safe_next(request.query_params.get("next"), render.base_path(request) + "/")
    if d.identify(request) is not None:
        return RedirectResponse(nxt, status_code=303, headers=render.SECURITY_HEADERS)
    return _login_page(d, request, nxt=nxt)


async def login(d: Dashboard, request: Request) -> Response:
    """Check a user and password (or the access token alone) and start a cookie session."""
    try:
        form = parse_form(await read_body(request))
    except BadRequest as e:
        return _login_page(d, request, status=e.status, error=str(e))
    nxt = safe_next(form.get("next"), render.base_path(request) + "/")
    name = form.get("user", "").strip()[:64]
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not hmac.compare_digest(nonce, form.get("csrf", "")):
        return _login_page(d, request, status=403, error="The sign-in form expired; please try again.", name=name,
                           nxt=nxt)
    client = request.client.host if request.client else "?"
    wait = d.auth.throttle.blocked_for(client)
    if wait:
        return _login_page(d, request, status=429, error=f"Too many failed attempts; try again in {int(wait) + 1} s.",
                           name=name, nxt=nxt)
    user = await run_in_threadpool(d.auth.check_login, name, form.get("password", ""))
    if user is None:
        d.auth.throttle.failed(client)
        # Only configured names are logged: people type passwords into the user field by mistake.
        who = name if d.auth.known_user(name) else "(token)" if not name else "(unknown user)"
        log.warning("dashboard sign-in failed for %s from %s", who, client)
        return _login_page(d, request, status=401, error="Wrong user, password or token.", name=name, nxt=nxt)
    d.auth.throttle.succeeded(client)
    log.info("dashboard sign-in: %s from %s", user, client)
    response = RedirectResponse(nxt, status_code=303, headers=render.SECURITY_HEADERS)
    response.set_cookie(SESSION_COOKIE, d.auth.issue(user), max_age=d.auth.max_age_s, path=_cookie_path(request),
                        httponly=True, samesite="lax", secure=d.auth.cfg.secure_cookies)
    response.delete_cookie(LOGIN_COOKIE, path=_cookie_path(request))
    return response


def logout(d: Dashboard, call: Call) -> Response:
    response = redirect(call.request, "/login")
    response.delete_cookie(SESSION_COOKIE, path=_cookie_path(call.request))
    return response


def label(d: Dashboard, call: Call) -> Response:
    article_id = path_id(call.request)
    value = call.form.get("label", "")
    if value not in queries.LABELS:
        raise BadRequest("The label must be 'relevant' or 'irrelevant'.")
    with transaction(d.rt.factory) as s:
        row = queries.label_article(s, article_id, value)
    if row is None:
        raise BadRequest("No such article.", 404)
    log.info("article %s labelled %s by %s", article_id, value, call.identity.user)
    return redirect_back(call, "/articles")


def development_status(d: Dashboard, call: Call) -> Response:
    dev_id = path_id(call.request)
    status = call.form.get("status", "")
    if status not in ("active", "false_alarm"):
        raise BadRequest("The status must be 'active' or 'false_alarm'.")
    with transaction(d.rt.factory) as s:
        found = queries.set_development_status(s, dev_id, status)
    if not found:
        raise BadRequest("No such development.", 404)
    log.info("development %s marked %s by %s", dev_id, status, call.identity.user)
    return redirect(call.request, f"/developments/{dev_id}")


def retry_alert(d: Dashboard, call: Call) -> Response:
    alert_id = path_id(call.request)
    with transaction(d.rt.factory) as s:
        n = retry(s, [alert_id])
    log.info("alert %s put back in the queue by %s (%d row)", alert_id, call.identity.user, n)
    return redirect_back(call, "/alerts")


def retry_dead(d: Dashboard, call: Call) -> Response:
    with transaction(d.rt.factory) as s:
        n = retry(s, None)
    log.info("%d dead alerts put back in the queue by %s", n, call.identity.user)
    return redirect_back(call, "/alerts")


def redirect_back(call: Call, default: str) -> Response:
    root = render.base_path(call.request)
    target = safe_next(call.form.get("next"), root + default)
    return RedirectResponse(target, status_code=303, headers=render.SECURITY_HEADERS)
