"""The generated news site on loopback: pages, feeds, validators, redirects, counters, demo content."""

from __future__ import annotations

import http.client
import statistics
import urllib.robotparser
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import feedparser
import pytest

from monitor.newssite import NewsSite, SiteArticle, demo_articles, generate_articles


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with NewsSite(demo_articles()[0]) as news:
        yield news


def get(site: NewsSite, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(site.base_url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_serves_on_loopback_with_one_feed_per_outlet_in_its_format(site: NewsSite) -> None:
    assert site.base_url.startswith("http://127.0.0.1:")
    feeds = site.feed_urls()
    assert set(feeds) == {"wirewatch", "daily-meridian", "lakeshore-tribune", "state-dept"}
    versions = {o: feedparser.parse(get(site, path_of(u))[2]).version for o, u in feeds.items()}
    assert versions == {"wirewatch": "rss20", "daily-meridian": "atom10", "lakeshore-tribune": "atom10",
                        "state-dept": "rss20"}
    assert get(site, "/feeds/wirewatch.atom")[0] == 404


def test_feeds_are_well_formed_newest_first_and_link_to_served_pages(site: NewsSite) -> None:
    for url in site.feed_urls().values():
        parsed = feedparser.parse(get(site, path_of(url))[2])
        assert not parsed.bozo, parsed.get("bozo_exception")
        stamps = [e.published_parsed for e in parsed.entries]
        assert stamps == sorted(stamps, reverse=True) and stamps
        for entry in parsed.entries:
            assert entry.link.startswith(site.base_url)
            assert get(site, path_of(entry.link))[0] == 200


def test_article_page_has_metadata_and_boilerplate(site: NewsSite) -> None:
    article = next(a for a in site.articles if a.outlet == "wirewatch")
    status, headers, body = get(site, article.path)
    html = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for marker in (f'<meta property="og:title" content="{article.title}"',
                   f'<meta property="article:published_time" content="{article.published.isoformat()}"',
                   f'<link rel="canonical" href="{site.article_url(article)}"',
                   "<nav", "<article", 'id="cookie-banner"', "<footer", "<script", "Related stories"):
        assert marker in html
    assert all(p.replace("'", "&#x27;") in html for p in article.paragraphs)


def test_official_release_page_looks_like_a_state_department_release(site: NewsSite) -> None:
    [release] = [a for a in site.articles if a.official]
    html = get(site, release.path)[2].decode()
    canonical = f'<link rel="canonical" href="{site.article_url(release)}"'
    for marker in ("An official website of the United States government", "Press Release",
                   "Office of the Spokesperson", "<p>###</p>", canonical):
        assert marker in html
    assert release.outlet == "state-dept" and "state-dept" in site.feed_urls()


def test_robots_txt_allows_everything(site: NewsSite) -> None:
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(get(site, "/robots.txt")[2].decode().splitlines())
    assert parser.can_fetch("deportwatch/0.1", site.base_url + "/outlets/wirewatch/anything.html")


def test_validators_answer_304_and_if_none_match_takes_precedence(site: NewsSite) -> None:
    path = path_of(site.feed_urls()["wirewatch"])
    status, headers, body = get(site, path)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert status == 200 and body
    assert get(site, path, **{"If-None-Match": etag})[0] == 304
    assert get(site, path, **{"If-None-Match": f'"other", W/{etag}'})[0] == 304
    assert get(site, path, **{"If-Modified-Since": modified})[0] == 304
    assert get(site, path, **{"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    assert get(site, path, **{"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    not_modified = get(site, path, **{"If-None-Match": etag})
    assert not_modified[2] == b"" and not_modified[1]["ETag"] == etag


def test_publish_changes_the_feed_and_its_validators(site: NewsSite) -> None:
    path = path_of(site.feed_urls()["lakeshore-tribune"])
    _, before, _ = get(site, path)
    _, second = demo_articles()
    kosovo = next(a for a in second if a.outlet == "lakeshore-tribune")
    site.publish(kosovo)
    status, after, body = get(site, path, **{"If-None-Match": before["ETag"]})
    assert status == 200 and after["ETag"] != before["ETag"]
    assert get(site, path, **{"If-Modified-Since": before["Last-Modified"]})[0] == 200
    assert site.article_url(kosovo).encode() in body
    assert site.article_url(kosovo).removeprefix(site.base_url).encode() in get(site, "/")[2]


def test_requests_are_counted_per_path(site: NewsSite) -> None:
    path = path_of(site.feed_urls()["wirewatch"])
    _, headers, body = get(site, path)
    get(site, path, **{"If-None-Match": headers["ETag"]})
    get(site, "/nowhere")
    stats = site.requests
    assert (stats[path].requests, stats[path].bytes_sent, stats[path].not_modified) == (2, len(body), 1)
    assert stats["/nowhere"].requests == 1
    site.reset_requests()
    assert site.requests == {}


def test_redirects_take_precedence_and_are_not_followed_by_the_site(site: NewsSite) -> None:
    article = site.articles[0]
    site.add_redirect(article.path, "http://10.0.0.1/elsewhere", status=301)
    status, headers, _ = get(site, article.path)
    assert (status, headers["Location"]) == (301, "http://10.0.0.1/elsewhere")


def test_stop_closes_the_port() -> None:
    news = NewsSite(demo_articles()[0])
    port = urlsplit(news.serve()).port
    news.stop()
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()


def test_demo_batches_tell_the_planned_story() -> None:
    first, second = demo_articles()
    kosovo_deal = [a for a in first if "Kosovo" in " ".join(a.paragraphs) and "50" in " ".join(a.paragraphs)]
    assert len({a.outlet for a in kosovo_deal if not a.official}) == 2
    assert [a.outlet for a in kosovo_deal if a.official] == ["state-dept"]
    eswatini = [a for a in first if "Eswatini" in a.title]
    assert len(eswatini) == 1 and "Vietnam, Jamaica, Laos, Cuba and Yemen" in " ".join(eswatini[0].paragraphs)
    assert any("Villahermosa" in a.title for a in first)
    assert any("speaker" in a.title and "Kosovo" in a.title for a in first)
    rwanda = [a for a in second if "Rwanda" in a.title]
    assert len(rwanda) == 1 and "250" in rwanda[0].title
    later_kosovo = [a for a in second if "Kosovo" in a.title]
    assert len(later_kosovo) == 1 and later_kosovo[0].outlet not in {a.outlet for a in kosovo_deal}
    assert all(a.published.tzinfo is not None for a in first + second)
    assert len({a.path for a in first + second}) == len(first) + len(second)


def test_generated_articles_are_reproducible_with_realistic_sizes() -> None:
    articles = generate_articles(120, relevant_fraction=0.25, seed=7)
    assert articles == generate_articles(120, relevant_fraction=0.25, seed=7)
    assert articles != generate_articles(120, relevant_fraction=0.25, seed=8)
    assert 15 <= sum("deport" in a.title or "migrants" in a.title for a in articles) <= 50
    news = NewsSite(articles)
    news.serve()
    try:
        sizes = [len(get(news, a.path)[2]) for a in articles]
    finally:
        news.stop()
    assert 5_000 <= statistics.median(sizes) <= 10_000
    assert 3 <= sum(120_000 <= s <= 220_000 for s in sizes) <= 25


def test_article_path_and_dates() -> None:
    article = SiteArticle(slug="s", outlet="o", title="t", paragraphs=("p",),
                          published=datetime(2025, 1, 1, tzinfo=UTC))
    assert article.path == "/outlets/o/s.html"
    assert (article.official, article.language, article.section) == (False, "en", "World")
