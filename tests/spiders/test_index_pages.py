"""Index pages are parsed off the event loop, and only so many of their entries are read."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, XmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from spiders.feed import DEFAULT_INDEX_MAX_ENTRIES, INDEX_MAX_ENTRIES, FeedSpider
from spiders.items import SourceFetch
from spiders.listing import ListingSpider
from spiders.offload import off_loop
from spiders.search import SearchSpider
from spiders.sitemap import SitemapSpider
from tests.spiders.callbacks import collect
from tests.spiders.sites import google_news_rss, news_sitemap

NOW = datetime.now(UTC).replace(microsecond=0)
FEED_URL = "https://n.example/feed.xml"
LISTING_URL = "https://n.example/news/"
SITEMAP_URL = "https://n.example/news-sitemap.xml"
SEARCH_URL = "https://news.google.com/rss/search"


def make(cls: type[FeedSpider], url: str, limit: int | None = None, **kwargs: Any) -> Any:
    settings = {INDEX_MAX_ENTRIES: limit} if limit is not None else None
    crawler = get_crawler(cls, settings_dict=settings)
    spider = cls.from_crawler(crawler, source_id="big", url=url, **kwargs)
    crawler.spider = spider
    return spider


def dated_feed(n: int) -> bytes:
    """RSS with entry i published i hours ago, listed oldest first (so "newest" is not "first")."""
    items = "".join(
        f"<item><title>Entry {i}</title><link>https://n.example/a/{i}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(hours=i), usegmt=True)}</pubDate></item>"
        for i in reversed(range(n)))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title>{items}</channel></rss>').encode()


def links_page(n: int) -> bytes:
    rows = "".join(f'<li><a href="/a/{i}">Article {i}</a></li>' for i in range(n))
    return f"<html><body><ul>{rows}</ul></body></html>".encode()


def feed_response(n: int) -> Response:
    return XmlResponse(url=FEED_URL, body=dated_feed(n), headers={"Content-Type": "application/rss+xml"})


def listing_response(n: int) -> Response:
    return HtmlResponse(url=LISTING_URL, body=links_page(n), headers={"Content-Type": "text/html"})


def sitemap_response(n: int) -> Response:
    entries = [(f"https://n.example/a/{i}", f"Entry {i}", NOW - timedelta(hours=i), "en") for i in reversed(range(n))]
    return XmlResponse(url=SITEMAP_URL, body=news_sitemap(entries), headers={"Content-Type": "application/xml"})


def search_response(n: int) -> Response:
    items = [(f"https://n.example/a/{i}", f"Entry {i}", "Wire", NOW - timedelta(minutes=i)) for i in range(n)]
    url = SEARCH_URL + "?q=x"
    return XmlResponse(url=url, body=google_news_rss(items), headers={"Content-Type": "application/rss+xml"})


# kind → (spider maker, response maker, its index callback, the module function the callback runs in a thread)
Case = tuple[Callable[[int | None], Any], Callable[[int], Response], Callable[[Any, Response], AsyncIterator[Any]], str]
CASES: dict[str, Case] = {
    "feed": (lambda limit: make(FeedSpider, FEED_URL, limit, max_entries=3), feed_response,
             lambda spider, response: spider.parse_feed(response), "spiders.feed.parse_feed"),
    "listing": (lambda limit: make(ListingSpider, LISTING_URL, limit, max_entries=3, selectors={"links": "li a"},
                                   max_pages=1),
                listing_response, lambda spider, response: spider.parse_listing(response, page=1),
                "spiders.listing.parse_listing"),
    "sitemap": (lambda limit: make(SitemapSpider, SITEMAP_URL, limit, max_entries=3, max_age_days=30),
                sitemap_response, lambda spider, response: spider.parse_top(response),
                "spiders.sitemap.read_sitemap"),
    "search": (lambda limit: make(SearchSpider, SEARCH_URL, limit, max_entries=3, query="x", min_interval=0),
               search_response, lambda spider, response: spider.parse_search(response, attempt=0),
               "spiders.search.read_search"),
}
# What each kind keeps when it must choose: the newest entries, or the first of the page.
KEPT = {"feed": "newest", "listing": "first", "sitemap": "newest", "search": "first"}


def test_off_loop_returns_the_result_or_raises_the_error_of_a_daemon_thread() -> None:
    def where(x: int) -> tuple[int, bool, bool]:
        thread = threading.current_thread()
        return x * 2, thread is threading.main_thread(), thread.daemon

    def fail() -> None:
        raise ValueError("bad page")

    async def main() -> tuple[int, bool, bool]:
        with pytest.raises(ValueError, match="bad page"):
            await off_loop(fail)
        return await off_loop(where, 21)

    assert asyncio.run(main()) == (42, False, True)


def test_a_parse_in_progress_does_not_hold_up_the_exit() -> None:
    """asyncio.to_thread's workers are joined at exit: a daemon would wait out a 23 s parse before exiting."""
    script = ("import asyncio, time\nfrom spiders.offload import off_loop\n"
              "async def main():\n    await asyncio.wait_for(off_loop(time.sleep, 60), 0.2)\n"
              "try:\n    asyncio.run(main())\nexcept TimeoutError:\n    print('stopped')\n")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout.strip()) == (0, "stopped"), done.stderr
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("kind", sorted(CASES))
def test_the_index_is_parsed_while_the_event_loop_runs(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse waits for a timer of the loop: were it run on the loop, the timer could never fire."""
    make_spider, respond, callback, target = CASES[kind]
    module, _, name = target.rpartition(".")
    real = getattr(sys.modules[module], name)
    released = threading.Event()
    threads: list[threading.Thread] = []

    def blocking_parse(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        assert released.wait(10), "the event loop was blocked while the page was parsed"
        return real(*args, **kwargs)

    monkeypatch.setattr(target, blocking_parse)

    async def main() -> list[Any]:
        asyncio.get_running_loop().call_later(0.05, released.set)
        return [out async for out in callback(make_spider(None), respond(5))]

    [fetch, *requests] = asyncio.run(main())
    assert [t is threading.main_thread() for t in threads] == [False]
    assert isinstance(fetch, SourceFetch) and fetch.error is None and fetch.truncated == 0
    assert len(requests) == 3 and all(isinstance(r, Request) for r in requests)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_only_so_many_entries_of_one_page_are_read(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    make_spider, respond, callback, _ = CASES[kind]
    spider = make_spider(4)
    with caplog.at_level(logging.WARNING, logger="spiders"):
        fetch, *requests = collect(callback(spider, respond(10)))

    assert isinstance(fetch, SourceFetch) and fetch.error is None
    # The fetch record counts every entry of the page and says how many were left unread.
    assert (fetch.entries, fetch.truncated) == (10, 6)
    # Entry 0 is the newest and the first of the page; the page lists the oldest first where dates decide.
    assert [r.url for r in requests] == [f"https://n.example/a/{i}" for i in range(3)]
    stats = spider.crawler.stats
    assert stats.get_value(f"deportwatch/{spider.name}/index_pages_truncated") == 1
    assert stats.get_value(f"deportwatch/{spider.name}/entries_over_index_limit") == 6
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"lists 10 entries; read only the {KEPT[kind]} 4 ({INDEX_MAX_ENTRIES}), 6 left unread" in warning
    assert warning.startswith("source big: ")


@pytest.mark.parametrize("kind", sorted(CASES))
def test_a_page_within_the_limit_is_read_whole(kind: str) -> None:
    make_spider, respond, callback, _ = CASES[kind]
    fetch, *_ = collect(callback(make_spider(10), respond(10)))
    assert isinstance(fetch, SourceFetch) and (fetch.entries, fetch.truncated) == (10, 0)


def test_a_listing_of_50000_links_reads_the_first_2000() -> None:
    spider = make(ListingSpider, LISTING_URL, max_entries=5, selectors={"links": "li a"}, max_pages=1)
    started = time.monotonic()
    fetch, *requests = collect(spider.parse_listing(listing_response(50_000), page=1))
    assert isinstance(fetch, SourceFetch) and (fetch.entries, fetch.truncated) == (50_000, 48_000)
    assert [r.url for r in requests] == [f"https://n.example/a/{i}" for i in range(5)]
    # The titles and dates of the links past the limit are never looked for.
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("value", [0, -1, "many"])
def test_a_bad_limit_is_refused_when_the_spider_is_made(value: object) -> None:
    crawler = get_crawler(FeedSpider, settings_dict={INDEX_MAX_ENTRIES: value})
    with pytest.raises(ValueError, match=INDEX_MAX_ENTRIES):
        FeedSpider.from_crawler(crawler, source_id="big", url=FEED_URL)


def test_the_project_settings_and_the_spiders_agree_on_the_default() -> None:
    settings = Settings()
    settings.setmodule("spiders.settings")
    spider = make(FeedSpider, FEED_URL)
    assert settings.getint(INDEX_MAX_ENTRIES) == DEFAULT_INDEX_MAX_ENTRIES == spider.index_max_entries
