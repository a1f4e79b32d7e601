"""Hostile and broken input: entity attacks, wrong charsets, binary pages, absurd dates, duplicate GUIDs."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scrapy.http import Headers, Response, TextResponse
from scrapy.responsetypes import responsetypes
from scrapy.utils.test import get_crawler
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from db.models import Article as ArticleRow
from db.models import Source
from db.session import make_engine, make_sessionmaker, transaction, upgrade
from monitor.developments import ChannelRoute, ingest
from monitor.errors import ExtractionError
from monitor.extract import extract_article
from monitor.loopback import SmtpSink, WebhookSink
from monitor.types import Article, Classification, CountKind, Stage
from spiders.feed import FeedEntry, FeedSpider, parse_feed
from spiders.items import FetchedPage
from spiders.sitemap import parse_sitemap
from tests.faults.harness import cli, own_tracebacks
from tests.faults.servers import FaultServer, Static
from tests.faults.site import rss

pytestmark = pytest.mark.faults
STORY = ("São Tomé e Príncipe aceptó recibir a 40 deportados de terceros países enviados por Estados Unidos, "
         "informó el Gobierno. ") * 6
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "lollollollollollollollollollol">'
          + "".join(f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True))
          + "]>")


@pytest.mark.parametrize("kind", ["feed", "sitemap"])
def test_entities_never_read_files_or_explode(kind: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:TOP-SECRET")
    xxe = f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">]>'
    if kind == "feed":
        body = f'{xxe}<rss version="2.0"><channel><item><title>&x;</title><link>https://n.example/a</link></item></channel></rss>'
        parsed = parse_feed(body.encode(), "https://n.example/feed")
        seen = " ".join(f"{e.title} {e.summary}" for e in parsed.entries) + str(parsed.error)
    else:
        body = f'{xxe}<urlset><url><loc>https://n.example/&x;</loc></url></urlset>'
        result = parse_sitemap(body.encode(), "https://n.example/sitemap.xml")
        seen = " ".join(e.loc for e in result.entries) + str(result.error)
    assert "TOP-SECRET" not in seen
    bomb = (LAUGHS + ('<rss version="2.0"><channel><item><title>&i;</title><link>https://n.example/a</link>'
                      "</item></channel></rss>" if kind == "feed" else "<urlset><url><loc>https://n.example/&i;"
                      "</loc></url></urlset>")).encode()
    started = time.monotonic()
    out = parse_feed(bomb, "https://n.example/feed") if kind == "feed" else parse_sitemap(bomb, "https://n.example/s")
    assert time.monotonic() - started < 5
    assert len(repr(out)) < 1_000_000  # 10^8 expanded "lol"s would be 3 GB


def spider() -> FeedSpider:
    crawler = get_crawler(FeedSpider)
    crawler.spider = FeedSpider.from_crawler(crawler, source_id="s", url="https://n.example/feed")
    return crawler.spider


def fetched(body: bytes, content_type: str | None) -> FetchedPage | None:
    """What the feed spider yields for this answer (Scrapy picks the response class as its downloader does)."""
    headers = Headers({"Content-Type": content_type} if content_type else {})
    cls = responsetypes.from_args(headers=headers, url="https://n.example/a", body=body)
    response: Response = cls(url="https://n.example/a", body=body, headers=headers)
    entry = FeedEntry(link="https://n.example/a", canonical="https://n.example/a", guid=None, title="Feed title",
                      summary=None, published=None)
    items = list(spider().parse_article(response, entry))
    assert not items or isinstance(response, TextResponse)
    return items[0] if items else None


def page(meta: str = "") -> str:
    return (f"<html><head>{meta}<title>Deportados</title></head><body><article><h1>Deportados</h1>"
            f"<p>{STORY}</p></article></body></html>")


@pytest.mark.parametrize(("body", "content_type"), [
    (page().encode(), "text/html; charset=utf-8"),
    (page('<meta charset="iso-8859-1">').encode("latin-1"), "text/html"),
    (page().encode(), "text/html; charset=x-no-such-charset"),
    (page().encode(), None),
    (page('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">').encode("cp1252"),
     "text/html"),
], ids=["declared", "meta-only", "unknown-charset", "no-header", "http-equiv"])
def test_charsets_given_or_missing_decode_correctly(body: bytes, content_type: str | None) -> None:
    item = fetched(body, content_type)
    assert item is not None
    assert "São Tomé e Príncipe aceptó" in extract_article(item).text


def test_a_page_declared_utf8_but_sent_in_latin1_still_reads_correctly() -> None:
    item = fetched(page().encode("latin-1"), "text/html; charset=utf-8")
    assert item is not None
    assert "São Tomé" in extract_article(item).text


@pytest.mark.parametrize(("body", "content_type"), [
    (b"\x89PNG\r\n\x1a\n" + os.urandom(4000), "text/html"),
    (b"%PDF-1.4\n" + os.urandom(3000), "text/html; charset=utf-8"),
    (os.urandom(20000), "text/html"),
    (page().encode("utf-16-le"), "text/html; charset=utf-8"),
    (b"\x1f\x8b\x08\x00" + os.urandom(2000), "text/html"),
], ids=["png", "pdf", "random", "utf16-undeclared", "gzip-junk"])
def test_binary_sent_as_html_is_skipped_as_not_html(body: bytes, content_type: str) -> None:
    assert fetched(body, content_type) is None


def test_a_crawl_over_broken_pages_stores_the_good_ones_and_records_the_rest(tmp_path: Path) -> None:
    with FaultServer() as server, SmtpSink() as smtp, WebhookSink() as hook:
        pages = {
            "/good-latin1.html": Static(page('<meta charset="iso-8859-1">').encode("latin-1"), "text/html"),
            "/png.html": Static(b"\x89PNG\r\n\x1a\n" + os.urandom(4000), "text/html"),
            "/nul.html": Static(b"\x00" * 5000, "text/html; charset=utf-8"),
            "/empty.html": Static(b"", "text/html; charset=utf-8"),
            "/script-only.html": Static(b"<html><script>var a=1;</script></html>", "text/html"),
        }
        for path, fault in pages.items():
            server.set_fault(path, fault)
        items = [(path.strip("/"), server.url(path)) for path in pages]
        server.set_fault("/feed.rss", Static(rss(items), "application/rss+xml"))
        cfg = tmp_path / "dw.yaml"
        cfg.write_text(json.dumps({"sources": [{"id": "broken", "kind": "feed", "url": server.url("/feed.rss"),
                                                "allow_private": True}]}))
        db = f"sqlite:///{tmp_path / 'dw.db'}"
        done = cli(hook.url, "crawl", "--config", str(cfg), "--json", db_url=db)
        assert smtp.messages == []
    assert done.returncode == 0, done.stderr[-3000:]
    assert own_tracebacks(done.stderr) == []
    report = json.loads(done.stdout)
    assert report["sources"][0]["error"] is None
    engine = create_engine(db)
    with Session(engine) as s:
        stored = {row.url.removeprefix(server.base_url): row.text for row in s.scalars(select(ArticleRow))}
        health = s.get(Source, "broken")
        assert health is not None and health.consecutive_failures == 0
        fetched_total = health.fetched_total
    engine.dispose()
    assert "São Tomé" in stored["/good-latin1.html"]
    # Binary and blank answers are not articles (a blank one is asked for again next crawl); a page whose
    # text is all script keeps its feed title, by design (JavaScript-rendered sites).
    assert set(stored) == {"/good-latin1.html", "/script-only.html"}
    # Every page that reached the pipeline is counted, stored or not.
    assert fetched_total >= len(stored)


def make_article(url: str, published: datetime | None) -> Article:
    return Article(url=url, canonical_url=url, source_id="s", title="Palau agrees", language="en",
                   text=f"Palau agreed to receive up to 75 third-country deportees. {url}", published_at=published,
                   content_hash=hashlib.sha256(url.encode()).hexdigest())


def test_a_far_future_feed_date_does_not_swallow_later_developments(tmp_path: Path) -> None:
    """A feed dated 2999 once kept its development open for ever: the next year's news never alerted."""
    url = f"sqlite:///{tmp_path / 'dates.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>Palau agrees</title>'
            b"<link>https://n.example/a</link><pubDate>Tue, 01 Jan 2999 10:00:00 GMT</pubDate></item></channel></rss>")
    [entry] = parse_feed(feed, "https://n.example/feed").entries
    cls = Classification(relevant=True, score=0.9, receiving_country="Palau", country_code="PW",
                         stage=Stage.AGREEMENT, deportee_count=75, count_kind=CountKind.CAP)
    routes = [ChannelRoute("email", frozenset({"immediate"}))]
    now = datetime.now(UTC)
    with transaction(factory) as s:
        first = ingest(s, make_article("https://n.example/a", entry.published), cls, routes, now=now)
    later = now + timedelta(days=400)
    with transaction(factory) as s:
        again = ingest(s, make_article("https://n.example/b", later), cls, routes, now=later)
    engine.dispose()
    assert first.new_development and again.new_development


