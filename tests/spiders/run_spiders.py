"""Runs crawls of any source kind in this process and prints items and stats as JSON lines.

Usage: ``python tests/spiders/run_spiders.py '{"crawls": [{"kind": "sitemap", ...spider args}], "settings": {}}'``.
The spider class comes from the daemon's own registry (``monitor.crawl.SPIDERS``); the connection
guard, listening-port sampling and item serialisation are those of ``run_crawl.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scrapy import signals
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from monitor.crawl import spider_class
from spiders.items import FetchedPage, SourceFetch
from tests.spiders.run_crawl import BLOCKED, as_json, guard_connections, listening_ports


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
