"""Index pages are parsed off the event loop."""

from __future__ import annotations

import asyncio
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
from scrapy.utils.test import get_crawler

from spiders.feed import FeedSpider
from spiders.items import SourceFetch
from spiders.listing import ListingSpider
from spiders.offload import off_loop
from spiders.search import SearchSpider
from spiders.sitemap import SitemapSpider
from tests.spiders.sites import google_news_rss, news_sitemap

NOW = datetime.now(UTC).replace(microsecond=0)
FEED_URL = "https://n.example/feed.xml"
LISTING_URL = "https://n.example/news/"
SITEMAP_URL = "https://n.example/news-sitemap.xml"
SEARCH_URL = "https://news.google.com/rss/search"


def make(cls: type[FeedSpider], url: str, **kwargs: Any) -> Any:
    crawler = get_crawler(cls)
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
Case = tuple[Callable[[], Any], Callable[[int], Response], Callable[[Any, Response], AsyncIterator[Any]], str]
CASES: dict[str, Case] = {
    "feed": (lambda: make(FeedSpider, FEED_URL, max_entries=3), feed_response,
             lambda spider, response: spider.parse_feed(response), "spiders.feed.parse_feed"),
    "listing": (lambda: make(ListingSpider, LISTING_URL, max_entries=3, selectors={"links": "li a"}, max_pages=1),
                listing_response, lambda spider, response: spider.parse_listing(response, page=1),
                "spiders.listing.parse_listing"),
    "sitemap": (lambda: make(SitemapSpider, SITEMAP_URL, max_entries=3, max_age_days=30),
                sitemap_response, lambda spider, response: spider.parse_top(response),
                "spiders.sitemap.read_sitemap"),
    "search": (lambda: make(SearchSpider, SEARCH_URL, max_entries=3, query="x", min_interval=0),
               search_response, lambda spider, response: spider.parse_search(response, attempt=0),
               "spiders.search.read_search"),
}


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
        return [out async for out in callback(make_spider(), respond(5))]

    [fetch, *requests] = asyncio.run(main())
    assert [t is threading.main_thread() for t in threads] == [False]
    assert isinstance(fetch, SourceFetch) and (fetch.entries, fetch.error) == (5, None)
    assert len(requests) == 3 and all(isinstance(r, Request) for r in requests)
