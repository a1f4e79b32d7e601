"""Where a page's time goes: each pipeline stage timed alone (CPU time) on the site's own pages."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from bench.site import StaticSite
from db.session import make_engine, make_sessionmaker, upgrade
from monitor.developments import ChannelRoute
from monitor.extract import extract_article, page_html, quick_read
from monitor.pipeline import PipelineContext, Prepared, prepare_page, store_prepared
from spiders.items import FetchedPage

T = TypeVar("T")
CHANNELS = (ChannelRoute("email", frozenset({"immediate"})), ChannelRoute("slack", frozenset({"immediate"})))
LONG_PAGE = 50_000


def _cpu_ms(fn: Callable[[], T]) -> tuple[T, float]:
    t0 = time.thread_time()
    out = fn()
    return out, (time.thread_time() - t0) * 1000


def fetched_pages(site: StaticSite, limit: int) -> list[FetchedPage]:
    pages = []
    for path in sorted(site.articles)[:limit]:
        body = (site.root / path.lstrip("/")).read_bytes()
        url = site.base_url + path
        pages.append(FetchedPage(source_id="bench", url=url, final_url=url, status=200, body=body,
                                 encoding="utf-8", fetched_at=datetime.now(UTC)))
    return pages


def _mean(values: list[float]) -> float:
    return round(statistics.fmean(values), 3) if values else 0.0


def stage_costs(site: StaticSite, limit: int = 600) -> dict[str, Any]:
    """Mean CPU ms per page of each stage, short (~7 KB) and long (~150 KB) pages apart.

    `pipeline_ms` is what the pipeline spends per page (`prepare_page`: a quick lxml read, the full
    extraction only where needed, classification; then a grouped store); `full_ms` is trafilatura,
    classification and the store on every page, as without the quick read.
    """
    from monitor.classify import Classifier

    classifier = Classifier.load()
    pages = fetched_pages(site, limit)
    rows: list[dict[str, Any]] = []
    for page in pages:
        html = page_html(page)
        read, t_quick = _cpu_ms(lambda page=page, html=html: quick_read(page, html))  # type: ignore[misc]
        article, t_extract = _cpu_ms(lambda page=page, html=html: extract_article(page, html=html))  # type: ignore[misc]
        _, t_classify = _cpu_ms(lambda a=article: classifier.classify(a.title, a.text, language=a.language))  # type: ignore[misc]
        rows.append({"long": len(page.body) >= LONG_PAGE, "topical": read.topical, "quick": t_quick,
                     "extract": t_extract, "classify": t_classify})
    with tempfile.TemporaryDirectory(prefix="dw-bench-stages-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'stages.db'}"
        upgrade(url)
        engine = make_engine(url)
        ctx = PipelineContext(make_sessionmaker(engine), classifier, {}, CHANNELS)
        prepared: list[Prepared] = []
        for page, row in zip(pages, rows, strict=True):
            item, row["prepare"] = _cpu_ms(lambda page=page: prepare_page(ctx, page))  # type: ignore[misc]
            row["full"] = item.full
            prepared.append(item)
        for start in range(0, len(prepared), 50):
            group = prepared[start:start + 50]
            _, ms = _cpu_ms(lambda group=group: store_prepared(ctx, group))  # type: ignore[misc]
            for row in rows[start:start + 50]:
                row["store"] = ms / len(group)
        ctx.executor.shutdown()
        engine.dispose()
    out: dict[str, Any] = {"topic_words_rate": round(sum(r["topical"] for r in rows) / len(rows), 3),
                           "full_extraction_rate": round(sum(r["full"] for r in rows) / len(rows), 3)}
    for label, keep in (("short", False), ("long", True)):
        chosen = [r for r in rows if r["long"] is keep]
        out[label] = {"pages": len(chosen), **{f"{k}_ms": _mean([r[k] for r in chosen])
                                                for k in ("quick", "extract", "classify", "prepare", "store")}}
    out["pipeline_ms"] = _mean([r["prepare"] + r["store"] for r in rows])
    out["full_ms"] = _mean([r["extract"] + r["classify"] + r["store"] for r in rows])
    return out


if __name__ == "__main__":
    import json

    from monitor.newssite import generate_articles

    with StaticSite(generate_articles(2000, 0.2, seed=1)) as s:
        print(json.dumps(stage_costs(s), indent=1))
