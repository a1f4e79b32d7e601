"""The news site server: articles, feeds and redirects over HTTP on 127.0.0.1, with validators."""

from __future__ import annotations

import hashlib
import threading
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

from monitor.newssite.pages import render_article, render_atom, render_home, render_listing, render_rss

FeedFormat = Literal["rss", "atom"]
# Formats of the demo outlets; any other outlet gets one chosen from its name, stable across runs.
FEED_FORMATS: dict[str, FeedFormat] = {
    "wirewatch": "rss",
    "daily-meridian": "atom",
    "lakeshore-tribune": "atom",
    "state-dept": "rss",
}
ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


@dataclass(frozen=True)
class SiteArticle:
    """One article (or official release) the site serves at /outlets/<outlet>/<slug>.html."""

    slug: str
    outlet: str
    title: str
    paragraphs: tuple[str, ...]
    published: datetime
    official: bool = False
    language: str = "en"
    section: str = "World"

    @property
    def path(self) -> str:
        return f"/outlets/{self.outlet}/{self.slug}.html"


@dataclass
class PathStats:
    """What the site sent for one path."""

    requests: int = 0
    bytes_sent: int = 0
    not_modified: int = 0


@dataclass(frozen=True)
class _Resource:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    last_modified: datetime | None = None
    location: str | None = None
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", '"' + hashlib.sha256(self.body).hexdigest()[:20] + '"')


