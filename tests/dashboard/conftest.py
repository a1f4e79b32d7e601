"""Dashboard fixtures: a seeded database, the dashboard served on loopback, a small HTTP client."""

from __future__ import annotations

import gzip
import http.client
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from monitor.dashboard.server import background, build_app
from tests.dashboard.seed import PASSWORD, USER, Seeded, config, runtime, seed


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    set_cookies: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Client:
    """A plain HTTP client that keeps cookies and never follows redirects, so each answer can be checked."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, method: str, path: str, *, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Reply:
        u = urlsplit(self.base)
        conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", u.port, timeout=30)
        all_headers = {"Accept-Encoding": "gzip", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=all_headers)
        resp = conn.getresponse()
        data = resp.read()
        got = {k.lower(): v for k, v in resp.getheaders()}
        set_cookies = resp.headers.get_all("set-cookie") or []
        for raw in set_cookies:
            name, _, rest = raw.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in raw.lower():
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        conn.close()
        if got.get("content-encoding") == "gzip":
            data = gzip.decompress(data)
        return Reply(resp.status, got, data, list(set_cookies))

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post_form(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None) -> Reply:
        return self.request("POST", path, body=urlencode(form).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def csrf(self, path: str = "/") -> str:
        """The CSRF token a page hands out to this session's forms."""
        m = re.search(r'name="csrf" value="([^"]+)"', self.get(path).text)
        assert m, "no CSRF token on the page"
        return m.group(1)

    def login(self, user: str = USER, password: str = PASSWORD) -> Reply:
        page = self.get("/login").text
        nonce = re.search(r'name="csrf" value="([^"]+)"', page)
        assert nonce
        return self.post_form("/login", {"csrf": nonce.group(1), "user": user, "password": password, "next": "/"})


@pytest.fixture
def seeded(db_url: str) -> Iterator[Seeded]:
    rt = runtime(db_url, config())
    try:
        yield seed(rt)
    finally:
        rt.close()


@pytest.fixture
def base_url(seeded: Seeded) -> Iterator[str]:
    with background(build_app(seeded.rt)) as url:
        yield url


@pytest.fixture
def anon(base_url: str) -> Client:
    return Client(base_url)


@pytest.fixture
def client(base_url: str) -> Client:
    c = Client(base_url)
    assert c.login().status == 303
    return c
