"""The benchmark news site: generated articles written as static files and served by nginx on 127.0.0.1."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path

from monitor.newssite import NewsSite, SiteArticle
from monitor.newssite.pages import render_article, render_atom, render_home, render_listing, render_rss

NGINX_CONF = """\
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{
        text/html html; text/xml xml; text/plain txt;
        application/rss+xml rss; application/atom+xml atom;
    }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/html text/xml text/plain application/rss+xml application/atom+xml;
    log_format bench '$msec $status $bytes_sent $request_uri';
    access_log {run}/access.log bench;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        index index.html;
    }}
}}
"""
ROBOTS = b"User-agent: *\nAllow: /\n"


@dataclass(frozen=True)
class Hit:
    """One line of the server's access log."""

    at: float
    status: int
    bytes_sent: int
    path: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)


def nginx_version(binary: str) -> str:
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr.strip()
    return out.split(":", 1)[-1].strip() or "nginx"


class StaticSite:
    """Writes the site (articles, feeds, listing pages, home, sitemap, robots.txt) and serves it.

    nginx gives ETag, Last-Modified and 304 answers for static files; without nginx a threaded
    Python server with the same validators stands in (and the results say so).
    """

    def __init__(self, articles: Iterable[SiteArticle], *, feed_size: int = 1000, root: Path | None = None) -> None:
        self.articles: dict[str, SiteArticle] = {a.path: a for a in articles}
        self.feed_size = feed_size
        self.dir = Path(root or tempfile.mkdtemp(prefix="dw-bench-site-"))
        self.root = self.dir / "www"
        self.run = self.dir / "run"
        self.port = 0
        self.base_url = ""
        self.server = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._formats = NewsSite()

    # --- content -------------------------------------------------------------------------------

    def feed_path(self, outlet: str) -> str:
        return f"/feeds/{outlet}.{self._formats.feed_format(outlet)}"

    def feed_urls(self) -> dict[str, str]:
        return {o: self.base_url + self.feed_path(o) for o in self.outlets()}

    def outlets(self) -> list[str]:
        return sorted({a.outlet for a in self.articles.values()})

    def article_url(self, article: SiteArticle) -> str:
        return self.base_url + article.path

    def _by_outlet(self) -> dict[str, list[SiteArticle]]:
        grouped: dict[str, list[SiteArticle]] = {}
        for a in sorted(self.articles.values(), key=lambda a: a.published, reverse=True):
            grouped.setdefault(a.outlet, []).append(a)
        return grouped

    def write_all(self) -> None:
        by_outlet = self._by_outlet()
        self._write("/robots.txt", ROBOTS)
        for outlet, items in by_outlet.items():
            for i, article in enumerate(items):
                related = (items[:i] + items[i + 1:])[:6]
                self._write(article.path, render_article(self.base_url, article, related, self.feed_path(outlet)))
            self._write_indexes(outlet, items)
        self._write_home(by_outlet)

    def publish(self, article: SiteArticle) -> None:
        """Add an article: its page, then its outlet's feed and listing, the home page and the sitemap."""
        self.articles[article.path] = article
        by_outlet = self._by_outlet()
        items = by_outlet[article.outlet]
        related = [a for a in items if a is not article][:6]
        self._write(article.path, render_article(self.base_url, article, related, self.feed_path(article.outlet)))
        self._write_indexes(article.outlet, items)
        self._write_home(by_outlet)

    def _write_indexes(self, outlet: str, items: list[SiteArticle]) -> None:
        feed_url = self.base_url + self.feed_path(outlet)
        render = render_atom if self.feed_path(outlet).endswith(".atom") else render_rss
        self._write(self.feed_path(outlet), render(self.base_url, feed_url, outlet, items[: self.feed_size]))
        self._write(f"/outlets/{outlet}/index.html", render_listing(self.base_url, outlet, items))

    def _write_home(self, by_outlet: dict[str, list[SiteArticle]]) -> None:
        self._write("/index.html", render_home(self.base_url, by_outlet, self._formats.feed_format))
        self._write("/sitemap.xml", sitemap(self.base_url, self.articles.values()))

    def _write(self, path: str, body: bytes) -> None:
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        previous = target.stat().st_mtime if target.exists() else 0.0
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(body)
        # nginx's validators have one-second resolution: a changed file must move its mtime forward.
        mtime = max(float(int(time.time())), float(int(previous)) + 1.0)
        os.utime(tmp, (mtime, mtime))
        os.replace(tmp, target)

    # --- serving -------------------------------------------------------------------------------

    def start(self) -> str:
        """Write the files and start the server; returns the base URL."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.run.mkdir(parents=True, exist_ok=True)
        self.write_all()
        # Workers of a root master run as an unprivileged user: they must be able to read the tree.
        for path in (self.dir, self.root, *self.root.rglob("*")):
            if path.is_dir():
                path.chmod(0o755)
        binary = nginx_binary()
        if binary:
            conf = self.run / "nginx.conf"
            conf.write_text(NGINX_CONF.format(run=self.run, port=self.port, root=self.root))
            cmd = [binary, "-c", str(conf), "-p", str(self.run), "-e", str(self.run / "error.log"),
                   "-g", "daemon off;"]
            self.server = nginx_version(binary)
        else:
            cmd = [sys.executable, "-m", "bench.fallback", str(self.root), str(self.port),
                   str(self.run / "access.log")]
            self.server = "python http.server (nginx not installed)"
        (self.run / "access.log").touch()
        self._proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self._wait_listening()
        return self.base_url

    def _wait_listening(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._proc is not None
            if self._proc.poll() is not None:
                err = self._proc.stderr.read().decode() if self._proc.stderr else ""
                raise RuntimeError(f"site server exited: {err or self._error_log()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("site server did not start listening")

    def _error_log(self) -> str:
        path = self.run / "error.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> StaticSite:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.remove()

    # --- what was served -----------------------------------------------------------------------

    def log_offset(self) -> int:
        """A mark in the access log; `hits(since=mark)` returns what was served after it."""
        path = self.run / "access.log"
        return path.stat().st_size if path.exists() else 0

    def hits(self, since: int = 0) -> list[Hit]:
        with open(self.run / "access.log", "rb") as f:
            f.seek(since)
            lines = f.read().decode("latin-1").splitlines()
        out = []
        for line in lines:
            parts = line.split(" ", 3)
            if len(parts) == 4:
                out.append(Hit(float(parts[0]), int(parts[1]), int(parts[2]), parts[3]))
        return out

    def page_sizes(self) -> dict[str, int]:
        """Bytes of every article page, by path."""
        return {p: (self.root / p.lstrip("/")).stat().st_size for p in self.articles}


def sitemap(base: str, articles: Iterable[SiteArticle]) -> bytes:
    urls = "".join(
        f"<url><loc>{escape(base + a.path)}</loc><lastmod>{_w3c(a.published)}</lastmod></url>" for a in articles
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{urls}</urlset>\n").encode()


def _w3c(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
