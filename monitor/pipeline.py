"""The Scrapy item pipeline: extract → classify → store, off the event loop, one item at a time."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from scrapy.crawler import Crawler
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.session import transaction
from monitor.config import SourceConfig
from monitor.developments import ChannelRoute, IngestResult, ingest
from monitor.errors import ExtractionError
from monitor.extract import extract_article
from monitor.types import Classification
from spiders.items import FetchedPage, SourceFetch

log = logging.getLogger(__name__)


class ClassifierLike(Protocol):
    def classify(self, title: str, text: str, *, language: str | None = None) -> Classification: ...


@dataclass
class PipelineContext:
    """Everything the pipeline needs from the process that runs the crawl."""

    factory: sessionmaker[Session]
    classifier: ClassifierLike
    sources: dict[str, SourceConfig]
    channels: tuple[ChannelRoute, ...]
    on_page: Callable[[str, IngestResult | None], None] | None = None
    on_fetch: Callable[[SourceFetch], None] | None = None
    # One worker: extraction and classification hold the GIL anyway, and one writer keeps
    # SQLite's write lock uncontended.
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "dw-pipeline"))


CONTEXTS: dict[str, PipelineContext] = {}


def register_context(ctx: PipelineContext) -> str:
    """Make `ctx` findable by the pipeline through the DEPORTWATCH_CONTEXT setting."""
    key = uuid.uuid4().hex
    CONTEXTS[key] = ctx
    return key


def handle_fetch(ctx: PipelineContext, item: SourceFetch) -> None:
    """Record a source index fetch (feed, sitemap, listing) in the source's health row."""
    with transaction(ctx.factory) as s:
        store.record_fetch(
            s,
            item.source_id,
            ok=item.error is None,
            error=item.error,
            etag=item.etag,
            last_modified=item.last_modified,
            not_modified=item.not_modified,
        )
    if item.error:
        log.warning("source fetch failed: %s", item.error, extra={"source_id": item.source_id, "url": item.url})
    if ctx.on_fetch:
        ctx.on_fetch(item)


def handle_page(ctx: PipelineContext, page: FetchedPage) -> IngestResult | None:
    """Extract, classify and store one page; None when the page yielded no article."""
    extra = {"source_id": page.source_id, "url": page.url}
    source = ctx.sources.get(page.source_id)
    try:
        article = extract_article(page, official=bool(source and source.official))
    except ExtractionError as e:
        log.warning("no article: %s", e, extra=extra)
        with transaction(ctx.factory) as s:
            store.record_page(s, page.source_id, new=False)
        return None
    cls = ctx.classifier.classify(article.title, article.text, language=article.language)
    for attempt in (1, 2, 3):
        try:
            with transaction(ctx.factory) as s:
                result = ingest(s, article, cls, ctx.channels)
                store.record_page(s, page.source_id, new=not result.duplicate)
            break
        except OperationalError as e:
            # A restarted database or a long-held lock: the transaction rolled back whole, so retrying is safe.
            if attempt == 3:
                raise
            log.warning("storage retry %d after: %s", attempt, e.__class__.__name__, extra=extra)
    if result.new_development:
        log.info("new development %s (%s, %s)", result.development_id, cls.receiving_country, cls.stage, extra=extra)
    return result


class StorePipeline:
    """Scrapy item pipeline; switched on by ITEM_PIPELINES, wired to a PipelineContext by DEPORTWATCH_CONTEXT."""

    def __init__(self, ctx: PipelineContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        key = crawler.settings.get("DEPORTWATCH_CONTEXT")
        ctx = CONTEXTS.get(key) if key else None
        if ctx is None:
            from monitor.runtime import context_from_environment

            ctx = context_from_environment()
        return cls(ctx)

    async def process_item(self, item: Any) -> Any:
        loop = asyncio.get_running_loop()
        if isinstance(item, SourceFetch):
            await loop.run_in_executor(self.ctx.executor, handle_fetch, self.ctx, item)
        elif isinstance(item, FetchedPage):
            try:
                result = await loop.run_in_executor(self.ctx.executor, handle_page, self.ctx, item)
            except Exception:
                log.exception("failed to store page", extra={"source_id": item.source_id, "url": item.url})
                result = None
            if self.ctx.on_page:
                self.ctx.on_page(item.source_id, result)
        return item
