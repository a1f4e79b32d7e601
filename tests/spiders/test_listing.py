"""Listing spider: saved listing pages parsed offline, selector validation, then real crawls of a loopback site."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from monitor.config import DEFAULT_CONFIG, load_config
from spiders.items import SourceFetch
from spiders.listing import ListingSpider, parse_listing, validate_selectors
from tests.spiders.callbacks import collect
from tests.spiders.sites import LoopbackSite, article_page, crawl

LISTINGS = Path(__file__).resolve().parents[1] / "data" / "listings"
CASES: dict[str, dict[str, Any]] = yaml.safe_load((LISTINGS / "cases.yaml").read_text(encoding="utf-8"))
EMBASSY = CASES["embassy_news.html"]


def html(name: str, url: str | None = None) -> HtmlResponse:
    return HtmlResponse(url=url or CASES[name]["url"], body=(LISTINGS / name).read_bytes(),
                        headers={"Content-Type": "text/html", "ETag": '"l1"'})


@pytest.mark.parametrize("name", sorted(CASES))
def test_saved_listings_read_as_the_table_says(name: str) -> None:
    case = CASES[name]
    listed = parse_listing(html(name), case["selectors"], case.get("language"))
    got = [{"link": e.link, "title": e.title, "published": e.published} for e in listed.entries]
    want = [{**w, "published": datetime.fromisoformat(w["published"]) if w["published"] else None}
            for w in case["entries"]]
    assert got == want
    assert listed.next_url == case["next"]


@pytest.mark.parametrize(
    ("selectors", "problems"),
    [
        ({"links": "h2.entry-title a", "title": "h2", "date": "time", "next": "a.next", "max_pages": "3"}, []),
        ({"links": "td a::attr(href)"}, []),
        ({}, ["selectors.links is required"]),
        ({"links": "  ", "title": "h2"}, ["selectors.links is required"]),
        ({"links": "a[", "date": "time"}, ["selectors.links: invalid CSS 'a['"]),
        ({"links": "a", "next": "div >> a"}, ["selectors.next: invalid CSS 'div >> a'"]),
        ({"links": "a", "date": "time::before"}, ["selectors.date: invalid CSS 'time::before'"]),
        ({"links": "a", "titel": "h2"}, ["unknown selector 'titel'"]),
        ({"links": "a", "max_pages": "lots"}, ["selectors.max_pages: must be a whole number"]),
        ({"links": "a", "max_pages": "0"}, ["selectors.max_pages: must be between 1 and 20"]),
        ({"links": "a[", "title": "h2(", "max_pages": "99"},
         ["selectors.links: invalid CSS", "selectors.title: invalid CSS", "selectors.max_pages: must be between"]),
    ],
)
def test_validate_selectors_reports_every_problem(selectors: dict[str, str], problems: list[str]) -> None:
    found = validate_selectors(selectors)
    assert len(found) == len(problems)
    for got, want in zip(found, problems, strict=True):
        assert got.startswith(want), got


def make_spider(**kwargs: Any) -> ListingSpider:
    crawler = get_crawler(ListingSpider)
    args = {"source_id": "embassy", "url": EMBASSY["url"], "selectors": EMBASSY["selectors"], **kwargs}
    spider = ListingSpider.from_crawler(crawler, **args)
    crawler.spider = spider
    return spider


def first_output(spider: ListingSpider) -> Any:
    async def first() -> Any:
        return await anext(aiter(spider.start()))

    return asyncio.run(first())


def test_bad_selectors_give_an_error_fetch_without_any_request() -> None:
    spider = make_spider(selectors={"links": "a[", "nxt": "a.next"})
    fetch = first_output(spider)
    assert isinstance(fetch, SourceFetch)
    assert (fetch.status, fetch.url, fetch.entries) == (0, EMBASSY["url"], 0)
    assert fetch.error is not None and fetch.error.startswith("bad selectors: selectors.links: invalid CSS 'a['")
    assert "unknown selector 'nxt'" in fetch.error


def test_first_request_is_conditional() -> None:
    request = first_output(make_spider(etag='"l0"', last_modified="Wed, 10 Sep 2025 16:00:00 GMT"))
    assert isinstance(request, Request)
    assert request.headers.get("If-None-Match") == b'"l0"'
    assert request.headers.get("If-Modified-Since") == b"Wed, 10 Sep 2025 16:00:00 GMT"
    assert request.cb_kwargs == {"page": 1}
    outputs = collect(make_spider(etag='"l0"').parse_listing(HtmlResponse(url=EMBASSY["url"], status=304), page=1))
    assert outputs == [SourceFetch(source_id="embassy", url=EMBASSY["url"], status=304, not_modified=True,
                                   etag='"l0"')]


def test_pages_are_followed_then_articles_requested_once_each() -> None:
    spider = make_spider(seen_urls=["https://xx.usembassy.example/visa-appointment-update/"])
    [page2] = collect(spider.parse_listing(html("embassy_news.html"), page=1))
    assert isinstance(page2, Request) and page2.url == "https://xx.usembassy.example/news-events/page/2/"
    outputs = collect(spider.parse_listing(html("embassy_news_page2.html", page2.url), **page2.cb_kwargs))
    fetch, *requests = outputs
    assert all(isinstance(r, Request) for r in requests)
    # Articles are still to be fetched, so the page's validators ('"l1"') are not recorded yet.
    assert isinstance(fetch, SourceFetch) and (fetch.entries, fetch.etag, fetch.error) == (4, None, None)
    # All four entries are dated, so they are requested newest first; the seen one is skipped.
    assert [r.url for r in requests] == [
        "https://xx.usembassy.example/statement-on-the-arrival-of-third-country-nationals/",
        "https://xx.usembassy.example/ambassador-meets-foreign-minister/",
        "https://xx.usembassy.example/fourth-of-july-celebration/",
    ]
    assert isinstance(requests[0], Request)
    assert requests[0].cb_kwargs["entry"].title == "Statement on the Arrival of Third-Country Nationals"


@pytest.mark.parametrize(
    ("kwargs", "pages"),
    [({}, 2), ({"max_pages": 1}, 1), ({"max_pages": "3"}, 3),
     ({"selectors": {**EMBASSY["selectors"], "max_pages": "1"}}, 1),
     ({"selectors": {**EMBASSY["selectors"], "max_pages": "1"}, "max_pages": 4}, 4)],
)
def test_max_pages_comes_from_the_argument_then_the_selectors(kwargs: dict[str, Any], pages: int) -> None:
    assert make_spider(**kwargs).max_pages == pages


def test_one_page_limit_or_a_page_of_seen_links_stops_pagination() -> None:
    [fetch, *_] = collect(make_spider(max_pages=1).parse_listing(html("embassy_news.html"), page=1))
    assert isinstance(fetch, SourceFetch) and fetch.entries == 3
    seen = [e["link"] for e in EMBASSY["entries"]]
    outputs = collect(make_spider(seen_urls=seen).parse_listing(html("embassy_news.html"), page=1))
    assert [type(o) for o in outputs] == [SourceFetch]


@pytest.mark.parametrize(
    ("response", "error"),
    [
        (html("redesigned.html", EMBASSY["url"]), "links selector 'article.post a' matched no article links"),
        (Response(EMBASSY["url"], body=b"%PDF-1.7", headers={"Content-Type": "application/pdf"}),
         "not an HTML page: application/pdf"),
    ],
)
def test_a_first_page_without_links_is_an_error(response: Response, error: str) -> None:
    [fetch] = collect(make_spider().parse_listing(response, page=1))
    assert isinstance(fetch, SourceFetch) and fetch.error == error and fetch.status == 200


@pytest.fixture
def site() -> Iterator[LoopbackSite]:
    with LoopbackSite() as s:
        yield s


def listing_page(items: list[tuple[str, str, str]], next_href: str | None) -> bytes:
    rows = "".join(f'<div class="views-row"><h3><a href="{href}">{title}</a></h3><span class="date">{day}</span>'
                   f"</div>" for href, title, day in items)
    pager = f'<li class="pager__item--next"><a href="{next_href}">Next</a></li>' if next_href else ""
    return (f'<html><body><nav><a href="/">Home</a></nav><div class="view-content">{rows}</div>'
            f"<ul>{pager}</ul></body></html>").encode()


SELECTORS = {"links": ".views-row h3 a", "date": ".date", "next": ".pager__item--next a"}


def test_crawl_follows_pages_up_to_max_pages_and_fetches_each_article(site: LoopbackSite) -> None:
    for slug in ("eswatini", "ghana", "rwanda", "uganda", "kosovo"):
        site.page(f"/news/{slug}", article_page(f"News about {slug}"))
    site.page("/press", listing_page([("news/eswatini", "Eswatini", "July 16, 2025"),
                                      ("/news/ghana", "Ghana", "September 10, 2025")], "?page=1"))
    site.page("/press?page=1", listing_page([("/news/rwanda", "Rwanda", "August 28, 2025"),
                                             ("/news/ghana", "Ghana", "September 10, 2025")], "?page=2"))
    site.page("/press?page=2", listing_page([("/news/uganda", "Uganda", "August 21, 2025")], None))
    broken = site.page("/broken", listing_page([], None))

    result = crawl([site], [
        {"kind": "listing", "source_id": "dhs", "url": site.url("/press"), "selectors": SELECTORS},
        {"kind": "listing", "source_id": "broken", "url": broken, "selectors": SELECTORS},
        {"kind": "listing", "source_id": "typo", "url": site.url("/typo"), "selectors": {"link": "h3 a"}},
    ])

    fetch = result.fetch("dhs")
    assert (fetch["status"], fetch["entries"], fetch["error"], fetch["etag"]) == (200, 3, None, None)
    dates = {p["url"]: p["feed_published"][:10] for p in result.pages if p["source_id"] == "dhs"}
    assert dates == {site.url("/news/ghana"): "2025-09-10", site.url("/news/rwanda"): "2025-08-28",
                     site.url("/news/eswatini"): "2025-07-16"}
    assert [h.query for h in site.requests_for("/press")] == ["", "page=1"]  # max_pages 2: page=2 never asked
    assert site.requests_for("/news/uganda") == []
    assert result.fetch("broken")["error"] == "links selector '.views-row h3 a' matched no article links"
    assert "source broken: listing page 1" in result.log
    # A source with unusable selectors reports it without fetching anything.
    assert result.fetch("typo")["error"].startswith("bad selectors: selectors.links is required")
    assert site.requests_for("/typo") == []


def test_recrawl_with_validators_is_not_modified(site: LoopbackSite) -> None:
    site.page("/news/palau", article_page("Palau agrees"))
    url = site.page("/embassy", listing_page([("/news/palau", "Palau", "December 24, 2025")], None))
    first = crawl([site], [{"kind": "listing", "source_id": "koror", "url": url, "selectors": SELECTORS}])
    assert first.fetch("koror")["etag"] is None
    stored = [p["url"] for p in first.pages]
    # Validators are recorded by the first crawl that leaves nothing to fetch.
    complete = crawl([site], [{"kind": "listing", "source_id": "koror", "url": url, "selectors": SELECTORS,
                               "seen_urls": stored}])
    fetch = complete.fetch("koror")
    assert fetch["etag"] and complete.pages == []
    again = crawl([site], [{"kind": "listing", "source_id": "koror", "url": url, "selectors": SELECTORS,
                            "etag": fetch["etag"], "last_modified": fetch["last_modified"]}])
    assert (again.fetch("koror")["not_modified"], again.pages) == (True, [])
    assert len(site.requests_for("/news/palau")) == 1


def test_shipped_listing_sources_have_usable_selectors() -> None:
    listings = [s for s in load_config(DEFAULT_CONFIG).sources if s.kind == "listing"]
    assert len(listings) >= 4
    for source in listings:
        assert validate_selectors(source.selectors) == [], source.id
        spider = make_spider(source_id=source.id, url=source.url, selectors=dict(source.selectors))
        assert spider.problems == [] and 1 <= spider.max_pages <= 3
