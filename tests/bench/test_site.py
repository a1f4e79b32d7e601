"""The benchmark site: static files served with validators (nginx, or the fallback server), and its access log."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest

import bench.site as site_module
from bench.site import StaticSite
from monitor.newssite import generate_articles


@pytest.fixture(params=["nginx", "fallback"])
def site(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[StaticSite]:
    if request.param == "nginx" and site_module.nginx_binary() is None:
        pytest.skip("nginx is not installed (make bench installs it)")
    if request.param == "fallback":
        monkeypatch.setattr(site_module, "nginx_binary", lambda: None)
    with StaticSite(generate_articles(24, relevant_fraction=0.25, seed=2), feed_size=10) as s:
        yield s


def get(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, b""


def test_feeds_pages_and_sitemap_are_served_and_revalidated(site: StaticSite) -> None:
    mark = site.log_offset()
    url = next(iter(site.feed_urls().values()))
    status, headers, body = get(url)
    assert status == 200 and body.count(b"/outlets/") >= 8 and "xml" in headers["content-type"]
    again, _, _ = get(url, **{"If-None-Match": headers["etag"]})
    assert again == 304
    article = next(iter(site.articles.values()))
    status, headers, body = get(site.article_url(article))
    assert status == 200 and article.title.encode() in body and "text/html" in headers["content-type"]
    assert get(site.base_url + "/sitemap.xml")[2].count(b"<loc>") == 24
    assert get(site.base_url + "/robots.txt")[0] == 200
    hits = site.hits(mark)
    assert [h.status for h in hits[:2]] == [200, 304]
    assert hits[0].bytes_sent >= len(get(url)[2]) and hits[1].bytes_sent < 500


def test_a_published_article_changes_its_feed(site: StaticSite) -> None:
    first = next(iter(site.articles.values()))
    url = site.feed_urls()[first.outlet]
    _, headers, _ = get(url)
    new = replace(first, slug="fresh-news", published=datetime.now(UTC).replace(microsecond=0))
    site.publish(new)
    status, _, body = get(url, **{"If-None-Match": headers["etag"]})
    assert status == 200 and b"fresh-news" in body
    assert get(site.article_url(new))[0] == 200
