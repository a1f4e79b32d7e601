"""Feed spider, offline: saved feeds and pages in, requests and items out (no network, no reactor)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from monitor.newssite.pages import render_article
from monitor.newssite.site import SiteArticle
from spiders.feed import FeedEntry, FeedSpider
from spiders.items import FetchedPage, SourceFetch
from spiders.middleware import UrlRefused
from tests.spiders.callbacks import collect

FEEDS = Path(__file__).resolve().parents[1] / "data" / "feeds"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((FEEDS / "cases.yaml").read_text(encoding="utf-8"))
RSS = CASES["rss20.xml"]


def make_spider(**kwargs: Any) -> FeedSpider:
    crawler = get_crawler(FeedSpider)
    spider = FeedSpider.from_crawler(crawler, **{"source_id": "test-source", "url": RSS["url"], **kwargs})
    crawler.spider = spider
    return spider


def stat(spider: FeedSpider, key: str) -> Any:
    assert spider.crawler.stats is not None
    return spider.crawler.stats.get_value(f"deportwatch/feed/{key}")


def feed_response(name: str, headers: dict[str, str] | None = None) -> Response:
    case = CASES[name]
    cls = HtmlResponse if "html" in case["content_type"] else XmlResponse
    return cls(url=case["url"], body=(FEEDS / name).read_bytes(),
               headers={"Content-Type": case["content_type"], **(headers or {})})


def split(outputs: list[Any]) -> tuple[list[SourceFetch], list[Request]]:
    fetches = [o for o in outputs if isinstance(o, SourceFetch)]
    requests = [o for o in outputs if isinstance(o, Request)]
    assert len(fetches) + len(requests) == len(outputs)
    return fetches, requests


@pytest.mark.parametrize("name", sorted(CASES))
def test_feed_yields_one_source_fetch_and_one_request_per_new_entry(name: str) -> None:
    case = CASES[name]
    spider = make_spider(url=case["url"])
    response = feed_response(name, headers={"ETag": '"v1"', "Last-Modified": "Wed, 11 Jun 2025 18:40:00 GMT"})
    fetches, requests = split(collect(spider.parse_feed(response)))

    assert len(fetches) == 1
    fetch = fetches[0]
    assert (fetch.source_id, fetch.url, fetch.status) == ("test-source", case["url"], 200)
    assert not fetch.not_modified
    if "error" in case:
        assert fetch.error is not None and case["error"] in fetch.error
        assert (fetch.etag, fetch.last_modified, requests) == (None, None, [])
        return
    expected = case["entries"]
    assert fetch.error is None
    assert fetch.entries == len(expected) + case.get("skipped", 0)
    # Validators wait until a crawl leaves nothing to fetch (see test_validators_only_when_nothing_is_left_to_fetch).
    validators = (None, None) if requests else ('"v1"', "Wed, 11 Jun 2025 18:40:00 GMT")
    assert (fetch.etag, fetch.last_modified) == validators
    entries: list[FeedEntry] = [r.cb_kwargs["entry"] for r in requests]
    assert [e.link for e in entries] == [e["link"] for e in expected]
    for entry, want in zip(entries, expected, strict=True):
        assert entry.title == want["title"]
        assert entry.canonical == want.get("canonical", want["link"])
        assert entry.published == (datetime.fromisoformat(want["published"]) if want["published"] else None)
        if "summary" in want:
            assert entry.summary == want["summary"]
    assert all(r.callback == spider.parse_article and r.errback == spider.article_failed for r in requests)
    assert [r.priority for r in requests] == sorted((r.priority for r in requests), reverse=True)


def test_malformed_feed_is_read_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider(url=CASES["broken.xml"]["url"])
    with caplog.at_level(logging.INFO, logger="spiders"):
        _, requests = split(collect(spider.parse_feed(feed_response("broken.xml"))))
    assert len(requests) == 2
    assert any("malformed" in r.getMessage() and "test-source" in r.getMessage() for r in caplog.records)


def start_request(spider: FeedSpider) -> Request:
    async def first() -> Request:
        return await anext(aiter(spider.start()))

    return asyncio.run(first())


def test_feed_request_carries_previous_validators() -> None:
    request = start_request(make_spider(etag='"abc"', last_modified="Wed, 11 Jun 2025 18:40:00 GMT"))
    assert request.url == RSS["url"]
    assert request.headers.get("If-None-Match") == b'"abc"'
    assert request.headers.get("If-Modified-Since") == b"Wed, 11 Jun 2025 18:40:00 GMT"
    assert 304 in request.meta["handle_httpstatus_list"]
    plain = start_request(make_spider())
    assert b"If-None-Match" not in plain.headers and b"If-Modified-Since" not in plain.headers


def test_validators_only_when_nothing_is_left_to_fetch() -> None:
    """A crawl stopped before its article pages are stored must not be answered 304 next time."""
    headers = {"ETag": '"v1"', "Last-Modified": "Wed, 11 Jun 2025 18:40:00 GMT"}
    [fetch], requests = split(collect(make_spider().parse_feed(feed_response("rss20.xml", headers))))
    assert requests and (fetch.etag, fetch.last_modified) == (None, None)
    stored = [r.cb_kwargs["entry"].link for r in requests]
    [fetch], requests = split(collect(make_spider(seen_urls=stored).parse_feed(feed_response("rss20.xml", headers))))
    assert requests == [] and (fetch.etag, fetch.last_modified) == ('"v1"', "Wed, 11 Jun 2025 18:40:00 GMT")


def test_not_modified_feed_yields_only_a_not_modified_fetch() -> None:
    spider = make_spider(etag='"abc"', last_modified="Wed, 11 Jun 2025 18:40:00 GMT")
    response = XmlResponse(url=RSS["url"], status=304, body=b"", headers={"ETag": '"abc"'})
    outputs = collect(spider.parse_feed(response))
    assert outputs == [SourceFetch(source_id="test-source", url=RSS["url"], status=304, not_modified=True,
                                   etag='"abc"', last_modified="Wed, 11 Jun 2025 18:40:00 GMT")]


@pytest.mark.parametrize(
    ("failure", "status", "error"),
    [
        (Failure(HttpError(Response(RSS["url"], status=503), "Ignoring")), 503, "HTTP 503"),
        (Failure(HttpError(Response(RSS["url"], status=404), "Ignoring")), 404, "HTTP 404"),
        (Failure(DNSLookupError("no such host")), 0, "DNSLookupError"),
        (Failure(UrlRefused(RSS["url"], "private address 10.0.0.1")), 0, "refused: private address 10.0.0.1"),
    ],
)
def test_failed_feed_yields_a_source_fetch_with_the_error(failure: Failure, status: int, error: str) -> None:
    [fetch] = list(make_spider().feed_failed(failure))
    assert (fetch.source_id, fetch.url, fetch.status, fetch.entries) == ("test-source", RSS["url"], status, 0)
    assert fetch.error is not None and error in fetch.error


def test_seen_urls_are_compared_in_canonical_form() -> None:
    seen = ["https://news.example.com/world/kosovo-deportees?utm_campaign=other#top"]
    spider = make_spider(seen_urls=seen)
    [fetch], requests = split(collect(spider.parse_feed(feed_response("rss20.xml"))))
    assert fetch.entries == 3
    assert [r.url for r in requests] == [
        "https://news.example.com/world/eswatini-flight",
        "https://news.example.com/world/rwanda-talks",
    ]
    assert stat(spider, "entries_skipped_seen") == 1


@pytest.mark.parametrize(
    "seen_urls",
    [
        '["https://news.example.com/world/eswatini-flight", "https://news.example.com/world/rwanda-talks"]',
        "https://news.example.com/world/eswatini-flight\nhttps://news.example.com/world/rwanda-talks",
        ("https://news.example.com/world/eswatini-flight", "https://news.example.com/world/rwanda-talks"),
    ],
)
def test_seen_urls_arrive_as_json_text_lines_or_iterables(seen_urls: Any) -> None:
    _, requests = split(collect(make_spider(seen_urls=seen_urls).parse_feed(feed_response("rss20.xml"))))
    assert [r.cb_kwargs["entry"].canonical for r in requests] == ["https://news.example.com/world/kosovo-deportees"]


def test_max_entries_keeps_the_newest() -> None:
    [fetch], requests = split(collect(make_spider(max_entries="2").parse_feed(feed_response("rss20.xml"))))
    assert fetch.entries == 3
    assert [r.url for r in requests] == [
        "https://news.example.com/world/eswatini-flight",
        "https://news.example.com/world/kosovo-deportees?utm_source=rss&utm_medium=feed",
    ]


def test_follow_false_reads_the_feed_only() -> None:
    outputs = collect(make_spider(follow="false").parse_feed(feed_response("rss20.xml")))
    assert [type(o) for o in outputs] == [SourceFetch]


@pytest.mark.parametrize(
    ("kwargs", "attr", "value"),
    [
        ({"allow_private": "true"}, "allow_private", True),
        ({"allow_private": "0"}, "allow_private", False),
        ({"allow_private": True}, "allow_private", True),
        ({}, "allow_private", False),
        ({}, "max_entries", 50),
        ({"max_entries": "7"}, "max_entries", 7),
        ({}, "follow", True),
        ({"follow": "no"}, "follow", False),
        ({"etag": ""}, "etag", None),
    ],
)
def test_spider_arguments_from_strings_or_objects(kwargs: dict[str, Any], attr: str, value: object) -> None:
    assert getattr(make_spider(**kwargs), attr) == value


@pytest.mark.parametrize("kwargs", [{"allow_private": "maybe"}, {"max_entries": "0"}, {"max_entries": "x"}])
def test_bad_spider_arguments_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_spider(**kwargs)


ENTRY = FeedEntry(link="https://news.example.com/world/kosovo-deportees?utm_source=rss",
                  canonical="https://news.example.com/world/kosovo-deportees", guid="g1",
                  title="Kosovo agrees", summary="Up to 50.",
                  published=datetime(2025, 6, 11, 18, 40, tzinfo=UTC))
ARTICLE = SiteArticle(slug="kosovo", outlet="wirewatch", title="Kosovo agrees to take up to 50 deportees",
                      paragraphs=("First paragraph.", "Second paragraph."),
                      published=datetime(2025, 6, 11, 18, 40, tzinfo=UTC))


def page(url: str, body: bytes, content_type: str | None = "text/html; charset=utf-8") -> HtmlResponse:
    headers = {"Set-Cookie": "session=secret", "ETag": '"p1"'}
    if content_type:
        headers["Content-Type"] = content_type
    return HtmlResponse(url=url, body=body, headers=headers)


def test_article_page_becomes_a_fetched_page_with_the_declared_canonical_url() -> None:
    body = render_article("https://news.example.com", ARTICLE, [], "/feeds/wirewatch.rss")
    response = page("https://m.news.example.com/kosovo?from=redirect", body)
    [item] = list(make_spider().parse_article(response, ENTRY))
    assert isinstance(item, FetchedPage)
    assert item.final_url == "https://news.example.com/outlets/wirewatch/kosovo.html"
    assert (item.source_id, item.url, item.status, item.body, item.encoding) == (
        "test-source", ENTRY.link, 200, body, "utf-8")
    assert item.feed_title == ENTRY.title and item.feed_summary == ENTRY.summary
    assert item.feed_published == ENTRY.published
    assert item.fetched_at is not None and item.fetched_at.tzinfo is not None
    assert ("Etag", '"p1"') in item.headers
    assert all(name.lower() != "set-cookie" for name, _ in item.headers)


@pytest.mark.parametrize(
    ("link_tag", "final_url"),
    [
        ('<link rel="canonical" href="/world/kosovo">', "https://news.example.com/world/kosovo"),
        ('<link rel="Canonical" href="https://news.example.com/k">', "https://news.example.com/k"),
        ('<link href="https://news.example.com/k2" rel="amphtml canonical">', "https://news.example.com/k2"),
        ('<link rel="canonical" href="javascript:alert(1)">', "https://news.example.com/after-redirect"),
        ('<link rel="canonical" href="ftp://news.example.com/k">', "https://news.example.com/after-redirect"),
        ('<link rel="alternate" href="https://news.example.com/feed">', "https://news.example.com/after-redirect"),
        ("", "https://news.example.com/after-redirect"),
    ],
)
def test_final_url_is_the_http_canonical_or_the_url_after_redirects(link_tag: str, final_url: str) -> None:
    body = f"<html><head>{link_tag}</head><body><article><p>Text</p></article></body></html>".encode()
    [item] = list(make_spider().parse_article(page("https://news.example.com/after-redirect", body), ENTRY))
    assert isinstance(item, FetchedPage) and item.final_url == final_url


@pytest.mark.parametrize("content_type", ["application/pdf", "image/jpeg", "application/octet-stream"])
def test_non_html_responses_are_skipped_with_a_logged_reason(
    content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    spider = make_spider()
    response = Response(url="https://news.example.com/report.pdf", body=b"%PDF-1.7\x00\x01",
                        headers={"Content-Type": content_type})
    with caplog.at_level(logging.INFO, logger="spiders"):
        assert list(spider.parse_article(response, ENTRY)) == []
    assert stat(spider, "pages_skipped_not_html") == 1
    [record] = [r for r in caplog.records if "not an HTML page" in r.getMessage()]
    message = record.getMessage()
    assert "test-source" in message and "https://news.example.com/report.pdf" in message
    assert (getattr(record, "source_id", None), getattr(record, "url", None)) == ("test-source", "https://news.example.com/report.pdf")


def test_html_without_content_type_is_kept() -> None:
    body = b"<html><head><title>t</title></head><body><p>x</p></body></html>"
    assert len(list(make_spider().parse_article(page("https://news.example.com/a", body, None), ENTRY))) == 1


def test_article_failures_are_counted_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    spider = make_spider()
    failure = Failure(HttpError(Response("https://news.example.com/gone", status=410), "Ignoring"))
    failure.request = Request("https://news.example.com/gone")  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="spiders"):
        spider.article_failed(failure)
    assert stat(spider, "pages_failed") == 1
    record = caplog.records[-1]
    message = record.getMessage()
    assert "test-source" in message and "https://news.example.com/gone" in message and "HTTP 410" in message
    assert (getattr(record, "source_id", None), getattr(record, "url", None)) == ("test-source", "https://news.example.com/gone")


ABSURD_DATES = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Future</title><link>https://n.example/future</link><pubDate>Mon, 01 Jan 2999 10:00:00 GMT</pubDate></item>
<item><title>Year 0</title><link>https://n.example/zero</link><pubDate>Mon, 01 Jan 0000 10:00:00 GMT</pubDate></item>
<item><title>Year 1</title><link>https://n.example/one</link><pubDate>0001-01-01T00:00:00Z</pubDate></item>
<item><title>Last</title><link>https://n.example/last</link><pubDate>9999-12-31T23:59:59Z</pubDate></item>
<item><title>Fine</title><link>https://n.example/fine</link><pubDate>Wed, 11 Jun 2025 18:40:00 GMT</pubDate></item>
</channel></rss>"""


