"""Dashboard credentials: password hashes, the access token, signed session cookies and CSRF tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from monitor.config import DashboardConfig

SESSION_COOKIE = "dw_session"
LOGIN_COOKIE = "dw_login"
TOKEN_USER = "token"
# scrypt cost: about 50 ms and 16 MiB per check on this hardware, so guessing is slow but logging in is not.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2_MIN_ITERATIONS = 100_000


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    """A salted scrypt hash in the form the config's `password_hash` takes."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, encoded: str) -> bool:
    """Check `password` against an scrypt or pbkdf2_sha256 hash; malformed hashes never match."""
    parts = encoded.split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
            salt, expected = _unb64(parts[4]), _unb64(parts[5])
            digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected),
                                    maxmem=256 * n * r * p + 1024 * 1024)
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            iterations = max(int(parts[1]), 1)
            salt, expected = _unb64(parts[2]), _unb64(parts[3])
            digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations, dklen=len(expected))
        else:
            return False
    except (ValueError, OverflowError, MemoryError):
        return False
    return hmac.compare_digest(digest, expected)


@dataclass(frozen=True)
class Identity:
    """Who is asking: a configured user, or TOKEN_USER; `sid` is set for cookie sessions (CSRF applies)."""

    user: str
    sid: str | None = None

    @property
    def via_cookie(self) -> bool:
        return self.sid is not None


class LoginThrottle:
    """Refuses logins from an address after too many recent failures."""

    def __init__(self, max_failures: int = 10, window_s: float = 300.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] < now - self.window_s:
            q.popleft()
        return q

    def blocked_for(self, key: str) -> float:
        """Seconds until `key` may try again; 0 when it may now."""
        now = time.monotonic()
        with self._lock:
            q = self._recent(key, now)
            return q[0] + self.window_s - now if len(q) >= self.max_failures else 0.0

    def failed(self, key: str) -> None:
        with self._lock:
            self._recent(key, time.monotonic()).append(time.monotonic())
            if len(self._failures) > 10_000:
                self._failures.clear()

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


class Authenticator:
    """Checks credentials from the config and issues/verifies signed session cookies."""

    def __init__(self, cfg: DashboardConfig) -> None:
        self.cfg = cfg
        self._token = cfg.token.get_secret_value().encode() if cfg.token else None
        self._users = {u.name: u.password_hash.get_secret_value() for u in cfg.users}
        if cfg.session_secret is not None:
            self._key = hashlib.sha256(b"dashboard-session|" + cfg.session_secret.get_secret_value().encode()).digest()
        elif self._token is not None:
            # Derived from the token so that replicas sharing a config accept each other's cookies.
            self._key = hmac.new(self._token, b"dashboard-session", hashlib.sha256).digest()
        else:
            self._key = os.urandom(32)
        self.throttle = LoginThrottle()

    @property
    def configured(self) -> bool:
        return self._token is not None or bool(self._users)

    @property
    def max_age_s(self) -> int:
        return int(self.cfg.session_hours * 3600)

    def known_user(self, name: str) -> bool:
        return name in self._users

    def check_token(self, token: str) -> bool:
        if self._token is None or not token:
            return False
        return hmac.compare_digest(hashlib.sha256(token.encode()).digest(), hashlib.sha256(self._token).digest())

    def check_login(self, user: str, password: str) -> str | None:
        """The identity's user name when the credentials are right: a user and password, or the token alone."""
        if not user:
            return TOKEN_USER if self.check_token(password) else None
        encoded = self._users.get(user)
        if encoded is None:
            # Spend the same time as a real check so that user names cannot be told apart by timing.
            verify_password(password, hash_password("x"))
            return None
        return user if verify_password(password, encoded) else None

    def bearer(self, authorization: str | None) -> Identity | None:
        if not authorization or authorization[:7].lower() != "bearer ":
            return None
        return Identity(TOKEN_USER) if self.check_token(authorization[7:].strip()) else None

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def issue(self, user: str, now: float | None = None) -> str:
        """A session cookie value for `user`."""
        expires = int((now or time.time()) + self.max_age_s)
        payload = _b64(f"{user}|{secrets.token_urlsafe(16)}|{expires}".encode())
        return f"{payload}.{self._sign(payload)}"

    def session(self, cookie: str | None, now: float | None = None) -> Identity | None:
        """The identity in a session cookie, if it is genuine, unexpired and its user still configured."""
        if not cookie or cookie.count(".") != 1:
            return None
        payload, signature = cookie.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            user, sid, expires = _unb64(payload).decode().split("|")
            alive = int(expires) > (now or time.time())
        except (ValueError, UnicodeDecodeError):
            return None
        known = user in self._users or (user == TOKEN_USER and self._token is not None)
        return Identity(user, sid) if alive and known else None

    def csrf_token(self, identity: Identity) -> str:
        """The token forms must send back; bound to the session, so a stolen page is useless in another."""
        return self._sign(f"csrf|{identity.sid or ''}")

    def check_csrf(self, identity: Identity, submitted: str | None) -> bool:
        if not identity.via_cookie:
            return True  # a bearer token is never sent by a browser on its own, so it cannot be forged cross-site
        return bool(submitted) and hmac.compare_digest(str(submitted), self.csrf_token(identity))
