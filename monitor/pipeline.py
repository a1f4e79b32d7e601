"""The Scrapy item pipeline: extract → classify → store, off the event loop, pages committed in groups."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from scrapy.crawler import Crawler
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.session import retrying, transaction
from monitor.config import SourceConfig
from monitor.developments import ChannelRoute, IngestResult, ingest
from monitor.errors import ExtractionError
from monitor.extract import extract_article, page_html, quick_article, quick_read
from monitor.types import Article, Classification
from spiders.items import FetchedPage, SourceFetch

log = logging.getLogger(__name__)
QUICK_REASON = "read from the page's paragraphs (no deportation vocabulary on the page)"
# Below this many characters the paragraphs are not a usable article body (pages built from
# <div>s, teasers): such a page gets the full extraction.
MIN_QUICK_TEXT = 200
# A quick-read verdict is final only when it is clearly below the classifier's threshold (0.5).
REVIEW_SCORE = 0.25
# Pages waiting for the pipeline thread are stored in one transaction: one commit instead of one per page.
# The time bound keeps the first page of a group from waiting long for its commit (alert latency).
MAX_GROUP = 50
MAX_GROUP_SECONDS = 0.25

Outcome = IngestResult | None | BaseException
# The cyclic collector, at its default thresholds, walks every live object (the classifier's model,
# Scrapy's queue of requests) every few thousand allocations, and reading a page allocates many: it
# took about a quarter of a crawl's CPU. What is alive once the pipeline is built is frozen (never
# walked again), and young collections run less often.
GC_THRESHOLDS = (50_000, 20, 20)
_collector_tuned = False


def tune_collector() -> None:
    """Freeze the start-up heap and raise the collector's thresholds, once per process."""
    global _collector_tuned
    if not _collector_tuned:
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        _collector_tuned = True


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
    _waiting: deque[tuple[FetchedPage, asyncio.Future[Outcome]]] = field(
        default_factory=deque, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _draining: bool = field(default=False, init=False, repr=False)

    def __post_init__(self) -> None:
        tune_collector()


CONTEXTS: dict[str, PipelineContext] = {}


def register_context(ctx: PipelineContext) -> str:
    """Make `ctx` findable by the pipeline through the DEPORTWATCH_CONTEXT setting."""
    key = uuid.uuid4().hex
    CONTEXTS[key] = ctx
    return key


def handle_fetch(ctx: PipelineContext, item: SourceFetch) -> None:
    """Record a source index fetch (feed, sitemap, listing) in the source's health row."""
    with transaction(ctx.factory) as s:
        store.record_fetch(s, item.source_id, ok=item.error is None, error=item.error, etag=item.etag,
                           last_modified=item.last_modified, not_modified=item.not_modified,
                           truncated=item.truncated > 0)
    if item.error:
        log.warning("source fetch failed: %s", item.error, extra={"source_id": item.source_id, "url": item.url})
    if ctx.on_fetch:
        ctx.on_fetch(item)


@dataclass(frozen=True)
class Prepared:
    """A page after extraction and classification, ready to store; no article when extraction failed."""

    page: FetchedPage
    article: Article | None = None
    classification: Classification | None = None
    full: bool = False
    """True when trafilatura's full extraction ran (False: the quick read was enough)."""


def _about(page: FetchedPage) -> dict[str, str]:
    return {"source_id": page.source_id, "url": page.url}


def prepare_page(ctx: PipelineContext, page: FetchedPage) -> Prepared:
    """Extract and classify one page.

    A page with no deportation vocabulary is classified on the text of its paragraphs, read with
    lxml alone; only if that text is thin, or the verdict is not clearly "irrelevant", does the page
    get trafilatura's full extraction and a second classification. Pages with such vocabulary go
    to the full extraction directly.
    """
    source = ctx.sources.get(page.source_id)
    official = bool(source and source.official)
    html = page_html(page)
    try:
        read = quick_read(page, html)
    except ExtractionError:
        read = None
    if read is not None and not read.topical and len(read.text) >= MIN_QUICK_TEXT:
        try:
            article = quick_article(page, read, official=official)
        except ExtractionError:
            article = None
        if article is not None:
            cls = ctx.classifier.classify(article.title, article.text, language=article.language)
            if not cls.relevant and cls.score < REVIEW_SCORE:
                return Prepared(page, article, replace(cls, reasons=(*cls.reasons, QUICK_REASON)))
    try:
        article = extract_article(page, official=official, html=html)
    except ExtractionError as e:
        log.warning("no article: %s", e, extra=_about(page))
        return Prepared(page, full=True)
    cls = ctx.classifier.classify(article.title, article.text, language=article.language)
    return Prepared(page, article, cls, full=True)


def _lock_order(p: Prepared) -> str:
    # ingest() locks one key per relevant article's country; taking them in one order across
    # concurrent writers means two groups never wait on each other's locks.
    cls = p.classification
    if cls is None:
        return ""
    if cls.relevant:
        return cls.country_code or "*"
    # An article that may follow its country's development takes that country's lock.
    return (cls.follow_up.country_code or "") if cls.follow_up is not None else ""


class _PageFailed(Exception):
    """One page of a group could not be stored; the group's transaction was rolled back."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _store_together(ctx: PipelineContext, items: list[Prepared]) -> list[Outcome]:
    order = sorted(range(len(items)), key=lambda i: _lock_order(items[i]))

    def store(s: Session) -> list[Outcome]:
        outcomes: list[Outcome] = [None] * len(items)
        for i in order:
            outcomes[i] = _store_one(ctx, s, items[i])
        return outcomes

    return retrying(ctx.factory, store, what=f"storage ({len(items)} pages)")


def store_prepared(ctx: PipelineContext, items: list[Prepared]) -> list[Outcome]:
    """Store prepared pages in one transaction; if one page fails, each is stored alone so it fails alone."""
    try:
        outcomes = _store_together(ctx, items)
    except _PageFailed as failed:
        if len(items) == 1:
            outcomes = [failed.error]
        else:
            outcomes = []
            for item in items:
                try:
                    outcomes.extend(_store_together(ctx, [item]))
                except _PageFailed as e:
                    outcomes.append(e.error)
                except OperationalError as e:
                    outcomes.append(e)
    for item, outcome in zip(items, outcomes, strict=True):
        cls = item.classification
        if isinstance(outcome, IngestResult) and outcome.new_development and cls is not None:
            log.info("new development %s (%s, %s)", outcome.development_id, cls.receiving_country, cls.stage,
                     extra=_about(item.page))
    return outcomes


def _store_one(ctx: PipelineContext, s: Session, item: Prepared) -> Outcome:
    if item.article is None or item.classification is None:
        store.record_page(s, item.page.source_id, new=False)
        return None
    try:
        result = ingest(s, item.article, item.classification, ctx.channels)
    except OperationalError:
        raise
    except Exception as e:
        raise _PageFailed(e) from e
    store.record_page(s, item.page.source_id, new=not result.duplicate)
    return result


def _prepare(ctx: PipelineContext, page: FetchedPage) -> Prepared | BaseException:
    try:
        return prepare_page(ctx, page)
    except Exception as e:
        return e


def _finish(ctx: PipelineContext, prepared: list[Prepared | BaseException]) -> list[Outcome]:
    ready = [p for p in prepared if isinstance(p, Prepared)]
    try:
        stored = store_prepared(ctx, ready) if ready else []
    except Exception as e:
        stored = [e] * len(ready)
    it = iter(stored)
    return [p if isinstance(p, BaseException) else next(it) for p in prepared]


def process_pages(ctx: PipelineContext, pages: list[FetchedPage]) -> list[Outcome]:
    """Prepare every page, then store them together; a failure is returned in the page's place."""
    return _finish(ctx, [_prepare(ctx, page) for page in pages])


def handle_page(ctx: PipelineContext, page: FetchedPage) -> IngestResult | None:
    """Extract, classify and store one page; None when the page yielded no article."""
    outcome = process_pages(ctx, [page])[0]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def submit_page(ctx: PipelineContext, page: FetchedPage, future: asyncio.Future[Outcome]) -> None:
    """Queue a page for the pipeline thread, which settles `future` (on its loop) once the page is stored."""
    with ctx._lock:
        ctx._waiting.append((page, future))
        if ctx._draining:
            return
        ctx._draining = True
    try:
        ctx.executor.submit(_drain, ctx)
    except RuntimeError:  # the executor was shut down: nothing will take the page
        with ctx._lock:
            ctx._draining = False
            ctx._waiting.remove((page, future))
        raise


def _drain(ctx: PipelineContext) -> None:
    try:
        while _drain_group(ctx):
            pass
    except BaseException:
        # Never leave the queue marked as drained by a dead worker: the next page starts a new one.
        with ctx._lock:
            ctx._draining = False
        raise


def _drain_group(ctx: PipelineContext) -> bool:
    """Prepare and store one group of waiting pages; False once the queue is empty."""
    group: list[tuple[FetchedPage, asyncio.Future[Outcome]]] = []
    started = time.monotonic()
    prepared: list[Prepared | BaseException] = []
    while len(group) < MAX_GROUP and time.monotonic() - started < MAX_GROUP_SECONDS:
        with ctx._lock:
            if not ctx._waiting:
                if not group:
                    ctx._draining = False
                    return False
                break
            entry = ctx._waiting.popleft()
        group.append(entry)
        prepared.append(_prepare(ctx, entry[0]))
    for (_, future), outcome in zip(group, _finish(ctx, prepared), strict=True):
        # A closed loop (RuntimeError) means nobody waits for this page any more.
        with contextlib.suppress(RuntimeError):
            future.get_loop().call_soon_threadsafe(_settle, future, outcome)
    return True


def _settle(future: asyncio.Future[Outcome], outcome: Outcome) -> None:
    if not future.done():
        future.set_result(outcome)


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
            future: asyncio.Future[Outcome] = loop.create_future()
            submit_page(self.ctx, item, future)
            outcome = await future
            result = None
            if isinstance(outcome, BaseException):
                log.error("failed to store page", exc_info=outcome, extra=_about(item))
            else:
                result = outcome
            if self.ctx.on_page:
                self.ctx.on_page(item.source_id, result)
        return item
