"""Crawl benchmarks: bare Scrapy vs the full deportwatch pipeline on the same feeds, each in its own process.

`python -m bench.crawl bare|pipeline ARGS_JSON` runs one measurement (a reactor runs once per process)
and prints one JSON line; `crawl_ratio(site, …)` alternates them and reads bytes from the server's log.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import scrapy
import yaml
from scrapy.http import Response

from bench.site import StaticSite

ROOT = Path(__file__).resolve().parent.parent
# Both sides run with these; everything else is each side's own (Scrapy defaults for the bare spider,
# spiders/settings.py for deportwatch). The throttle adapts to a remote site's latency, which a
# loopback server does not have, so it is off for both to compare processing cost.
SHARED_SETTINGS: dict[str, Any] = {
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 4,
    "CONCURRENT_ITEMS": 100,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    "TELNETCONSOLE_ENABLED": False,
    "LOG_ENABLED": False,
}
FEED_LINKS = ("//*[local-name()='item']/*[local-name()='link']/text()"
              " | //*[local-name()='entry']/*[local-name()='link'][@rel='alternate']/@href")


class BareFeedSpider(scrapy.Spider):
    """The reference: fetch a feed, fetch every linked page, yield only its URL."""

    name = "bare"

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.url = url

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url, callback=self.parse)

    def parse(self, response: Response) -> Iterator[scrapy.Request]:
        for href in response.xpath(FEED_LINKS).getall():
            yield response.follow(href.strip(), callback=self.page)

    def page(self, response: Response) -> Iterator[dict[str, str]]:
        yield {"url": response.url}


async def _bare(feeds: list[str]) -> dict[str, Any]:
    from scrapy.crawler import AsyncCrawlerRunner
    from scrapy.settings import Settings

    settings = Settings()
    settings.setdict(SHARED_SETTINGS, priority="cmdline")
    runner = AsyncCrawlerRunner(settings)
    crawlers = [runner.create_crawler(BareFeedSpider) for _ in feeds]
    started, t0, cpu0 = time.time(), time.perf_counter(), cpu_seconds()
    await asyncio.gather(*(runner.crawl(c, url=u) for c, u in zip(crawlers, feeds, strict=True)))
    seconds = time.perf_counter() - t0
    pages = sum(c.stats.get_value("item_scraped_count", 0) for c in crawlers if c.stats)
    return {"pages": pages, "seconds": seconds, "cpu_seconds": cpu_seconds() - cpu0, "started": started,
            "ended": time.time()}


def cpu_seconds() -> float:
    """CPU time of this process, every thread, user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _pipeline(config: str, crawls: int) -> dict[str, Any]:
    from scrapy.crawler import AsyncCrawlerRunner

    from monitor.crawl import crawl_all, scrapy_settings
    from monitor.oneshot import Tally
    from monitor.pipeline import CONTEXTS, register_context
    from monitor.runtime import open_runtime

    rt = await asyncio.to_thread(open_runtime, None, Path(config))
    rt.classifier  # noqa: B018 -- built before the clock starts, as the daemon does at start-up
    runs = []
    for _ in range(crawls):
        tally = Tally(progress=False)
        key = register_context(replace(rt.pipeline_context(), on_page=tally.on_page))
        settings = scrapy_settings(rt, key)
        settings.setdict(SHARED_SETTINGS, priority="cmdline")
        started, t0, cpu0 = time.time(), time.perf_counter(), cpu_seconds()
        try:
            outcomes = await crawl_all(AsyncCrawlerRunner(settings), rt, rt.config.sources)
        finally:
            ctx = CONTEXTS.pop(key)
            await asyncio.to_thread(ctx.executor.shutdown, wait=True)
        seconds = time.perf_counter() - t0
        runs.append({"pages": tally.articles + tally.duplicates, "articles": tally.articles,
                     "relevant": tally.relevant, "new_developments": tally.new_developments,
                     "errors": [o.error for o in outcomes if o.error], "seconds": seconds,
                     "cpu_seconds": cpu_seconds() - cpu0,
                     "started": started, "ended": time.time()})
    rt.close()
    return {"runs": runs}


def write_config(path: Path, feeds: dict[str, str]) -> Path:
    cfg = {
        "sources": [{"id": f"bench-{o}", "kind": "feed", "url": u, "interval": "1h", "allow_private": True,
                     "max_entries": 1000} for o, u in feeds.items()],
        "channels": [
            {"name": "email", "url": "mailto://127.0.0.1:9?from=dw@localhost&to=team@localhost&mode=insecure",
             "tags": ["immediate"]},
            {"name": "slack", "url": "slack://T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX", "tags": ["immediate"]},
        ],
    }
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def bench_env(db_url: str | None = None, config: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEPORTWATCH_TEST_MODE": "1", "DEPORTWATCH_LOG_LEVEL": "WARNING"}
    if db_url:
        env["DEPORTWATCH_DATABASE_URL"] = db_url
    if config:
        env["DEPORTWATCH_CONFIG"] = str(config)
    return env


def run_subprocess(mode: str, args: dict[str, Any], env: dict[str, str], prefix: list[str] | None = None,
                   ) -> dict[str, Any]:
    cmd = [*(prefix or []), sys.executable, "-m", "bench.crawl", mode, json.dumps(args)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} crawl failed ({proc.returncode}): {proc.stderr[-3000:]}")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _bytes(site: StaticSite, started: float, ended: float) -> int:
    return sum(h.bytes_sent for h in site.hits() if started - 0.5 <= h.at <= ended + 0.5)


def crawl_ratio(site: StaticSite, rounds: int = 3) -> dict[str, Any]:
    """Alternate bare and pipeline crawls `rounds` times; medians of pages/s and of the re-crawl ratios."""
    feeds = site.feed_urls()
    bare: list[float] = []
    pipe: list[float] = []
    rec_time: list[float] = []
    rec_bytes: list[float] = []
    detail: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dw-bench-crawl-") as tmp:
        config = write_config(Path(tmp) / "bench.yaml", feeds)
        for i in range(rounds):
            b = run_subprocess("bare", {"feeds": list(feeds.values())}, bench_env())
            bare.append(b["pages"] / b["seconds"])
            db_url = f"sqlite:///{tmp}/round{i}.db"
            p = run_subprocess("pipeline", {"config": str(config), "crawls": 2}, bench_env(db_url, config))
            first, second = p["runs"]
            pipe.append(first["pages"] / first["seconds"])
            b1 = _bytes(site, first["started"], first["ended"])
            b2 = _bytes(site, second["started"], second["ended"])
            rec_time.append(second["seconds"] / first["seconds"])
            rec_bytes.append(b2 / b1 if b1 else float("nan"))
            detail.append({"bare": b, "pipeline": first, "recrawl": second, "first_bytes": b1, "recrawl_bytes": b2})
    bare_med, pipe_med = statistics.median(bare), statistics.median(pipe)
    return {
        "bare_pages_per_s": round(bare_med, 1),
        "pipeline_pages_per_s": round(pipe_med, 1),
        "crawl_ratio": round(pipe_med / bare_med, 3),
        "recrawl_time_ratio": round(statistics.median(rec_time), 4),
        "recrawl_bytes_ratio": round(statistics.median(rec_bytes), 5),
        "crawl_rounds": detail,
    }


def main(mode: str, raw: str) -> None:
    from monitor.crawl import run_with_reactor

    args = json.loads(raw)
    if mode == "bare":
        result = run_with_reactor(lambda: _bare(args["feeds"]))
    elif mode == "pipeline":
        result = run_with_reactor(lambda: _pipeline(args["config"], int(args.get("crawls", 1))))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
