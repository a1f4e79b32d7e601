"""Runs crawls of any source kind in this process and prints items, stats and listening ports as JSON lines.

Usage: ``python tests/spiders/run_spiders.py '{"crawls": [{"kind": "sitemap", ...spider args}], "settings": {}}'``;
the crawls run side by side in one CrawlerProcess. The spider class comes from the daemon's own registry
(``monitor.crawl.SPIDERS``). A reactor can be installed once per process, so each test run is its own process:
call it through ``tests.spiders.runner.run_spiders``.
"""

from __future__ import annotations

import dataclasses
import errno
import ipaddress
import json
import socket
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from monitor.crawl import spider_class
from spiders.items import FetchedPage, SourceFetch
from tests.support.procfs import listening_ports

BLOCKED: list[str] = []


def _loopback(address: Any) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    try:
        return ipaddress.ip_address(str(host).split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def guard_connections() -> None:
    """A safety net under the code being tested: this process never connects beyond loopback."""
    original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            BLOCKED.append(str(address))
            raise ConnectionRefusedError(errno.ECONNREFUSED, "blocked by the test harness")
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            BLOCKED.append(str(address))
            return errno.ECONNREFUSED
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]


def as_json(item: Any) -> dict[str, Any]:
    data = dataclasses.asdict(item)
    data["type"] = type(item).__name__
    if isinstance(item, FetchedPage):
        body = data.pop("body")
        data["body_len"] = len(body)
        data["has_article"] = b"<article" in body or b"entry-content" in body
    return json.loads(json.dumps(data, default=str))


def main() -> None:
    config = json.loads(sys.argv[1])
    guard_connections()
    settings = Settings()
    settings.setmodule("spiders.settings", priority="project")
    settings.update({"LOG_LEVEL": "INFO", **config.get("settings", {})}, priority="cmdline")
    process = CrawlerProcess(settings)
    items: list[Any] = []
    listeners: set[int] = set()

    # Signal receivers are held weakly: keep named references for the whole run.
    def collect(item: Any, **_: Any) -> None:
        items.append(item)

    def sample(**_: Any) -> None:
        listeners.update(listening_ports())

    crawlers = []
    for crawl in config["crawls"]:
        args = dict(crawl)
        crawler = process.create_crawler(spider_class(args.pop("kind")))
        crawler.signals.connect(collect, signal=signals.item_scraped)
        crawler.signals.connect(sample, signal=signals.response_received)
        crawler.signals.connect(sample, signal=signals.spider_closed)
        process.crawl(crawler, **args)
        crawlers.append((args["source_id"], crawler))
    process.start()
    for item in items:
        assert isinstance(item, FetchedPage | SourceFetch)
        print(json.dumps(as_json(item)))
    stats = {}
    for source_id, crawler in crawlers:
        all_stats = crawler.stats.get_stats() if crawler.stats else {}
        stats[source_id] = {k: v for k, v in all_stats.items() if isinstance(v, int | float)}
    print(json.dumps({"type": "Summary", "stats": stats, "listening": sorted(listeners), "blocked": BLOCKED}))


if __name__ == "__main__":
    main()
