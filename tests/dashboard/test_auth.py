"""Password hashes, the access token, session cookies and CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import time

import pytest
from pydantic import SecretStr, ValidationError

from monitor.config import AppConfig, DashboardConfig, DashboardUser
from monitor.dashboard.auth import TOKEN_USER, Authenticator, Identity, hash_password, verify_password

TOKEN = "an-access-token-long-enough"


def pbkdf2(password: str, iterations: int = 1000) -> str:
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    enc = base64.urlsafe_b64encode
    return f"pbkdf2_sha256${iterations}${enc(salt).decode()}${enc(digest).decode()}"


def auth(**kw: object) -> Authenticator:
    users = (DashboardUser(name="ana", password_hash=SecretStr(hash_password("s3cret pass"))),
             DashboardUser(name="bo", password_hash=SecretStr(pbkdf2("other pass"))))
    return Authenticator(DashboardConfig.model_validate({"token": TOKEN, "users": users, **kw}))


def test_scrypt_and_pbkdf2_hashes_verify_and_malformed_ones_never_match() -> None:
    h = hash_password("s3cret pass")
    assert h.startswith("scrypt$") and h != hash_password("s3cret pass")  # salted
    assert verify_password("s3cret pass", h) and not verify_password("s3cret pas", h)
    assert verify_password("other pass", pbkdf2("other pass"))
    for bad in ("", "scrypt$1$2", "md5$abc$def", "scrypt$x$8$1$AA$AA", "pbkdf2_sha256$0$!!$!!"):
        assert not verify_password("anything", bad)


def test_check_login_accepts_users_and_the_token_alone() -> None:
    a = auth()
    assert a.check_login("ana", "s3cret pass") == "ana"
    assert a.check_login("bo", "other pass") == "bo"
    assert a.check_login("", TOKEN) == TOKEN_USER
    assert a.check_login("ana", TOKEN) is None
    assert a.check_login("nobody", "s3cret pass") is None
    assert a.bearer(f"Bearer {TOKEN}") == Identity(TOKEN_USER)
    assert a.bearer(f"bearer {TOKEN}") == Identity(TOKEN_USER)
    assert a.bearer("Bearer nope") is None and a.bearer(TOKEN) is None and a.bearer(None) is None


def test_session_cookies_are_signed_expire_and_die_with_their_user() -> None:
    a = auth(session_hours=1)
    cookie = a.issue("ana")
    who = a.session(cookie)
    assert who is not None and who.user == "ana" and who.via_cookie
    payload, sig = cookie.split(".")
    assert a.session(payload + "." + sig[:-2] + "AA") is None
    forged = base64.urlsafe_b64encode(b"bo|x|9999999999").decode().rstrip("=")
    assert a.session(f"{forged}.{sig}") is None
    assert a.session(cookie, now=time.time() + 3700) is None
    assert auth(session_secret="another-secret-of-length").session(cookie) is None
    without_ana = Authenticator(DashboardConfig(token=SecretStr(TOKEN)))
    assert without_ana.session(cookie) is None


def test_csrf_tokens_are_bound_to_the_session() -> None:
    a = auth()
    one, two = a.session(a.issue("ana")), a.session(a.issue("ana"))
    assert one is not None and two is not None
    assert a.check_csrf(one, a.csrf_token(one))
    assert not a.check_csrf(one, a.csrf_token(two)) and not a.check_csrf(one, None) and not a.check_csrf(one, "")
    assert a.check_csrf(Identity(TOKEN_USER), None)  # bearer requests are not sent by browsers on their own


def test_replicas_sharing_a_token_accept_each_others_cookies() -> None:
    assert auth().session(auth().issue("ana")) is not None
    no_secret = DashboardConfig(users=(DashboardUser(name="ana", password_hash=SecretStr(pbkdf2("x"))),))
    assert Authenticator(no_secret).session(Authenticator(no_secret).issue("ana")) is None


def test_config_rejects_weak_tokens_and_unknown_hash_formats_and_keeps_secrets_out_of_dumps() -> None:
    with pytest.raises(ValidationError, match="at least 16"):
        DashboardConfig.model_validate({"token": "short"})
    with pytest.raises(ValidationError, match="scrypt"):
        DashboardUser.model_validate({"name": "ana", "password_hash": "plaintext"})
    assert DashboardConfig.model_validate({"token": ""}).token is None
    cfg = AppConfig.model_validate({"dashboard": {"token": TOKEN}})
    assert TOKEN in cfg.secrets() and TOKEN not in cfg.model_dump_json()


def test_throttle_blocks_after_repeated_failures_and_forgives_on_success() -> None:
    a = auth()
    for _ in range(10):
        assert a.throttle.blocked_for("1.2.3.4") == 0
        a.throttle.failed("1.2.3.4")
    assert a.throttle.blocked_for("1.2.3.4") > 0 and a.throttle.blocked_for("5.6.7.8") == 0
    a.throttle.succeeded("1.2.3.4")
    assert a.throttle.blocked_for("1.2.3.4") == 0
