"""`deportwatch sources check`: crawl one source now and show what would be stored, storing nothing."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler

from monitor.config import SourceConfig
from monitor.crawl import run_with_reactor, scrapy_settings, spider_class, spider_kwargs
from monitor.errors import ExtractionError
from monitor.extract import extract_article
from monitor.pipeline import ClassifierLike
from monitor.runtime import Runtime
from spiders.items import FetchedPage, SourceFetch


@dataclass
class Preview:
    classifier: ClassifierLike
    official: bool
    fetches: list[dict[str, Any]] = field(default_factory=list)
    pages: list[dict[str, Any]] = field(default_factory=list)


PREVIEWS: dict[str, Preview] = {}


class PreviewPipeline:
    """Extracts and classifies like the store pipeline, but only records what it would store."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PreviewPipeline:
        return cls(PREVIEWS[crawler.settings.get("DEPORTWATCH_PREVIEW")])

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, SourceFetch):
            self.preview.fetches.append({"url": item.url, "status": item.status, "entries": item.entries,
                                         "not_modified": item.not_modified, "error": item.error,
                                         "truncated": item.truncated})
        elif isinstance(item, FetchedPage):
            self.preview.pages.append(await asyncio.to_thread(self._page, item))
        return item

    def _page(self, page: FetchedPage) -> dict[str, Any]:
        try:
            article = extract_article(page, official=self.preview.official)
        except ExtractionError as e:
            return {"url": page.url, "error": str(e)}
        cls = self.preview.classifier.classify(article.title, article.text, language=article.language)
        return {"url": article.url, "canonical_url": article.canonical_url, "title": article.title,
                "published_at": article.published_at.isoformat() if article.published_at else None,
                "words": len(article.text.split()), **cls.as_dict()}


def check_source(rt: Runtime, source: SourceConfig) -> dict[str, Any]:
    """Fetch the source in full (no validators) and return what each new page would become."""
    key = uuid.uuid4().hex
    PREVIEWS[key] = Preview(rt.classifier, source.official)
    settings = scrapy_settings(rt, key)
    settings.set("ITEM_PIPELINES", {"monitor.preview.PreviewPipeline": 300}, priority="cmdline")
    settings.set("DEPORTWATCH_PREVIEW", key, priority="cmdline")
    kwargs = {**spider_kwargs(rt, source), "etag": None, "last_modified": None}

    async def main() -> None:
        await AsyncCrawlerRunner(settings).crawl(spider_class(source.kind), **kwargs)

    try:
        run_with_reactor(main)
        preview = PREVIEWS[key]
        return {"source": source.id, "kind": source.kind, "url": source.url, "fetches": preview.fetches,
                "would_store": preview.pages}
    finally:
        PREVIEWS.pop(key, None)
