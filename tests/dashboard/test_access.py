"""Nothing is readable or editable without a login or the token; actions need the session's CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from starlette.routing import Route

from db.models import Alert, Development, Label
from db.session import transaction
from monitor.dashboard import PUBLIC, routes
from monitor.dashboard.server import background, build_app
from tests.dashboard.conftest import Client
from tests.dashboard.seed import TOKEN, Seeded, config, runtime

SAMPLE = {"id": "1", "code": "XK"}


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLE[m.group(1)], path)


def every_route(seeded: Seeded) -> list[tuple[str, str]]:
    out = []
    for r in routes(seeded.rt):
        assert isinstance(r, Route)
        for method in sorted(r.methods or ()):
            if method != "HEAD":
                out.append((method, r.path))
    return out


def _state(seeded: Seeded) -> tuple[int, list[str], list[str]]:
    with transaction(seeded.rt.factory) as s:
        return (len(s.scalars(select(Label)).all()), list(s.scalars(select(Alert.status).order_by(Alert.id))),
                list(s.scalars(select(Development.status).order_by(Development.id))))


def assert_refused(reply_status: int, location: str, method: str, path: str) -> None:
    if reply_status == 303:
        assert location.startswith("/login?next="), f"{method} {path} redirected to {location}"
    else:
        assert reply_status in (401, 403), f"{method} {path} answered {reply_status} without credentials"


@pytest.mark.parametrize("credentials", [
    {},
    {"Authorization": "Bearer wrong-token-wrong-token"},
    {"Authorization": f"Basic {TOKEN}"},
    {"Cookie": "dw_session=eyJ1c2VyIjoiYW5hbHlzdCJ9.forged"},
])
def test_every_route_refuses_requests_without_valid_credentials(seeded: Seeded, base_url: str,
                                                               credentials: dict[str, str]) -> None:
    before = _state(seeded)
    anon = Client(base_url)
    checked = 0
    for method, path in every_route(seeded):
        url = concrete(path)
        body = b"label=relevant&status=false_alarm&csrf=x&user=&password=nope" if method == "POST" else None
        headers = {"Content-Type": "application/x-www-form-urlencoded", **credentials}
        reply = anon.request(method, url, body=body, headers=headers)
        checked += 1
        if (method, path) == ("GET", "/login"):
            assert reply.status == 200 and "Kosovo" not in reply.text
            continue
        if (method, path) == ("POST", "/login"):
            assert reply.status in (401, 403) and "dw_session" not in anon.cookies
            continue
        assert_refused(reply.status, reply.location, method, url)
        assert "Kosovo" not in reply.text, f"{method} {url} leaked data"
    assert checked == len(every_route(seeded)) >= 20
    assert _state(seeded) == before


def test_only_the_login_form_is_public(seeded: Seeded) -> None:
    assert {(m, p) for m, p in every_route(seeded)} >= PUBLIC
    assert {("GET", "/login"), ("POST", "/login")} == PUBLIC


def test_token_opens_the_api_and_pages(seeded: Seeded, anon: Client) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert anon.get("/api/countries", headers=bearer).status == 200
    assert anon.get("/", headers=bearer).status == 200
    assert anon.get("/developments.csv", headers=bearer).status == 200


def test_login_with_password_or_token_and_logout(anon: Client) -> None:
    assert anon.login(password="wrong password").status == 401
    assert "dw_session" not in anon.cookies
    assert anon.login(user="", password=TOKEN).status == 303
    assert anon.get("/").status == 200
    anon.cookies.clear()
    reply = anon.login()
    assert reply.status == 303 and reply.location == "/"
    assert anon.get("/sources").status == 200
    assert anon.post_form("/logout", {"csrf": anon.csrf()}).status == 303
    assert anon.get("/sources").status == 303


def test_login_form_refuses_a_post_without_its_nonce(anon: Client) -> None:
    reply = anon.post_form("/login", {"user": "analyst", "password": "correct horse battery"})
    assert reply.status == 403 and "dw_session" not in anon.cookies


def test_login_next_never_leaves_the_site(anon: Client) -> None:
    page = anon.get("/login?next=//evil.example.org/x").text
    nonce = re.search(r'name="csrf" value="([^"]+)"', page)
    assert nonce and "evil" not in page
    reply = anon.post_form("/login", {"csrf": nonce.group(1), "user": "", "password": TOKEN,
                                      "next": "https://evil.example.org/"})
    assert reply.status == 303 and reply.location == "/"


def test_repeated_failures_are_throttled(anon: Client) -> None:
    statuses = [anon.login(password=f"guess {i}").status for i in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    assert anon.login().status == 429  # even the right password waits


def test_actions_need_the_csrf_token_of_the_session(seeded: Seeded, client: Client) -> None:
    article = f"/articles/{seeded.unlabelled_article}/label"
    before = _state(seeded)
    assert client.post_form(article, {"label": "relevant"}).status == 403
    assert client.post_form(article, {"label": "relevant", "csrf": "not-the-token"}).status == 403
    other = Client(client.base)
    assert other.login(user="", password=TOKEN).status == 303
    assert client.post_form(article, {"label": "relevant", "csrf": other.csrf()}).status == 403
    token = client.csrf()
    assert client.post_form(article, {"label": "relevant", "csrf": token},
                            headers={"Origin": "https://evil.example.org"}).status == 403
    assert _state(seeded) == before
    assert client.post_form(article, {"label": "relevant", "csrf": token}).status == 303
    assert _state(seeded)[0] == before[0] + 1


def test_api_writes_from_a_browser_session_need_the_csrf_header(seeded: Seeded, client: Client) -> None:
    path = f"/api/articles/{seeded.unlabelled_article}/label"
    body = b'{"label": "irrelevant"}'
    assert client.request("POST", path, body=body).status == 403
    reply = client.request("POST", path, body=body, headers={"X-CSRF-Token": client.csrf()})
    assert reply.status == 200 and reply.json()["label"] == "irrelevant"


def test_a_dashboard_without_credentials_lets_nobody_in(db_url: str) -> None:
    cfg = config().model_copy(update={"dashboard": config().dashboard.model_copy(update={"token": None,
                                                                                          "users": ()})})
    rt = runtime(db_url, cfg)
    try:
        with background(build_app(rt)) as url:
            c = Client(url)
            assert "No dashboard credentials are configured" in c.get("/login").text
            assert c.login(user="", password="").status == 401
            assert c.login(user="", password=TOKEN).status == 401
            assert c.get("/api/developments", headers={"Authorization": "Bearer "}).status == 401
    finally:
        rt.close()


def test_pages_carry_strict_security_headers(client: Client) -> None:
    reply = client.get("/")
    csp = reply.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "frame-ancestors 'none'" in csp
    assert reply.headers["x-content-type-options"] == "nosniff"
    assert reply.headers["cache-control"] == "no-store"
    reply = Client(client.base).login()
    session = next(c for c in reply.set_cookies if c.startswith("dw_session="))
    assert "httponly" in session.lower() and "samesite=lax" in session.lower()


def test_a_proxy_that_rewrites_host_still_lets_real_forms_through(seeded: Seeded, client: Client) -> None:
    path = f"/articles/{seeded.unlabelled_article}/label"
    token = client.csrf()
    proxied = {"Origin": "https://dash.example.org", "X-Forwarded-Host": "dash.example.org"}
    assert client.post_form(path, {"label": "relevant", "csrf": token}, headers=proxied).status == 303
    spoofed = {"Origin": "https://evil.example.org", "X-Forwarded-Host": "dash.example.org"}
    assert client.post_form(path, {"label": "irrelevant", "csrf": token}, headers=spoofed).status == 403
