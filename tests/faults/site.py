"""The generated news site served with faults, and small builders for hostile feeds and pages."""

from __future__ import annotations

from collections.abc import Iterable

from monitor.newssite import NewsSite, SiteArticle
from monitor.newssite.site import is_fresh, send_resource
from tests.faults.servers import Fault, FaultServer, Handler, Hold


class FaultySite(FaultServer):
    """The generated news site (feeds, articles with ETag/Last-Modified) served with per-path faults."""

    def __init__(self, articles: Iterable[SiteArticle] = (), faults: dict[str, Fault] | None = None) -> None:
        super().__init__(faults)
        self.news = NewsSite(articles)

    def serve(self) -> str:
        super().serve()
        # The site renders absolute links from its base URL: make them point here.
        self.news.base_url = self.base_url
        return self.base_url

    def publish(self, article: SiteArticle) -> None:
        self.news.publish(article)

    def feed_urls(self) -> dict[str, str]:
        return self.news.feed_urls()

    @property
    def articles(self) -> list[SiteArticle]:
        return self.news.articles

    def article_url(self, article: SiteArticle) -> str:
        return self.base_url + article.path

    def hold(self, path: str) -> Hold:
        hold = Hold()
        self.set_fault(path, hold)
        return hold

    def fallback(self, h: Handler) -> str:
        path = h.path.split("?", 1)[0]
        resource = self.news.resource(path)
        fresh = is_fresh(resource, h)
        send_resource(h, resource, fresh)
        return "304" if fresh else f"sent {resource.status}"


def rss(items: Iterable[tuple[str, str]], title: str = "Faulty feed") -> bytes:
    """A small RSS 2.0 feed of (title, link) items."""
    body = "".join(f"<item><title>{t}</title><link>{u}</link><guid>{u}</guid></item>" for t, u in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.org/</link><description>x</description>{body}</channel></rss>").encode()


def many_links_page(n: int, base: str = "/a/") -> bytes:
    """An HTML page with `n` article links."""
    links = "".join(f'<li><a href="{base}{i}.html">Article number {i}</a></li>' for i in range(n))
    return f"<html><head><title>Index</title></head><body><ul>{links}</ul></body></html>".encode()