def test_duplicate_guids_and_republished_urls_store_one_article_and_one_alert(tmp_path: Path) -> None:
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel>'
            b"<item><title>First</title><link>https://n.example/a</link><guid>g-1</guid></item>"
            b"<item><title>Changed</title><link>https://n.example/b</link><guid>g-1</guid></item>"
            b"</channel></rss>")
    parsed = parse_feed(feed, "https://n.example/feed")
    assert [e.link for e in parsed.entries] == ["https://n.example/a"]
    url = f"sqlite:///{tmp_path / 'dups.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    cls = Classification(relevant=True, score=0.9, receiving_country="Palau", country_code="PW",
                         stage=Stage.AGREEMENT, deportee_count=75, count_kind=CountKind.CAP)
    routes = [ChannelRoute("email", frozenset({"immediate"}))]
    results = []
    for text in ("Palau agreed to receive 75 deportees.", "Palau agreed to receive 75 deportees. Updated."):
        article = Article(url="https://n.example/a", canonical_url="https://n.example/a", source_id="s",
                          title="Palau", text=text, content_hash=hashlib.sha256(text.encode()).hexdigest())
        with transaction(factory) as s:
            results.append(ingest(s, article, cls, routes))
    with transaction(factory) as s:
        from db.models import Alert

        alerts = s.scalars(select(Alert)).all()
    engine.dispose()
    assert results[0].new_development and results[1].duplicate
    assert len(alerts) == 1


def test_feed_fields_of_control_characters_only_are_no_article() -> None:
    page = FetchedPage(source_id="s", url="https://n.example/a", final_url="https://n.example/a", status=200,
                       body=b"", encoding=None, feed_title=None, feed_summary="\x08\x1b")
    with pytest.raises(ExtractionError):
        extract_article(page)