def test_absurd_dates_are_unknown_rather_than_first_for_ever() -> None:
    from spiders.feed import parse_feed
    from spiders.listing import parse_listing_date
    from spiders.search import gdelt_date
    from spiders.sitemap import parse_w3c_date

    dates = {e.title: e.published for e in parse_feed(ABSURD_DATES, "https://n.example/feed").entries}
    assert dates == {"Future": None, "Year 0": None, "Year 1": None, "Last": None,
                     "Fine": datetime(2025, 6, 11, 18, 40, tzinfo=UTC)}
    for parse in (parse_w3c_date, parse_listing_date):
        assert [parse(d) for d in ("2999-01-01", "0001-01-01", "1989-12-31")] == [None, None, None]
        assert parse("2025-07-16") == datetime(2025, 7, 16, tzinfo=UTC)
    assert gdelt_date("29990101T000000Z") is None and gdelt_date("20250716T120000Z") is not None


def test_an_empty_feed_body_is_a_recorded_error_not_a_crash() -> None:
    for body in (b"", b"   \n"):
        response = XmlResponse(url=RSS["url"], body=body, headers={"Content-Type": "application/rss+xml"})
        [fetch] = collect(make_spider().parse_feed(response))
        assert isinstance(fetch, SourceFetch) and fetch.status == 200
        assert fetch.error is not None and fetch.error.startswith("not an RSS or Atom feed")


