"""SQL injection: quotes, semicolons and SQL in every stored field go through ingest, views and the CLI intact."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from db import store
from db.models import Alert, Article, Development, Label, Source
from db.session import transaction
from monitor.developments import ChannelRoute, ingest
from monitor.extract import extract_article
from monitor.types import Article as ArticleData
from monitor.types import Classification, CountKind, Stage
from monitor.views import alerts_view, developments_view
from spiders.items import FetchedPage
from spiders.urls import canonical_url
from tests.faults.harness import cli

pytestmark = pytest.mark.faults
Figure = Callable[[str, Any], None]
EVIL = "x'); DROP TABLE articles; -- \"q\" ; DELETE FROM alerts WHERE '1'='1' \\ %_ $1 :name ?"
TABLES = {"sources", "articles", "developments", "development_articles", "alerts", "labels", "alembic_version"}


def evil_article(n: int) -> tuple[ArticleData, Classification]:
    url = f"https://n.example/{n}?q={EVIL}"
    article = ArticleData(url=url, canonical_url=url, source_id=f"src'; DROP TABLE sources;-- {n}",
                          title=f"{EVIL} title {n}", text=f"{EVIL} text {n}", language="en'--",
                          outlet=f"{EVIL} outlet", official=False,
                          content_hash=f"v1:'; DROP TABLE articles;-- {n}")
    cls = Classification(relevant=True, score=0.9, receiving_country=f"{EVIL} land {n}", country_code=f"';{n}",
                         stage=Stage.AGREEMENT, deportee_count=50, count_kind=CountKind.CAP,
                         reasons=(EVIL, f"reason {n}"), language="en'--")
    return article, cls


def test_every_field_is_a_bound_parameter(db_url: str, factory: sessionmaker[Session], figure: Figure) -> None:
    channel = ChannelRoute("chan'; DELETE FROM alerts;--", frozenset({"immediate"}))
    with transaction(factory) as s:
        store.sync_sources(s, [(f"src'; DROP TABLE sources;-- {n}", "feed'--", f"https://n.example/{EVIL}")
                               for n in (1, 2)])
    for n in (1, 2):
        article, cls = evil_article(n)
        with transaction(factory) as s:
            assert ingest(s, article, cls, [channel]).new_development
            store.record_fetch(s, article.source_id, ok=False, error=EVIL, etag=EVIL, last_modified=EVIL)
            store.record_page(s, article.source_id, new=True)
            store.save_label(s, article.canonical_url, "irrelevant", note=EVIL)
    devs = developments_view(factory)
    alerts = alerts_view(factory)
    with transaction(factory) as s:
        assert store.article_exists(s, evil_article(1)[0].canonical_url)
        titles = sorted(s.scalars(select(Article.title)))
        countries = sorted(d.receiving_country or "" for d in s.scalars(select(Development)))
        errors = {r.id: r.last_error for r in s.scalars(select(Source))}
        notes = {r.note for r in s.scalars(select(Label))}
        channels = {a.channel for a in s.scalars(select(Alert))}
    engine = create_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    figure("tables intact, rows written (articles, developments, alerts)", (tables >= TABLES, len(titles),
                                                                           len(countries), len(alerts)))
    assert tables >= TABLES
    assert titles == [f"{EVIL} title 1", f"{EVIL} title 2"]
    assert countries == [f"{EVIL} land 1", f"{EVIL} land 2"]
    assert set(errors.values()) == {EVIL} and len(errors) == 2
    assert notes == {EVIL} and channels == {channel.name}
    assert sorted(d["title"] for d in devs) == titles and all(d["sources"][0]["outlet"] == f"{EVIL} outlet"
                                                              for d in devs)
    assert len(alerts) == 2


def test_the_cli_passes_hostile_arguments_as_data(tmp_path: Any, figure: Figure) -> None:
    db = f"sqlite:///{tmp_path / 'dw.db'}"
    cfg = tmp_path / "dw.yaml"
    cfg.write_text("sources: []\n")
    url = f"https://n.example/a?q={EVIL}"
    done = cli("http://127.0.0.1:9", "label", url, "irrelevant", "--note", EVIL, "--config", str(cfg), db_url=db)
    assert done.returncode == 0, done.stderr[-2000:]
    for args in (("developments", "--json"), ("alerts", "list", "--json"), ("sources", "list", "--json")):
        listed = cli("http://127.0.0.1:9", *args, "--config", str(cfg), db_url=db)
        assert listed.returncode == 0 and isinstance(json.loads(listed.stdout), list), listed.stderr[-2000:]
    engine = create_engine(db)
    try:
        with Session(engine) as s:
            [label] = s.scalars(select(Label)).all()
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    figure("CLI label with SQL in URL and note: stored as given", label.note == EVIL)
    assert (label.note, label.canonical_url) == (EVIL, canonical_url(url)) and tables >= TABLES


def test_a_nul_from_any_spider_never_reaches_the_database(db_url: str, factory: sessionmaker[Session]) -> None:
    page = FetchedPage(source_id="s", url="https://n.example/a", final_url="https://n.example/a", status=200,
                       body=b"<html><body></body></html>", encoding="utf-8", feed_title="Palau\x00agrees",
                       feed_summary="Palau agreed\x00 to receive 75 third-country deportees from the United States.")
    article = extract_article(page)
    cls = Classification(relevant=False, score=0.1)
    with transaction(factory) as s:
        ingest(s, article, cls, [])
    assert "\x00" not in article.title + article.text


HOSTILE = ("&lt;script&gt;alert(1)&lt;/script&gt; &lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; "
           "*bold*")
RAW_MARKUP = ("<script>alert(1)", "<!channel>", "<@U123>", "<https://evil.example|click>")


def test_markup_in_a_crawled_page_reaches_mail_and_slack_only_escaped(tmp_path: Any, figure: Figure) -> None:
    """From the page to the inbox: extraction, storage and rendering never turn crawled text back into markup.

    Rendering alone is covered in tests/alerts (test_render, test_send, test_acceptance); this is the whole way.
    """
    from monitor.loopback import SmtpSink, WebhookSink
    from monitor.newssite import demo_articles
    from tests.faults.servers import FaultServer, Static
    from tests.faults.site import rss
    from tests.support.config import demo_channels

    kosovo = demo_articles()[0][0]
    paragraphs = "".join(f"<p>{p} {HOSTILE}</p>" for p in kosovo.paragraphs)
    page = (f"<html><head><title>{kosovo.title} {HOSTILE}</title></head><body><article><h1>{kosovo.title} "
            f"{HOSTILE}</h1>{paragraphs}</article></body></html>").encode()
    with FaultServer() as server, SmtpSink() as smtp, WebhookSink() as hook:
        server.set_fault("/kosovo.html", Static(page))
        server.set_fault("/feed.rss", Static(rss([(f"{kosovo.title} {HOSTILE}", server.url("/kosovo.html"))]),
                                             "application/rss+xml"))
        cfg = tmp_path / "dw.yaml"
        cfg.write_text(json.dumps({
            "sources": [{"id": "hostile", "kind": "feed", "url": server.url("/feed.rss"), "allow_private": True}],
            "channels": demo_channels(smtp)}))
        done = cli(hook.url, "crawl", "--config", str(cfg), "--json", db_url=f"sqlite:///{tmp_path / 'dw.db'}")
        assert done.returncode == 0, done.stderr[-2000:]
        assert json.loads(done.stdout)["new_developments"] == 1
        [mail] = smtp.messages
        html = "".join(str(p.get_content()) for p in mail.walk() if p.get_content_type() == "text/html")
        [post] = hook.posts
        slack = " ".join(strings(post.json))
    # The hostile text did arrive, escaped for each target (HTML entities; Slack's &lt; &gt; &amp;).
    assert "&lt;script&gt;alert(1)" in html and "&lt;!channel&gt;" in slack and "&lt;@U123&gt;" in slack
    # The plain-text part and the subject are text, where "<script>" is harmless; HTML and mrkdwn are markup.
    found = [m for m in RAW_MARKUP if m in html or m in slack]
    figure("raw markup in the delivered mail and Slack message", found)
    assert found == []


def strings(node: Any) -> list[str]:
    """Every string in a JSON document (the Slack message's texts, wherever Block Kit puts them)."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return []
