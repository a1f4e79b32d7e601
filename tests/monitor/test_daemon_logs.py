"""Daemon logs: JSON or text lines, and Scrapy's own lines about a request carry the source id and URL."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from scrapy import Request

from monitor.logs import JsonFormatter, PageContextFilter, TextFormatter
from spiders.feed import FeedSpider

URL = "https://wire.example/2026/03/rwanda.html"


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO, logging.Handler]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(PageContextFilter())
    logger = logging.getLogger("scrapy.downloadermiddlewares.retry.test")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield logger, stream, handler
    logger.removeHandler(handler)


def test_scrapy_lines_about_a_request_get_its_source_and_url(
    captured: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, stream, handler = captured
    handler.setFormatter(JsonFormatter())
    spider = FeedSpider(source_id="wire", url="https://wire.example/feed.xml")
    # The shapes Scrapy uses: the request among the format arguments, the spider as an extra.
    logger.error("Gave up retrying %(request)s (failed %(retry_times)d times): %(reason)s",
                 {"request": Request(URL), "retry_times": 3, "reason": "timeout"}, extra={"spider": spider})
    logger.warning("a line about nothing in particular")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert (first["source_id"], first["url"], first["level"]) == ("wire", URL, "error")
    assert first["msg"].startswith(f"Gave up retrying <GET {URL}>")
    assert "source_id" not in second and "url" not in second


def test_text_lines_name_source_and_url_and_keep_ones_given_explicitly(
    captured: tuple[logging.Logger, io.StringIO, logging.Handler],
) -> None:
    logger, stream, handler = captured
    handler.setFormatter(TextFormatter("%(levelname)s %(message)s"))
    spider = FeedSpider(source_id="wire", url="https://wire.example/feed.xml")
    logger.info("crawl done", extra={"source_id": "other", "url": "https://other.example/", "spider": spider})
    assert stream.getvalue().strip() == "INFO crawl done [source=other url=https://other.example/]"
