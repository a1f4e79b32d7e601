"""Scale-out on Scrapyd: crawls dispatched to real nodes on loopback store into one PostgreSQL, alerts go once."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from bench.scrapyd_nodes import free_port, node_config, scrapyd_command
from bench.scrapyd_scale import ScaleRun, site_articles
from db.models import Article
from db.session import transaction
from monitor.config import Settings, load_config
from monitor.crawl import spider_kwargs
from monitor.errors import ConfigError
from monitor.runtime import open_runtime
from monitor.scrapyd import ARG_BUDGET, ScrapydCluster, ScrapydError, node_arguments, spider_arguments
from tests.conftest import services_required

ARTICLES = 40
SOURCES = 2


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"source_id": "a", "etag": None}, {"source_id": "a"}),
        ({"allow_private": True, "follow": False}, {"allow_private": "true", "follow": "false"}),
        ({"max_entries": 50}, {"max_entries": "50"}),
        ({"seen_urls": frozenset({"https://b.example/2", "https://a.example/1"})},
         {"seen_urls": '["https://a.example/1", "https://b.example/2"]'}),
        ({"selectors": {"item": "article h2 a"}}, {"selectors": '{"item": "article h2 a"}'}),
        ({"selectors": {}}, {"selectors": "{}"}),
    ],
)
def test_spider_arguments_are_command_line_strings(kwargs: dict[str, object], expected: dict[str, str]) -> None:
    assert spider_arguments(kwargs) == expected


def test_seen_urls_round_trip_through_the_feed_spider() -> None:
    from spiders.feed import FeedSpider

    urls = {"https://news.example/a?utm_source=x", "https://news.example/b"}
    args = spider_arguments({"source_id": "s", "url": "https://news.example/feed", "seen_urls": frozenset(urls),
                             "allow_private": False, "max_entries": 5})
    spider = FeedSpider(**args)
    assert spider.seen_urls == {"https://news.example/a", "https://news.example/b"}
    assert spider.allow_private is False and spider.max_entries == 5


def test_scrapyd_section_is_validated(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(yaml.safe_dump({"scrapyd": {"nodes": ["http://scrapyd-1:6800/", "http://scrapyd-2:6800"]}}))
    assert load_config(good).scrapyd is not None
    assert load_config(good).scrapyd.nodes == ("http://scrapyd-1:6800", "http://scrapyd-2:6800")  # type: ignore[union-attr]
    bad = tmp_path / "bad.yaml"
    bad.write_text("scrapyd:\n  nodes:\n    - scrapyd-1:6800/x\n")
    with pytest.raises(ConfigError) as err:
        load_config(bad)
    assert "bad.yaml:2" in str(err.value) and "base URL" in str(err.value)


def test_seen_urls_fit_one_command_line_argument(tmp_path: Path) -> None:
    # Linux refuses a single argv string over 128 KiB, and Scrapyd passes each spider argument as one.
    config = tmp_path / "dw.yaml"
    config.write_text(yaml.safe_dump({"sources": [
        {"id": "big", "kind": "feed", "url": "https://news.example/feed", "max_entries": 20}]}))
    url = f"sqlite:///{tmp_path / 'dw.db'}"
    rt = open_runtime(Settings(database_url=SecretStr(url), config=config))
    try:
        with transaction(rt.factory) as s:
            s.add_all(Article(canonical_url=f"https://news.example/{i:05d}/{'x' * 100}", url=f"https://news.example/{i}",
                              source_id="big", content_hash=f"{i:064d}") for i in range(2000))
        source = rt.config.source("big")
        assert len(spider_arguments(spider_kwargs(rt, source))["seen_urls"]) > 200_000
        args = node_arguments(rt, source)
        seen = json.loads(args["seen_urls"])
        assert len(args["seen_urls"]) <= ARG_BUDGET
        # The newest stored URLs are the ones kept: they are what the feed still lists.
        assert f"https://news.example/01999/{'x' * 100}" in seen
        assert len(seen) >= source.max_entries
        assert len(node_arguments(rt, source, budget=1_000_000)["seen_urls"]) > 200_000
    finally:
        rt.close()


def test_node_config_keeps_the_project_and_moves_the_node(tmp_path: Path) -> None:
    text = node_config(tmp_path, 6123)
    assert "deportwatch = spiders.settings" in text
    assert "http_port = 6123" in text and "bind_address = 127.0.0.1" in text
    assert f"logs_dir = {tmp_path / 'logs'}" in text


def test_no_reachable_node_is_an_error() -> None:
    cluster = ScrapydCluster([f"http://127.0.0.1:{free_port()}"], timeout=2)
    with pytest.raises(ScrapydError, match="no Scrapyd node took the crawl"):
        asyncio.run(cluster.schedule("feed", "s", {"source_id": "s", "url": "http://127.0.0.1:9/feed"}, {}))


def test_generated_site_has_one_feed_per_source() -> None:
    articles = site_articles(ARTICLES, SOURCES)
    assert Counter(a.outlet for a in articles) == {f"outlet-{i:02d}": ARTICLES // SOURCES for i in range(SOURCES)}


@pytest.fixture
def cluster_run(postgres_base_url: str) -> Iterator[ScaleRun]:
    try:
        scrapyd_command()
    except FileNotFoundError as e:
        if services_required():
            pytest.fail(str(e))
        pytest.skip(str(e))
    with ScaleRun(postgres_base_url, ARTICLES, SOURCES, nodes=2, max_proc=2, dead_node=True) as run:
        yield run


@pytest.mark.e2e
@pytest.mark.postgres
def test_two_nodes_store_each_article_once_and_alert_each_development_once(cluster_run: ScaleRun) -> None:
    run = cluster_run
    crawl = run.crawl(timeout=150, dispatch_twice=True)
    assert crawl.unfinished == [], "jobs still running after 150 s"
    # A source still queued or running is not handed out again, not even by a new leader.
    assert run.repeated == []
    assert len(crawl.jobs) == SOURCES
    nodes_used = Counter(j.node for j in crawl.jobs)
    assert set(nodes_used) == set(run.nodes), f"jobs went to {nodes_used}, not to both nodes"
    assert crawl.pages == ARTICLES

    run.send_alerts()
    snap = run.snapshot()
    assert sorted(snap.stored_urls) == sorted(run.site_urls())
    assert snap.new_alerts, "the site's on-topic articles opened no development"
    assert set(snap.new_alerts.values()) == {1}
    assert snap.unsent == 0
    assert sorted(snap.mailed) == sorted(snap.sent_alerts)
    assert Counter(snap.mailed) == Counter(snap.sent_alerts)
    assert set(snap.mailed) >= set(snap.new_alerts)
    print(f"\n{SOURCES} sources, {ARTICLES} articles through 2 nodes: {crawl.pages} pages in {crawl.seconds:.1f}s "
          f"({crawl.pages_per_s:.1f} pages/s); {len(snap.new_alerts)} developments, {len(snap.mailed)} mails; "
          f"jobs per node {json.dumps(list(nodes_used.values()))}")

    # The nodes stored each feed's validators: a second round fetches no page and alerts nothing new.
    again = run.crawl(timeout=150)
    assert again.unfinished == []
    assert again.pages == 0
    print(f"second round: {len(again.jobs)} jobs in {again.seconds:.1f}s, no page fetched")
    run.send_alerts()
    assert run.snapshot() == snap
