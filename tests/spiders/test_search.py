"""Search spider: saved Google News and GDELT answers offline, then crawls of loopback imitations of both APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import pytest
import yaml
from scrapy.utils.test import get_crawler

from monitor.config import DEFAULT_CONFIG, load_config
from spiders.items import SourceFetch
from spiders.search import (
    SearchSpider,
    detect_provider,
    parse_gdelt,
    parse_google_news,
    retry_after_seconds,
    search_url,
    unique_hits,
    validate_search,
)
from tests.spiders.sites import LoopbackSite, Reply, article_page, crawl, gdelt_json, google_news_rss

SEARCH = Path(__file__).resolve().parents[1] / "data" / "search"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((SEARCH / "cases.yaml").read_text(encoding="utf-8"))
GNEWS = "https://news.google.com/rss/search"
GDELT = "https://api.gdeltproject.org/api/v2/doc/doc"


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_answers_read_as_the_table_says(name: str) -> None:
    case = CASES[name]
    body = (SEARCH / name).read_bytes()
    results = parse_google_news(body, case["url"]) if case["provider"] == "google_news" else parse_gdelt(body)
    assert results.error == case.get("error")
    assert results.rate_limited == case.get("rate_limited", False)
    outlets = {h.url: h.outlet for h in results.hits}
    got = [{"url": e.link, "title": e.title, "outlet": outlets[e.link],
            "published": e.published.isoformat() if e.published else None} for e in unique_hits(results.hits)]
    assert got == case.get("hits", [])


@pytest.mark.parametrize(
    ("url", "query", "language", "expected"),
    [
        (GNEWS, '"third-country" deportees when:1d', "en",
         {"q": ['"third-country" deportees when:1d'], "hl": ["en-US"], "gl": ["US"], "ceid": ["US:en"]}),
        (GNEWS, '"terceros países" deportados', "es",
         {"q": ['"terceros países" deportados'], "hl": ["es-419"], "gl": ["US"], "ceid": ["US:es-419"]}),
        (GNEWS + "?hl=fr-CA&gl=CA&ceid=CA:fr&q=old", '"pays tiers" expulsés', "fr",
         {"q": ['"pays tiers" expulsés'], "hl": ["fr-CA"], "gl": ["CA"], "ceid": ["CA:fr"]}),
        (GNEWS + "?q=Eswatini+deportees&hl=en-GB&gl=GB&ceid=GB:en", None, "en",
         {"q": ["Eswatini deportees"], "hl": ["en-GB"], "gl": ["GB"], "ceid": ["GB:en"]}),
        (GDELT, '("third country" OR "third-country") deportees sourcelang:english', "en",
         {"query": ['("third country" OR "third-country") deportees sourcelang:english'], "mode": ["ArtList"],
          "format": ["json"], "timespan": ["1d"], "sort": ["DateDesc"], "maxrecords": ["40"]}),
        (GDELT + "?timespan=3h&maxrecords=10&query=x", "Eswatini deportees", "en",
         {"query": ["Eswatini deportees"], "mode": ["ArtList"], "format": ["json"], "timespan": ["3h"],
          "sort": ["DateDesc"], "maxrecords": ["10"]}),
        ("http://127.0.0.1:8080/api/v2/doc/doc", "Ghana", None,
         {"query": ["Ghana"], "mode": ["ArtList"], "format": ["json"], "timespan": ["1d"], "sort": ["DateDesc"],
          "maxrecords": ["40"]}),
    ],
)
def test_search_url_encodes_the_query_and_fills_in_the_provider_defaults(
    url: str, query: str | None, language: str | None, expected: dict[str, list[str]]
) -> None:
    built = search_url(url, query, language, max_records=40)
    assert built.split("?")[0] == url.split("?")[0]
    assert " " not in built and '"' not in built
    assert parse_qs(built.split("?", 1)[1]) == expected


def test_gdelt_max_records_stays_within_the_api_limit() -> None:
    assert parse_qs(search_url(GDELT, "x", max_records=1000).split("?")[1])["maxrecords"] == ["250"]


@pytest.mark.parametrize(
    ("url", "provider"),
    [(GNEWS + "?q=x", "google_news"), (GDELT, "gdelt"), ("http://127.0.0.1:9/rss/search", "google_news"),
     ("http://127.0.0.1:9/api/v2/doc/doc/", "gdelt"), ("https://news.google.com/rss?hl=en", "google_news"),
     ("https://example.org/search?q=x", None)],
)
def test_provider_is_known_by_host_then_by_path(url: str, provider: str | None) -> None:
    assert detect_provider(url) == provider


@pytest.mark.parametrize(
    ("url", "query", "problems"),
    [
        (GNEWS, "deportees", []),
        (GNEWS + "?q=deportees", None, []),
        (GNEWS, None, ["a search needs a query: set `query:` or the URL's q= parameter"]),
        (GDELT, "  ", ["a search needs a query: set `query:` or the URL's query= parameter"]),
        (GDELT + "?format=html", "x", ["GDELT results are read as JSON"]),
        (GDELT + "?mode=TimelineVol", "x", ["GDELT results are read as an article list"]),
        ("https://example.org/search", "x", ["url must be a Google News RSS search"]),
    ],
)
def test_validate_search(url: str, query: str | None, problems: list[str]) -> None:
    found = validate_search(url, query)
    assert len(found) == len(problems)
    assert all(got.startswith(want) for got, want in zip(found, problems, strict=True))


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("7", 7.0), (" 0 ", 0.0), ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0), ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
     ("soon", None), ("", None), (None, None), ("-5", None)],
)
def test_retry_after_is_seconds_or_an_http_date(header: str | None, seconds: float | None) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert retry_after_seconds(header, now) == seconds


def make_spider(**kwargs: Any) -> SearchSpider:
    crawler = get_crawler(SearchSpider)
    spider = SearchSpider.from_crawler(crawler, **{"source_id": "gnews-en", "url": GNEWS, "query": "x", **kwargs})
    crawler.spider = spider
    return spider


def first_output(spider: SearchSpider) -> Any:
    async def first() -> Any:
        return await anext(aiter(spider.start()))

    return asyncio.run(first())


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"query": None}, "a search needs a query"), ({"url": "https://example.org/find"}, "url must be"),
     ({"provider": "bing"}, "unknown search provider 'bing'")],
)
def test_a_search_that_cannot_run_gives_an_error_fetch(kwargs: dict[str, Any], error: str) -> None:
    fetch = first_output(make_spider(**kwargs))
    assert isinstance(fetch, SourceFetch) and fetch.status == 0 and fetch.error and fetch.error.startswith(error)


def test_search_request_waits_for_its_turn_and_is_not_retried_by_scrapy() -> None:
    request = first_output(make_spider(language="fr", min_interval=0, etag='"g1"'))
    assert unquote(request.url) == GNEWS + "?hl=fr&gl=FR&ceid=FR:fr&q=x"
    assert request.meta["dont_retry"] is True and {304, 429, 503} <= set(request.meta["handle_httpstatus_list"])
    assert request.headers.get("If-None-Match") == b'"g1"'
    assert SearchSpider.custom_settings == {"DOWNLOAD_DELAY": 1.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    assert make_spider().min_interval == 2.0 and make_spider(url=GDELT).min_interval == 5.0


@pytest.fixture
def sites() -> Iterator[tuple[LoopbackSite, LoopbackSite]]:
    with LoopbackSite() as api, LoopbackSite() as publisher:
        yield api, publisher


FAST = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False}


def test_google_news_search_follows_redirects_to_the_publisher(sites: tuple[LoopbackSite, LoopbackSite]) -> None:
    api, publisher = sites
    now = datetime.now(UTC)
    stories = {"cameroon": "US deports nine to Cameroon", "palau": "Palau agrees to take 75", "seen": "Old news"}
    for slug, title in stories.items():
        publisher.page(f"/{slug}", article_page(title))
        api.redirect(f"/rss/articles/{slug}", publisher.url(f"/{slug}"))
    api.page("/rss/articles/consent", article_page("Before you continue"))  # a redirect that never resolves
    items = [(api.url(f"/rss/articles/{slug}?oc=5"), title, "Outlet", now) for slug, title in stories.items()]
    items.append((api.url("/rss/articles/consent?oc=5"), "Unresolved", "Outlet", now))
    api.route("/rss/search", Reply(body=google_news_rss(items), content_type="application/rss+xml"))

    result = crawl([api, publisher], [{"kind": "search", "source_id": "gnews-fr", "url": api.url("/rss/search"),
                                       "query": '"pays tiers" expulsés', "language": "fr", "min_interval": 0,
                                       "seen_urls": [publisher.url("/seen")]}], **FAST)

    [search] = api.requests_for("/rss/search")
    assert parse_qs(search.query) == {"q": ['"pays tiers" expulsés'], "hl": ["fr"], "gl": ["FR"], "ceid": ["FR:fr"]}
    fetch = result.fetch("gnews-fr")
    assert (fetch["status"], fetch["entries"], fetch["error"]) == (200, 4, None)
    pages = {p["url"]: (p["final_url"], p["feed_title"]) for p in result.pages}
    assert pages == {api.url("/rss/articles/cameroon?oc=5"): (publisher.url("/cameroon"), stories["cameroon"]),
                     api.url("/rss/articles/palau?oc=5"): (publisher.url("/palau"), stories["palau"])}
    stats = result.stats["gnews-fr"]
    assert stats["deportwatch/search/redirects_unresolved"] == 1
    assert stats["deportwatch/search/entries_skipped_seen"] == 1


def test_gdelt_search_fetches_each_article_once(sites: tuple[LoopbackSite, LoopbackSite]) -> None:
    api, publisher = sites
    now = datetime.now(UTC)
    for slug in ("ghana", "eswatini"):
        publisher.page(f"/{slug}", article_page(slug))
    api.route("/api/v2/doc/doc", Reply(body=gdelt_json([
        (publisher.url("/ghana"), "Ghana receives 14", now),
        (publisher.url("/ghana?utm_source=gdelt"), "Ghana receives 14 (copy)", now),
        (publisher.url("/eswatini"), "Eswatini second group", now - timedelta(hours=3)),
        (publisher.url("/already"), "Stored before", now)]), content_type="application/json"))

    result = crawl([api, publisher], [{"kind": "search", "source_id": "gdelt-en", "url": api.url("/api/v2/doc/doc"),
                                       "query": "Ghana deportees sourcelang:english", "max_entries": 25,
                                       "min_interval": 0, "seen_urls": [publisher.url("/already")]}], **FAST)

    [search] = api.requests_for("/api/v2/doc/doc")
    assert parse_qs(search.query)["query"] == ["Ghana deportees sourcelang:english"]
    assert parse_qs(search.query)["maxrecords"] == ["25"]
    assert result.fetch("gdelt-en")["entries"] == 4
    assert sorted(result.urls("gdelt-en")) == [publisher.url("/eswatini"), publisher.url("/ghana")]
    assert len(publisher.requests_for("/ghana")) == 1 and publisher.requests_for("/already") == []


def test_429_is_retried_after_the_time_the_server_asks(sites: tuple[LoopbackSite, LoopbackSite]) -> None:
    api, publisher = sites
    publisher.page("/kosovo", article_page("Kosovo"))
    limited = Reply(429, b"Too Many Requests", "text/plain", (("Retry-After", "1"),), conditional=False)
    api.route("/api/v2/doc/doc", limited,
              Reply(body=gdelt_json([(publisher.url("/kosovo"), "Kosovo", datetime.now(UTC))])))
    # A text answer that asks to slow down, then a Retry-After far beyond max_wait_s.
    slow = Reply(body=b"Please limit requests to one every 5 seconds.\n", content_type="text/plain")
    api.route("/other/api/v2/doc/doc", slow,
              Reply(429, b"", "text/plain", (("Retry-After", "3600"),), conditional=False))
    crawls = [
        {"kind": "search", "source_id": "limited", "url": api.url("/api/v2/doc/doc"), "query": "Kosovo",
         "min_interval": 0},
        {"kind": "search", "source_id": "refused", "url": api.url("/other/api/v2/doc/doc"), "query": "Kosovo",
         "min_interval": 0, "provider": "gdelt", "backoff_s": 0.5},
    ]

    result = crawl([api, publisher], crawls, **FAST)

    first, second = api.requests_for("/api/v2/doc/doc")
    # Retry-After (1 s) was followed, not the default 6 s backoff, and Scrapy's own retry stayed out.
    assert 1.0 <= second.at - first.at < 5.0
    assert result.fetch("limited")["error"] is None and result.urls("limited") == [publisher.url("/kosovo")]
    assert result.stats["limited"]["deportwatch/search/rate_limited"] == 1
    other = api.requests_for("/other/api/v2/doc/doc")
    assert len(other) == 2 and other[1].at - other[0].at >= 0.5
    refused = result.fetch("refused")
    assert refused["status"] == 429 and refused["error"].startswith("rate limited (HTTP 429) after 2 attempt(s)")
    assert "source limited: search" in result.log and "retrying in 1.0s" in result.log


def test_searches_on_one_provider_are_spaced_across_crawls(sites: tuple[LoopbackSite, LoopbackSite]) -> None:
    api, _ = sites
    api.route("/api/v2/doc/doc", Reply(body=b"{}", content_type="application/json"))
    crawls = [{"kind": "search", "source_id": f"gdelt-{i}", "url": api.url("/api/v2/doc/doc"), "query": f"q{i}",
               "min_interval": 1.5} for i in range(3)]

    result = crawl([api], crawls, **FAST)

    times = sorted(h.at for h in api.requests_for("/api/v2/doc/doc"))
    assert len(times) == 3 and all(b - a >= 1.4 for a, b in pairwise(times))
    assert [result.fetch(f"gdelt-{i}")["entries"] for i in range(3)] == [0, 0, 0]


def test_shipped_search_sources_run_in_three_languages_on_both_providers() -> None:
    sources = load_config(DEFAULT_CONFIG).sources
    searches = [s for s in sources if s.kind == "search"]
    for source in searches:
        assert validate_search(source.url, source.query) == [], source.id
        spider = make_spider(source_id=source.id, url=source.url, query=source.query, language=source.language)
        assert spider.problems == [] and (source.query or "") in unquote(spider.search)
    assert {(detect_provider(s.url), s.language) for s in searches} >= {
        (provider, lang) for provider in ("google_news", "gdelt") for lang in ("en", "es", "fr")}
    assert len(sources) >= 30 and {s.kind for s in sources} == {"feed", "sitemap", "listing", "search"}
    for source in sources:
        kind = source.tags[0]
        assert kind in {"official", "wire", "national", "local", "search"}, source.id
        assert source.language in source.tags, source.id
        limit = {"official": 900, "search": 900, "wire": 1800, "national": 1800, "local": 3600}[kind]
        assert source.interval_s <= limit and (kind != "official" or source.official), source.id
