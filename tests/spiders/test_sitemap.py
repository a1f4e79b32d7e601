"""Sitemap spider: saved sitemaps parsed offline, then real crawls of a loopback site in a subprocess."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy import Request
from scrapy.http import Response, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from monitor.config import DEFAULT_CONFIG, load_config
from spiders.feed import FeedEntry
from spiders.items import SourceFetch
from spiders.sitemap import SitemapSpider, parse_sitemap, recent_children, recent_entries
from tests.spiders.callbacks import collect
from tests.spiders.sites import LoopbackSite, Reply, article_page, crawl, news_sitemap, sitemap_index

SITEMAPS = Path(__file__).resolve().parents[1] / "data" / "sitemaps"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((SITEMAPS / "cases.yaml").read_text(encoding="utf-8"))
INDEX_URL = "https://wire.example.com/sitemap-index.xml"
NEWS_URL = "https://wire.example.com/news-sitemap.xml"


def when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_sitemaps_read_as_the_table_says(name: str) -> None:
    case = CASES[name]
    parsed = parse_sitemap((SITEMAPS / case["file"]).read_bytes(), case["url"])
    if "error" in case:
        assert (parsed.error, parsed.entries, parsed.children) == (case["error"], (), ())
        return
    assert parsed.error is None
    now = datetime.fromisoformat(case["now"])
    if "children" in case:
        assert parsed.is_index
        assert [c.loc for c in recent_children(parsed.children, now, case["max_age_days"])] == case["children"]
        return
    entries = recent_entries(parsed.entries, now, case["max_age_days"])
    got = [{"link": e.loc, "title": e.title, "date": e.date, "language": e.language} for e in entries]
    assert got == [{**want, "date": when(want["date"])} for want in case["entries"]]


def make_spider(**kwargs: Any) -> SitemapSpider:
    crawler = get_crawler(SitemapSpider)
    spider = SitemapSpider.from_crawler(crawler, **{"source_id": "wire", "url": NEWS_URL, **kwargs})
    crawler.spider = spider
    return spider


def xml(url: str, name: str, **headers: str) -> XmlResponse:
    return XmlResponse(url=url, body=(SITEMAPS / name).read_bytes(),
                       headers={"Content-Type": "application/xml", **headers})


def split(outputs: list[Any]) -> tuple[list[SourceFetch], list[Request]]:
    fetches = [o for o in outputs if isinstance(o, SourceFetch)]
    requests = [o for o in outputs if isinstance(o, Request)]
    assert len(fetches) + len(requests) == len(outputs)
    return fetches, requests


def at(spider: SitemapSpider, moment: str) -> SitemapSpider:
    spider._now = datetime.fromisoformat(moment)
    return spider


def test_news_sitemap_yields_a_fetch_and_requests_for_recent_unseen_entries() -> None:
    seen = ["https://wire.example.com/markets/oil-prices-2025-10-21/"]
    spider = at(make_spider(seen_urls=seen), "2025-10-21T12:00:00+00:00")
    response = xml(NEWS_URL, "news_sitemap.xml", ETag='"s1"', **{"Last-Modified": "Tue, 21 Oct 2025 08:00:00 GMT"})
    [fetch], requests = split(collect(spider.parse_top(response)))
    # Articles are still to be fetched: the validators wait for a crawl that leaves nothing to fetch.
    assert fetch == SourceFetch(source_id="wire", url=NEWS_URL, status=200, entries=3)
    entries: list[FeedEntry] = [r.cb_kwargs["entry"] for r in requests]
    assert [e.canonical for e in entries] == ["https://wire.example.com/es/america/belice-acuerdo-2025-10-20/",
                                              "https://wire.example.com/world/americas/belize-stca-2025-10-20/"]
    assert entries[0].title == "Belice acepta acoger a solicitantes de asilo enviados por EE.UU."
    assert entries[0].published == datetime(2025, 10, 20, 23, 30, tzinfo=UTC)
    assert all(r.callback == spider.parse_article and r.errback == spider.article_failed for r in requests)
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("deportwatch/sitemap/entries_skipped_seen") == 1
    done = at(make_spider(seen_urls=[*seen, *(e.link for e in entries)]), "2025-10-21T12:00:00+00:00")
    [fetch], requests = split(collect(done.parse_top(response)))
    assert requests == [] and (fetch.etag, fetch.last_modified) == ('"s1"', "Tue, 21 Oct 2025 08:00:00 GMT")


def test_max_entries_keeps_the_newest_and_max_age_days_widens_the_window() -> None:
    spider = at(make_spider(max_entries="1", max_age_days="30"), "2025-10-21T12:00:00+00:00")
    [fetch], requests = split(collect(spider.parse_top(xml(NEWS_URL, "news_sitemap.xml"))))
    assert fetch.entries == 4  # the Ghana entry is 41 days old, the About page undated
    assert [r.url for r in requests] == ["https://wire.example.com/markets/oil-prices-2025-10-21/"]


def start_request(spider: SitemapSpider) -> Request:
    async def first() -> Request:
        return await anext(aiter(spider.start()))

    return asyncio.run(first())


def test_sitemap_request_is_conditional_and_304_means_not_modified() -> None:
    spider = make_spider(etag='"s1"', last_modified="Tue, 21 Oct 2025 08:00:00 GMT")
    request = start_request(spider)
    assert request.headers.get("If-None-Match") == b'"s1"'
    assert request.headers.get("If-Modified-Since") == b"Tue, 21 Oct 2025 08:00:00 GMT"
    assert 304 in request.meta["handle_httpstatus_list"]
    outputs = collect(spider.parse_top(XmlResponse(url=NEWS_URL, status=304, body=b"")))
    assert outputs == [SourceFetch(source_id="wire", url=NEWS_URL, status=304, not_modified=True, etag='"s1"',
                                   last_modified="Tue, 21 Oct 2025 08:00:00 GMT")]


def test_unreadable_sitemap_yields_an_error_fetch() -> None:
    [fetch] = collect(make_spider().parse_top(xml(NEWS_URL, "not_a_sitemap.html")))
    assert isinstance(fetch, SourceFetch)
    assert (fetch.status, fetch.error, fetch.etag) == (200, "not a sitemap: root element <html>", None)


def child(url: str, name: str) -> XmlResponse:
    return xml(url, name)


def test_index_children_are_read_one_by_one_newest_first_and_combined() -> None:
    spider = at(make_spider(url=INDEX_URL, max_sitemaps="2"), "2025-10-21T12:00:00+00:00")
    [first] = collect(spider.parse_top(xml(INDEX_URL, "sitemap_index.xml", ETag='"i1"')))
    assert isinstance(first, Request) and first.url == "https://wire.example.com/sitemaps/news-2025-10-21.xml.gz"
    [second] = collect(spider.parse_child(child(first.url, "news_fr.xml.gz"), **first.cb_kwargs))
    assert isinstance(second, Request) and second.url == "https://wire.example.com/sitemaps/news-2025-10-19.xml"
    # max_sitemaps=2: the undated sections.xml and the old September sitemap are never requested.
    [fetch], requests = split(collect(spider.parse_child(child(second.url, "news_sitemap.xml"), **second.cb_kwargs)))
    assert (fetch.url, fetch.entries, fetch.etag, fetch.error) == (INDEX_URL, 3, None, None)
    assert [r.url for r in requests] == [
        "https://wire.example.com/markets/oil-prices-2025-10-21/",
        "https://wire.example.com/es/america/belice-acuerdo-2025-10-20/",
        "https://wire.example.com/world/americas/belize-stca-2025-10-20/?utm_source=sitemap",
    ]


def test_a_failed_child_is_skipped_and_the_index_validators_are_not_kept() -> None:
    spider = at(make_spider(url=INDEX_URL), "2025-10-21T12:00:00+00:00")
    [first] = collect(spider.parse_top(xml(INDEX_URL, "sitemap_index.xml", ETag='"i1"')))
    assert isinstance(first, Request)
    failure = Failure(HttpError(Response(first.url, status=500), "Ignoring"))
    failure.request = first  # type: ignore[attr-defined]
    [second] = list(spider.child_failed(failure))
    assert isinstance(second, Request)
    [third] = collect(spider.parse_child(child(second.url, "news_sitemap.xml"), **second.cb_kwargs))
    assert isinstance(third, Request)
    [fetch], _ = split(collect(spider.parse_child(child(third.url, "rss_instead.xml"), **third.cb_kwargs)))
    # Stored validators would turn the next crawl into a 304 and lose what the failed child held.
    assert (fetch.entries, fetch.etag, fetch.last_modified, fetch.error) == (3, None, None, None)


def test_when_every_child_fails_the_fetch_reports_the_first_error() -> None:
    spider = at(make_spider(url=INDEX_URL, max_sitemaps=1), "2025-10-21T12:00:00+00:00")
    [first] = collect(spider.parse_top(xml(INDEX_URL, "sitemap_index.xml")))
    assert isinstance(first, Request)
    [fetch] = collect(spider.parse_child(child(first.url, "corrupt.xml.gz"), **first.cb_kwargs))
    assert isinstance(fetch, SourceFetch) and fetch.error is not None
    assert fetch.error.startswith("all 1 child sitemaps failed: https://wire.example.com/sitemaps/news-2025-10-21")
    assert "not a readable gzip file" in fetch.error


@pytest.mark.parametrize("kwargs", [{"max_sitemaps": "0"}, {"max_age_days": "three"}, {"max_entries": 0}])
def test_bad_arguments_are_rejected(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make_spider(**kwargs)


def test_daemon_arguments_it_does_not_use_are_accepted() -> None:
    spider = make_spider(language="es", selectors={}, query=None, max_age_days="1.5")
    assert (spider.max_age_days, spider.max_sitemaps, spider.max_entries) == (1.5, 5, 50)


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with LoopbackSite() as s:
        yield s


def publish(site: LoopbackSite, slug: str, title: str) -> str:
    return site.page(f"/news/{slug}.html", article_page(title))


def test_crawl_reads_an_index_with_gzip_child_and_fetches_recent_articles(site: LoopbackSite) -> None:
    now = datetime.now(UTC)
    fresh = [(publish(site, f"story-{i}", f"Story {i}"), f"Story {i}", now - timedelta(hours=i), "en")
             for i in range(1, 4)]
    old = (publish(site, "old", "Old story"), "Old story", now - timedelta(days=10), "en")
    site.route("/sitemaps/today.xml.gz", Reply(body=gzip.compress(news_sitemap(fresh[:2])),
                                               content_type="application/x-gzip"))
    site.page("/sitemaps/yesterday.xml", news_sitemap([fresh[2], old]), "application/xml")
    site.page("/sitemaps/last-month.xml", news_sitemap([old]), "application/xml")
    index = site.page("/sitemap-index.xml", sitemap_index([
        ("/sitemaps/last-month.xml", now - timedelta(days=30)),
        ("/sitemaps/yesterday.xml", now - timedelta(days=1)),
        ("/sitemaps/today.xml.gz", now)]), "application/xml")

    result = crawl([site], [{"kind": "sitemap", "source_id": "wire", "url": index}])

    fetch = result.fetch("wire")
    assert (fetch["status"], fetch["entries"], fetch["error"]) == (200, 3, None)
    assert (fetch["etag"], fetch["last_modified"]) == (None, None)  # recorded once nothing is left to fetch
    assert {p["url"]: p["feed_title"] for p in result.pages} == {url: title for url, title, *_ in fresh}
    assert all(p["has_article"] and p["final_url"] == p["url"] for p in result.pages)
    assert site.requests_for("/sitemaps/last-month.xml") == [] and site.requests_for("/news/old.html") == []
    assert "source wire: sitemap index" in result.log


def test_recrawl_with_validators_is_not_modified_until_the_sitemap_changes(site: LoopbackSite) -> None:
    now = datetime.now(UTC)
    first_story = (publish(site, "kosovo", "Kosovo takes first deportees"), "Kosovo takes first deportees", now, "en")
    url = site.page("/news-sitemap.xml", news_sitemap([first_story]), "application/xml")
    first = crawl([site], [{"kind": "sitemap", "source_id": "wire", "url": url}])
    assert first.urls("wire") == [first_story[0]] and first.fetch("wire")["etag"] is None
    complete = crawl([site], [{"kind": "sitemap", "source_id": "wire", "url": url, "seen_urls": first.urls("wire")}])
    fetch = complete.fetch("wire")
    assert fetch["etag"] and complete.pages == []
    state = {"etag": fetch["etag"], "last_modified": fetch["last_modified"], "seen_urls": first.urls("wire")}

    again = crawl([site], [{"kind": "sitemap", "source_id": "wire", "url": url, **state}])
    assert (again.fetch("wire")["not_modified"], again.fetch("wire")["status"], again.pages) == (True, 304, [])

    second_story = (publish(site, "palau", "Palau agrees to take 75"), "Palau agrees to take 75", now, "en")
    site.page("/news-sitemap.xml", news_sitemap([second_story, first_story]), "application/xml")
    after = crawl([site], [{"kind": "sitemap", "source_id": "wire", "url": url, **state}])
    assert (after.fetch("wire")["entries"], after.urls("wire")) == (2, [second_story[0]])
    assert len(site.requests_for("/news/kosovo.html")) == 1


def test_shipped_sitemap_sources_build_spiders() -> None:
    sitemaps = [s for s in load_config(DEFAULT_CONFIG).sources if s.kind == "sitemap"]
    assert len(sitemaps) >= 3
    for source in sitemaps:
        spider = make_spider(source_id=source.id, url=source.url, max_entries=source.max_entries,
                             language=source.language, selectors=dict(source.selectors), query=source.query)
        assert (spider.url, spider.max_age_days) == (source.url, 3.0)


def test_undeclared_news_prefix_is_read_not_a_crash() -> None:
    """Sitemaps that forget xmlns:news leave "news:news" tags that etree.QName refuses."""
    body = (b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://n.example/a</loc>'
            b"<news:news><news:publication_date>2025-07-16</news:publication_date><news:title>Palau agrees"
            b"</news:title></news:news></url></urlset>")
    [entry] = parse_sitemap(body, NEWS_URL).entries
    assert (entry.loc, entry.title, entry.published) == ("https://n.example/a", "Palau agrees",
                                                         datetime(2025, 7, 16, tzinfo=UTC))
    assert parse_sitemap(b"<news:news>x</news:news>", NEWS_URL).error == "not a sitemap: root element <news>"
