"""Real crawls of the loopback news site, each in a subprocess (one reactor per process)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from monitor.newssite import NewsSite, demo_articles
from tests.spiders.runner import CrawlResult, run_spiders


def crawl(site: NewsSite, crawls: list[dict[str, Any]], trusted: bool = True, **settings: Any) -> CrawlResult:
    """Run the feed crawls; *trusted* lets the spider reach the site's own 127.0.0.1 host:port only."""
    if trusted:
        settings.setdefault("URL_GUARD_ALLOWED_HOSTS", [urlsplit(site.base_url).netloc])
    # AutoThrottle stays on; only its one-second opening delay per crawl is dropped to keep tests short.
    settings.setdefault("AUTOTHROTTLE_START_DELAY", 0.0)
    result = run_spiders([{"kind": "feed", **args} for args in crawls], settings)
    assert result.blocked == [], "the crawl tried to connect beyond loopback"
    return result


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite(demo_articles()[0]) as news:
        yield news


def feed(site: NewsSite, outlet: str, **args: Any) -> dict[str, Any]:
    return {"source_id": outlet, "url": site.feed_urls()[outlet], **args}


def test_crawl_fetches_every_article_and_opens_no_listening_port(site: NewsSite) -> None:
    crawls = [feed(site, outlet) for outlet in site.outlets()]
    crawls.append({"source_id": "missing", "url": site.base_url + "/feeds/missing.rss"})
    untrusted = site.feed_urls()["wirewatch"].replace("127.0.0.1", "localhost")
    crawls.append({"source_id": "untrusted", "url": untrusted})
    result = crawl(site, crawls)

    fetches = {f["source_id"]: f for f in result.fetches}
    for outlet in site.outlets():
        count = sum(a.outlet == outlet for a in site.articles)
        fetch = fetches[outlet]
        assert (fetch["status"], fetch["entries"], fetch["error"]) == (200, count, None)
        # Articles were still to be fetched: no validators yet, so a crawl stopped early cannot lose them.
        assert (fetch["etag"], fetch["last_modified"]) == (None, None)
    assert (fetches["missing"]["status"], fetches["missing"]["error"]) == (404, "HTTP 404")
    assert fetches["untrusted"]["error"].startswith("refused: localhost resolves to loopback address")

    assert sorted(p["url"] for p in result.pages) == sorted(site.article_url(a) for a in site.articles)
    for page in result.pages:
        assert page["final_url"] == page["url"] and page["status"] == 200 and page["has_article"]
        assert page["feed_published"].endswith("+00:00") and page["feed_title"]
    [release] = [a for a in site.articles if a.official]
    assert [p["source_id"] for p in result.pages if p["url"] == site.article_url(release)] == ["state-dept"]
    assert all(site.requests[a.path].requests == 1 for a in site.articles)

    assert result.listening == []
    assert "source untrusted: refused http://localhost:" in result.log


def test_listening_port_check_sees_the_telnet_console_when_enabled(site: NewsSite) -> None:
    result = crawl(site, [feed(site, "state-dept")], TELNETCONSOLE_ENABLED=True)
    assert result.listening and all(6023 <= port <= 6073 for port in result.listening)


def test_validators_make_the_next_crawl_not_modified_until_something_is_published(site: NewsSite) -> None:
    first = crawl(site, [feed(site, "wirewatch")])
    [fetch] = first.fetches
    stored = [p["url"] for p in first.pages]
    assert len(stored) == 2 and fetch["etag"] is None
    # Once every entry is stored, the crawl keeps the feed's validators.
    complete = crawl(site, [feed(site, "wirewatch", seen_urls=stored)])
    [fetch] = complete.fetches
    assert fetch["etag"] and fetch["last_modified"] and complete.pages == []
    validators = {"etag": fetch["etag"], "last_modified": fetch["last_modified"], "seen_urls": stored}

    again = crawl(site, [feed(site, "wirewatch", **validators)])
    [unchanged] = again.fetches
    assert (unchanged["not_modified"], unchanged["status"], unchanged["etag"]) == (True, 304, fetch["etag"])
    assert again.pages == []
    assert site.requests["/feeds/wirewatch.rss"].not_modified == 1
    assert all(site.requests[path_of(url)].requests == 1 for url in stored)

    rwanda = next(a for a in demo_articles()[1] if a.outlet == "wirewatch")
    site.publish(rwanda)
    after = crawl(site, [feed(site, "wirewatch", **validators)])
    [changed] = after.fetches
    assert (changed["not_modified"], changed["entries"], changed["etag"]) == (False, 3, None)
    assert [p["url"] for p in after.pages] == [site.article_url(rwanda)]
    assert after.stats["wirewatch"]["deportwatch/feed/entries_skipped_seen"] == 2


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_redirects_to_private_addresses_are_refused_before_connecting(site: NewsSite) -> None:
    wire = sorted((a for a in site.articles if a.outlet == "wirewatch"), key=lambda a: a.slug)
    meridian = sorted((a for a in site.articles if a.outlet == "daily-meridian"), key=lambda a: a.slug)
    port = urlsplit(site.base_url).port
    site.add_redirect(wire[0].path, "http://10.0.0.1/internal/article.html")
    site.add_redirect(wire[1].path, "http://169.254.169.254/latest/meta-data/")
    site.add_redirect(meridian[0].path, f"http://localhost:{port}{meridian[1].path}")

    result = crawl(site, [feed(site, "wirewatch"), feed(site, "daily-meridian")])

    assert [p["url"] for p in result.pages] == [site.article_url(meridian[1])]
    assert site.requests[wire[0].path].requests == 1 and site.requests[wire[1].path].requests == 1
    assert result.stats["wirewatch"]["deportwatch/url_guard/refused"] == 2
    assert result.stats["wirewatch"]["deportwatch/url_guard/refused/link-local"] == 1
    assert result.stats["daily-meridian"]["deportwatch/url_guard/refused/loopback"] == 1
    assert "robotstxt/request_count" in result.stats["wirewatch"]
    assert result.stats["wirewatch"]["robotstxt/request_count"] == 1
    for line in ("source wirewatch: refused http://10.0.0.1/internal/article.html: private address 10.0.0.1",
                 "source wirewatch: refused http://169.254.169.254/latest/meta-data/: link-local address"):
        assert line in result.log


def test_allow_private_follows_a_redirect_to_another_private_host(site: NewsSite) -> None:
    wire = next(a for a in site.articles if a.outlet == "wirewatch")
    target = next(a for a in site.articles if a.outlet == "daily-meridian")
    site.add_redirect(wire.path, f"http://localhost:{urlsplit(site.base_url).port}{target.path}")

    result = crawl(site, [feed(site, "wirewatch", allow_private=True)], trusted=False)

    redirected = [p for p in result.pages if p["url"] == site.article_url(wire)]
    assert [p["final_url"] for p in redirected] == [site.article_url(target)]
    assert len(result.pages) == 2 and "deportwatch/url_guard/refused" not in result.stats["wirewatch"]