@pytest.mark.parametrize(("body", "stat_key"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "pages_skipped_not_html"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3", "pages_skipped_not_html"),
    (b"<html>\x00\x00\x00\x00</html>", "pages_skipped_not_html"),
    (b"", "pages_failed"),
    (b" \n\t ", "pages_failed"),
])
def test_binary_or_blank_pages_served_as_html_are_not_articles(body: bytes, stat_key: str) -> None:
    spider = make_spider()
    entry = FeedEntry(link="https://n.example/a", canonical="https://n.example/a", guid=None, title="Title",
                      summary=None, published=None)
    response = HtmlResponse(url="https://n.example/a", body=body, headers={"Content-Type": "text/html"})
    assert list(spider.parse_article(response, entry)) == []
    assert stat(spider, stat_key) == 1


def test_utf16_html_is_not_mistaken_for_binary() -> None:
    body = "<html><body><p>Palau agrees</p></body></html>".encode("utf-16")
    response = HtmlResponse(url="https://n.example/a", body=body,
                            headers={"Content-Type": "text/html; charset=utf-16"})
    entry = FeedEntry(link="https://n.example/a", canonical="https://n.example/a", guid=None, title="Title",
                      summary=None, published=None)
    [page] = list(make_spider().parse_article(response, entry))
    assert isinstance(page, FetchedPage) and (page.encoding or "").startswith("utf-16")


def test_control_characters_in_titles_and_summaries_become_spaces() -> None:
    from spiders.feed import parse_feed

    body = (b'<rss version="2.0"><channel><item><title>Palau\x00agrees &#0; to\x07 take 75</title>'
            b"<description>x\x00y</description><link>https://n.example/a</link></item></channel></rss>")
    [entry] = parse_feed(body, "https://n.example/feed").entries
    # PostgreSQL refuses NUL in text: a title carrying one could never be stored.
    assert (entry.title, entry.summary) == ("Palau agrees to take 75", "x y")


def test_character_references_beyond_unicode_do_not_break_the_feed() -> None:
    from spiders.feed import parse_feed
    from spiders.search import parse_google_news

    body = (b'<rss version="2.0"><channel><item><title>Palau &#xFFFFFF; agrees &#1114112; &#65;</title>'
            b"<link>https://n.example/a</link></item></channel></rss>")
    [entry] = parse_feed(body, "https://n.example/feed").entries
    assert entry.title == "Palau \ufffd agrees \ufffd A"
    assert [h.title for h in parse_google_news(body, "https://news.google.com/rss/search?q=x").hits] == [entry.title]
