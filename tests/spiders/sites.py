"""Loopback servers and page builders for the sitemap, listing and search spider crawls, and the crawl call."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape as xml_escape

from tests.spiders.runner import CrawlResult, run_spiders

ROBOTS_TXT = b"User-agent: *\nAllow: /\n"


@dataclass(frozen=True)
class Reply:
    """One answer the site gives; ``conditional`` answers carry an ETag and Last-Modified and honour them."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    conditional: bool = True


@dataclass(frozen=True)
class Hit:
    """One request the site received."""

    path: str
    query: str
    headers: dict[str, str]
    at: float


@dataclass
class LoopbackSite:
    """An HTTP server on 127.0.0.1 answering each path (or path?query) from a queue of replies.

    A path with several replies answers them in turn and then repeats the last, so a test can
    script "429 first, then 200". Unknown paths get 404; robots.txt allows everything.
    """

    routes: dict[str, list[Reply]] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    base_url: str = ""
    started: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> LoopbackSite:
        self.serve()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def serve(self) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, name="loopback-site", daemon=True).start()
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def netloc(self) -> str:
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(self, path: str, *replies: Reply) -> str:
        """Answer *path* (optionally with ``?query``) with *replies*; returns its absolute URL."""
        with self._lock:
            self.routes[path] = list(replies)
        return self.url(path)

    def page(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8") -> str:
        return self.route(path, Reply(body=body, content_type=content_type))

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        return self.route(path, Reply(status, headers=(("Location", location),), conditional=False))

    def requests_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def _reply(self, path: str, query: str) -> Reply:
        with self._lock:
            queue = self.routes.get(f"{path}?{query}") if query else None
            queue = queue or self.routes.get(path)
            if not queue:
                return Reply(200, ROBOTS_TXT, "text/plain") if path == "/robots.txt" else Reply(404, b"not found")
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def _record(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


def _handler_for(site: LoopbackSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path, _, query = self.path.partition("?")
            site._record(Hit(path, query, dict(self.headers.items()), time.monotonic()))
            reply = site._reply(path, query)
            headers = dict(reply.headers)
            fresh = False
            if reply.conditional and reply.status == 200:
                headers["ETag"] = '"' + hashlib.sha256(reply.body).hexdigest()[:16] + '"'
                headers["Last-Modified"] = format_datetime(site.started, usegmt=True)
                fresh = self.headers.get("If-None-Match") == headers["ETag"]
            body = b"" if fresh else reply.body
            self.send_response(304 if fresh else reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Requests are kept in ``LoopbackSite.hits``; stderr stays quiet."""

    return Handler


def article_page(title: str, text: str = "The government confirmed the arrangement on Monday.") -> bytes:
    return (f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title></head>"
            f"<body><article><h1>{escape(title)}</h1><p>{escape(text)}</p></article></body></html>").encode()


def news_sitemap(entries: Iterable[tuple[str, str, datetime, str]]) -> bytes:
    """A Google News urlset from (loc, title, publication date, language) tuples."""
    rows = "".join(
        f"<url><loc>{xml_escape(loc)}</loc><news:news><news:publication><news:name>Loopback</news:name>"
        f"<news:language>{lang}</news:language></news:publication>"
        f"<news:publication_date>{when.isoformat()}</news:publication_date>"
        f"<news:title>{xml_escape(title)}</news:title></news:news></url>"
        for loc, title, when, lang in entries)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            b'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + rows.encode() + b"</urlset>")


def sitemap_index(children: Iterable[tuple[str, datetime | None]]) -> bytes:
    rows = "".join(f"<sitemap><loc>{xml_escape(loc)}</loc>"
                   + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "") + "</sitemap>"
                   for loc, when in children)
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/'
            b'sitemap/0.9">' + rows.encode() + b"</sitemapindex>")


def google_news_rss(items: Iterable[tuple[str, str, str, datetime]]) -> bytes:
    """A Google News RSS search answer from (link, headline, outlet, date) tuples."""
    rows = "".join(
        f"<item><title>{xml_escape(title)} - {xml_escape(outlet)}</title><link>{xml_escape(link)}</link>"
        f'<guid isPermaLink="false">{xml_escape(link)}</guid>'
        f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
        f'<source url="https://{outlet.lower().replace(" ", "")}.example">{xml_escape(outlet)}</source></item>'
        for link, title, outlet, when in items)
    return (b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>search - Google News'
            b"</title><link>https://news.google.com/</link>" + rows.encode() + b"</channel></rss>")


def gdelt_json(articles: Iterable[tuple[str, str, datetime]]) -> bytes:
    """A GDELT DOC 2.0 ArtList answer from (url, title, seen date) tuples."""
    return json.dumps({"articles": [
        {"url": url, "url_mobile": "", "title": title, "seendate": when.strftime("%Y%m%dT%H%M%SZ"),
         "socialimage": "", "domain": urlsplit(url).hostname, "language": "English", "sourcecountry": "Ghana"}
        for url, title, when in articles]}).encode()


def crawl(sites: Iterable[LoopbackSite], crawls: list[dict[str, Any]], **settings: Any) -> CrawlResult:
    """Run the crawls (each ``{"kind": ..., **spider args}``) in a subprocess; only *sites* are reachable."""
    settings.setdefault("URL_GUARD_ALLOWED_HOSTS", [s.netloc for s in sites])
    result = run_spiders(crawls, settings)
    assert result.blocked == [], "the crawl tried to connect beyond loopback"
    assert result.listening == [], "the crawl opened a listening port"
    return result
