"""One crawl, now: every given source once, then the due alerts (the `crawl` command and the demo)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner

from alerts.outbox import DispatchResult, dispatch_due
from monitor.config import SourceConfig
from monitor.crawl import crawl_all, run_with_reactor, scrapy_settings
from monitor.daemon import channels_of
from monitor.developments import IngestResult
from monitor.pipeline import CONTEXTS, register_context
from monitor.runtime import Runtime


class Tally:
    """Counts what the pipeline did during one crawl."""

    def __init__(self, progress: bool) -> None:
        self.articles = self.relevant = self.new_developments = self.updates = self.duplicates = 0
        self.progress = progress

    def on_page(self, source_id: str, result: IngestResult | None) -> None:
        if result is None:
            return
        if result.duplicate:
            self.duplicates += 1
        else:
            self.articles += 1
        self.relevant += int(result.development_id is not None)
        self.new_developments += int(result.new_development)
        self.updates += int(result.update)
        if self.progress:
            print(f"\r{self.articles} articles, {self.relevant} relevant, {self.new_developments} new developments",
                  end="", file=sys.stderr, flush=True)


async def crawl_and_dispatch(rt: Runtime, sources: Sequence[SourceConfig], *, dispatch: bool, tally: Tally,
                             rounds: int = 3) -> dict[str, Any]:
    key = register_context(replace(rt.pipeline_context(), on_page=tally.on_page))
    try:
        runner = AsyncCrawlerRunner(scrapy_settings(rt, key))
        outcomes = await crawl_all(runner, rt, sources)
    finally:
        ctx = CONTEXTS.pop(key)
        ctx.executor.shutdown(wait=True)
    sent = DispatchResult()
    if dispatch:
        channels = channels_of(rt)
        for _ in range(rounds):
            result = await dispatch_due(rt.factory, channels, rt.config.alerts, limit=1000)
            sent = sent + result
            if not result.sent and not result.failed:
                break
    if tally.progress:
        print(file=sys.stderr)
    return {
        "sources": [{"source_id": o.source_id, "seconds": round(o.seconds, 2), "error": o.error} for o in outcomes],
        "articles": tally.articles,
        "duplicates": tally.duplicates,
        "relevant": tally.relevant,
        "new_developments": tally.new_developments,
        "updates": tally.updates,
        "alerts_sent": sent.sent,
        "alerts_failed": sent.failed,
    }


def crawl_once(rt: Runtime, sources: Sequence[SourceConfig], *, dispatch: bool = True,
               progress: bool = False) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        return await crawl_and_dispatch(rt, sources, dispatch=dispatch, tally=Tally(progress))

    return run_with_reactor(main)