class NewsSite:
    """Serves articles, per-outlet feeds, a home page and robots.txt, with ETag/Last-Modified."""

    def __init__(
        self,
        articles: Iterable[SiteArticle] = (),
        feed_formats: Mapping[str, FeedFormat] | None = None,
        feed_size: int = 50,
    ) -> None:
        self._lock = threading.Lock()
        self._articles: dict[str, SiteArticle] = {}
        self._formats = {**FEED_FORMATS, **(feed_formats or {})}
        self._feed_size = feed_size
        self._redirects: dict[str, tuple[int, str]] = {}
        self._cache: dict[str, _Resource] = {}
        self._started = _second(datetime.now(UTC))
        self._changed: dict[str, datetime] = {}
        self._stats: dict[str, PathStats] = {}
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""
        for article in articles:
            self._articles[article.path] = article
            self._changed[article.path] = _second(article.published)

    def serve(self) -> str:
        """Start serving on 127.0.0.1 (an ephemeral port) in a daemon thread; return the base URL."""
        if self._server is not None:
            return self.base_url
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        with self._lock:
            self._cache.clear()
        # A short poll interval keeps stop() quick; the loop is idle in select() between polls.
        threading.Thread(target=server.serve_forever, args=(0.05,), name="newssite", daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> NewsSite:
        self.serve()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def publish(self, article: SiteArticle) -> None:
        """Add (or replace) an article; its outlet's feed, the listings and the home page change."""
        with self._lock:
            self._articles[article.path] = article
            now = self._tick()
            self._changed[article.path] = now
            self._changed["outlet:" + article.outlet] = now
            self._cache.clear()

    def add_redirect(self, path: str, location: str, status: int = 302) -> None:
        """Answer *path* with a redirect to *location* (it takes precedence over any article there)."""
        with self._lock:
            self._redirects[path] = (status, location)
            self._cache.clear()

    @property
    def articles(self) -> list[SiteArticle]:
        with self._lock:
            return list(self._articles.values())

    def outlets(self) -> list[str]:
        return sorted({a.outlet for a in self.articles})

    def feed_format(self, outlet: str) -> FeedFormat:
        if outlet in self._formats:
            return self._formats[outlet]
        return "atom" if zlib.crc32(outlet.encode()) % 2 else "rss"

    def feed_urls(self) -> dict[str, str]:
        """Outlet → absolute feed URL (the site must be serving)."""
        return {o: f"{self.base_url}/feeds/{o}.{self.feed_format(o)}" for o in self.outlets()}

    def article_url(self, article: SiteArticle) -> str:
        return self.base_url + article.path

    @property
    def requests(self) -> dict[str, PathStats]:
        """Path → requests and bytes sent so far (a snapshot)."""
        with self._lock:
            return {p: PathStats(s.requests, s.bytes_sent, s.not_modified) for p, s in self._stats.items()}

    def reset_requests(self) -> None:
        with self._lock:
            self._stats.clear()

    def _tick(self) -> datetime:
        # Last-Modified has one-second resolution: every change must move it forward.
        latest = max([self._started, *self._changed.values()])
        return max(_second(datetime.now(UTC)), latest + timedelta(seconds=1))

    def resource(self, path: str) -> _Resource:
        with self._lock:
            cached = self._cache.get(path)
            if cached is None:
                cached = self._cache[path] = self._render(path)
            return cached

    def _render(self, path: str) -> _Resource:
        if path in self._redirects:
            status, location = self._redirects[path]
            return _Resource(status, location=location, content_type="text/plain")
        if path == "/robots.txt":
            return _Resource(200, ROBOTS_TXT, "text/plain; charset=utf-8", self._started)
        by_outlet = self._by_outlet()
        if path == "/":
            body = render_home(self.base_url, by_outlet, self.feed_format)
            return _Resource(200, body, last_modified=self._outlet_changed(*by_outlet))
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "feeds" and "." in parts[1]:
            outlet, ext = parts[1].rsplit(".", 1)
            if outlet in by_outlet and ext == self.feed_format(outlet):
                return self._feed(outlet, by_outlet[outlet])
        if len(parts) == 2 and parts[0] == "outlets" and parts[1] in by_outlet:
            body = render_listing(self.base_url, parts[1], by_outlet[parts[1]])
            return _Resource(200, body, last_modified=self._outlet_changed(parts[1]))
        article = self._articles.get(path)
        if article is None:
            return _Resource(404, b"<html><body><h1>404 Not Found</h1></body></html>")
        related = [a for a in by_outlet[article.outlet] if a is not article][:6]
        body = render_article(self.base_url, article, related, self._feed_path(article.outlet))
        return _Resource(200, body, last_modified=self._changed[path])

    def _feed(self, outlet: str, articles: list[SiteArticle]) -> _Resource:
        items = articles[: self._feed_size]
        url = self.base_url + self._feed_path(outlet)
        if self.feed_format(outlet) == "atom":
            body, ctype = render_atom(self.base_url, url, outlet, items), "application/atom+xml"
        else:
            body, ctype = render_rss(self.base_url, url, outlet, items), "application/rss+xml"
        return _Resource(200, body, ctype + "; charset=utf-8", self._outlet_changed(outlet))

    def _feed_path(self, outlet: str) -> str:
        return f"/feeds/{outlet}.{self.feed_format(outlet)}"

    def _by_outlet(self) -> dict[str, list[SiteArticle]]:
        grouped: dict[str, list[SiteArticle]] = {}
        for article in sorted(self._articles.values(), key=lambda a: a.published, reverse=True):
            grouped.setdefault(article.outlet, []).append(article)
        return grouped

    def _outlet_changed(self, *outlets: str) -> datetime:
        times = [self._started]
        for outlet in outlets:
            times.append(self._changed.get("outlet:" + outlet, self._started))
            times.extend(self._changed[a.path] for a in self._articles.values() if a.outlet == outlet)
        return max(times)

    def _count(self, path: str, sent: int, not_modified: bool) -> None:
        with self._lock:
            stats = self._stats.setdefault(path, PathStats())
            stats.requests += 1
            stats.bytes_sent += sent
            stats.not_modified += int(not_modified)


def _second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


def is_not_modified(resource: _Resource, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, If-Modified-Since only otherwise."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or resource.etag in tags
    if if_modified_since and resource.last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        return since.tzinfo is not None and resource.last_modified <= since
    return False


def is_fresh(resource: _Resource, request: BaseHTTPRequestHandler) -> bool:
    """Whether the client already holds `resource` (its validators match): the answer is then a 304."""
    return resource.status == 200 and is_not_modified(
        resource, request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")
    )


def send_resource(request: BaseHTTPRequestHandler, resource: _Resource, fresh: bool, send_body: bool = True) -> None:
    """Answer `request` with `resource` and its validators; a 304 when `fresh`, with no body."""
    request.send_response(304 if fresh else resource.status)
    request.send_header("Content-Type", resource.content_type)
    request.send_header("Content-Length", "0" if fresh else str(len(resource.body)))
    request.send_header("ETag", resource.etag)
    if resource.last_modified is not None:
        request.send_header("Last-Modified", format_datetime(resource.last_modified, usegmt=True))
    if resource.location is not None:
        request.send_header("Location", resource.location)
    request.end_headers()
    if send_body and not fresh and resource.body:
        request.wfile.write(resource.body)


def _handler_for(site: NewsSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "newssite/1.0"

        def do_GET(self) -> None:
            self._answer(send_body=True)

        def do_HEAD(self) -> None:
            self._answer(send_body=False)

        def _answer(self, send_body: bool) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            resource = site.resource(path)
            fresh = is_fresh(resource, self)
            # Counted before sending so a client that has its answer always sees it counted.
            site._count(path, 0 if fresh or not send_body else len(resource.body), fresh)
            send_resource(self, resource, fresh, send_body)

        def log_message(self, format: str, *args: object) -> None:
            """Requests are counted in ``NewsSite.requests``; stderr stays quiet."""

    return Handler
