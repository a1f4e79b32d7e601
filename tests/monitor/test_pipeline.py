"""The item pipeline: off-topic pages skip full work, pages are stored in groups, one bad page fails alone."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Article as ArticleRow
from db.models import Source
from db.session import transaction
from monitor.classify import Classifier
from monitor.developments import ChannelRoute, IngestResult
from monitor.extract import extract_article
from monitor.newssite import generate_articles
from monitor.newssite.pages import render_article
from monitor.newssite.site import SiteArticle
from monitor.pipeline import (
    QUICK_REASON,
    PipelineContext,
    Prepared,
    StorePipeline,
    prepare_page,
    process_pages,
    store_prepared,
)
from monitor.types import Classification
from spiders.items import FetchedPage

BASE = "http://127.0.0.1:8000"
CHANNELS = (ChannelRoute("email", frozenset({"immediate"})),)


class Picky:
    """The real classifier, except that it fails on one headline and counts its calls."""

    def __init__(self, real: Classifier, fail_on: str = "") -> None:
        self.real, self.fail_on, self.calls = real, fail_on, 0

    def classify(self, title: str, text: str, *, language: str | None = None) -> Classification:
        self.calls += 1
        if self.fail_on and title == self.fail_on:
            raise RuntimeError("classifier broke")
        return self.real.classify(title, text, language=language)


@pytest.fixture(scope="module")
def real() -> Classifier:
    return Classifier.load()


def page_of(article: SiteArticle) -> FetchedPage:
    url = BASE + article.path
    body = render_article(BASE, article, [], f"/feeds/{article.outlet}.rss")
    return FetchedPage(source_id="site", url=url, final_url=url, status=200, body=body, encoding="utf-8")


def context(factory: sessionmaker[Session], classifier: Picky) -> PipelineContext:
    with transaction(factory) as s:
        s.add(Source(id="site", kind="feed", url=BASE + "/feed"))
    return PipelineContext(factory, classifier, {}, CHANNELS)


def stored(factory: sessionmaker[Session]) -> dict[str, ArticleRow]:
    with transaction(factory) as s:
        return {a.url: a for a in s.scalars(select(ArticleRow)).all()}


def test_off_topic_pages_skip_the_full_extraction_and_keep_the_same_verdict(
    sqlite_factory: sessionmaker[Session], real: Classifier
) -> None:
    articles = generate_articles(60, relevant_fraction=0.5, seed=5)
    on_topic = [a for a in articles if a.section == "World"][:5]
    off_topic = [a for a in articles if a.section in ("Business", "Sport", "Culture", "Politics")][:5]
    picky = Picky(real)
    ctx = context(sqlite_factory, picky)
    prepared = [prepare_page(ctx, page_of(a)) for a in on_topic + off_topic]
    assert [p.full for p in prepared] == [True] * len(on_topic) + [False] * len(off_topic)
    assert picky.calls == len(prepared)
    for p in prepared:
        assert p.article is not None and p.classification is not None
        full = extract_article(p.page)
        assert real.classify(full.title, full.text, language=full.language).relevant == p.classification.relevant
    outcomes = process_pages(ctx, [page_of(a) for a in on_topic + off_topic])
    assert all(isinstance(o, IngestResult) and not o.duplicate for o in outcomes)
    rows = stored(sqlite_factory)
    for a in off_topic:
        row = rows[BASE + a.path]
        assert not row.relevant and QUICK_REASON in row.reasons and row.title == a.title
    assert sum(rows[BASE + a.path].relevant for a in on_topic) >= 4
    with transaction(sqlite_factory) as s:
        source = s.get(Source, "site")
        assert source is not None and source.fetched_total == 10 and source.new_total == 10


def test_a_page_that_fails_fails_alone(factory: sessionmaker[Session], real: Classifier) -> None:
    articles = [a for a in generate_articles(40, relevant_fraction=0.5, seed=6) if a.section == "World"][:4]
    ctx = context(factory, Picky(real, fail_on=articles[1].title))
    pages = [page_of(a) for a in articles]
    broken = Classification(relevant=True, score=0.9, stage="talks")  # type: ignore[arg-type]

    outcomes = process_pages(ctx, pages)
    assert isinstance(outcomes[1], RuntimeError)
    assert [isinstance(o, IngestResult) for o in outcomes] == [True, False, True, True]
    # A page whose storage fails (here: a stage that is not a Stage) rolls back the group, which is
    # then stored page by page.
    more = [a for a in generate_articles(60, relevant_fraction=0.5, seed=7) if a.section == "World"][:3]
    items = [prepare_page(ctx, page_of(a)) for a in more]
    items[0] = Prepared(items[0].page, items[0].article, broken)
    results = store_prepared(ctx, items)
    assert isinstance(results[0], AttributeError)
    assert all(isinstance(r, IngestResult) for r in results[1:])
    assert set(stored(factory)) == {p.url for i, p in enumerate(pages) if i != 1} | {
        BASE + a.path for a in more[1:]}


def test_pages_queued_together_are_all_settled(sqlite_factory: sessionmaker[Session], real: Classifier) -> None:
    articles = generate_articles(30, relevant_fraction=0.3, seed=8)
    seen: list[IngestResult | None] = []
    ctx = context(sqlite_factory, Picky(real))
    ctx.on_page = lambda source_id, result: seen.append(result)
    pipeline = StorePipeline(ctx)

    async def crawl() -> None:
        await asyncio.gather(*(pipeline.process_item(page_of(a)) for a in articles))

    asyncio.run(crawl())
    ctx.executor.shutdown(wait=True)
    assert len(seen) == len(articles) and all(r is not None and not r.duplicate for r in seen)
    assert len(stored(sqlite_factory)) == len(articles)


def test_a_page_after_shutdown_is_refused_not_lost_in_the_queue(
    sqlite_factory: sessionmaker[Session], real: Classifier
) -> None:
    ctx = context(sqlite_factory, Picky(real))
    ctx.executor.shutdown(wait=True)
    article = generate_articles(1, seed=9)[0]

    async def late() -> None:
        await StorePipeline(ctx).process_item(page_of(article))

    with pytest.raises(RuntimeError):
        asyncio.run(late())
    assert not ctx._waiting and not ctx._draining
