"""Fuzzed feeds, sitemaps, listings, search answers, pages and article texts: no crash, only recorded errors."""

from __future__ import annotations

import gzip
import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.http import HtmlResponse

from monitor.classify import Classifier
from monitor.errors import ExtractionError
from monitor.extract import extract_article
from spiders.feed import ParsedFeed, parse_feed
from spiders.items import FetchedPage
from spiders.listing import parse_listing
from spiders.search import parse_gdelt, parse_google_news
from spiders.sitemap import parse_sitemap

pytestmark = pytest.mark.faults
# The same examples on every run (a CI failure is reproducible); DEPORTWATCH_FUZZ_EXAMPLES=2000 explores anew.
DEEP = os.environ.get("DEPORTWATCH_FUZZ_EXAMPLES")
FUZZ = settings(max_examples=int(DEEP or 120), deadline=None, derandomize=not DEEP,
                suppress_health_check=[HealthCheck.too_slow])
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)

# Pieces of real feeds, sitemaps and pages, shuffled by hypothesis into broken documents.
XML_BITS = [
    '<?xml version="1.0" encoding="utf-8"?>', '<?xml version="1.0" encoding="x-bogus"?>', '<rss version="2.0">',
    "</rss>", "<channel>", "</channel>", "<item>", "</item>", "<title>", "</title>", "<link>", "</link>",
    '<guid isPermaLink="false">', "</guid>", "<pubDate>", "</pubDate>", "<description>", "</description>",
    '<feed xmlns="http://www.w3.org/2005/Atom">', "</feed>", "<entry>", "</entry>", '<link href="', '"/>',
    "<updated>", "</updated>", '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">', "</urlset>",
    "<sitemapindex>", "</sitemapindex>", "<sitemap>", "</sitemap>", "<url>", "</url>", "<loc>", "</loc>",
    "<lastmod>", "</lastmod>", "<news:publication_date>", "<![CDATA[", "]]>", "&amp;", "&bogus;", "&#0;",
    "&#xFFFFFF;", '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>', "&e;", "https://n.example/a",
    "http://127.0.0.1:9/x", "javascript:alert(1)", "file:///etc/passwd", "//no-scheme.example/x", "/relative",
    "http://[::1", "http://x.example:99999/", "Mon, 01 Jan 2999 10:00:00 GMT", "0000-00-00", "0001-01-01",
    "9999-12-31T23:59:59Z", "2025-07-16T12:00:00+02:00", "Wed, 11 Jun 2025 18:40:00 GMT", "\x00", "\ufeff",
    "Kosovo agrees to take up to 50 deportees", "<script>alert(1)</script>", "<b>", "</b>", " ", "\n",
]
HTML_BITS = [
    "<html>", "</html>", "<head>", "<body>", "</body>", '<meta charset="bogus">', "<title>", "</title>",
    "<article>", "</article>", "<p>", "</p>", '<div class="views-row"><h3><a href="', '">', "</a></h3></div>",
    "<li><a href=\"", "/news/1", "https://n.example/2", "javascript:void(0)", "mailto:x@y", "#top", "<ul>",
    '<span class="date">', "</span>", "February 14, 2026", "14 de febrero de 2026", "2999-01-01", "<!--", "-->",
    "<script>", "</script>", "<table>", "<td>", "&nbsp;", "&#x0;", "Palau agreed to receive 75 deportees.",
    "http://[::1", '<link rel="canonical" href="', "<svg onload=alert(1)>", "<iframe src=x>", "\x00", "é",
    "\u202e", " ", "\n",
]


def documents(bits: list[str]) -> st.SearchStrategy[bytes]:
    pieces = st.lists(st.one_of(st.sampled_from(bits), st.text(max_size=20)), max_size=60)
    text = pieces.map("".join)
    encoded = st.tuples(text, st.sampled_from(["utf-8", "latin-1", "utf-16"])).map(
        lambda te: te[0].encode(te[1], errors="replace"))
    return st.one_of(encoded, st.binary(max_size=3000), encoded.map(gzip.compress))


def plausible(moment: datetime | None) -> bool:
    return moment is None or EARLIEST <= moment <= datetime.now(UTC) + timedelta(days=1)


@FUZZ
@given(body=documents(XML_BITS), content_type=st.sampled_from([None, "application/rss+xml", "text/html",
                                                                "application/atom+xml; charset=bogus"]))
def test_any_feed_bytes_give_entries_or_an_error(body: bytes, content_type: str | None) -> None:
    parsed = parse_feed(body, "https://n.example/feed.xml", content_type)
    assert isinstance(parsed, ParsedFeed)
    assert parsed.error is None or parsed.entries == ()
    for entry in parsed.entries:
        assert entry.link and isinstance(entry.canonical, str)
        assert plausible(entry.published)
        assert "root:" not in (entry.title or "") + (entry.summary or "")


@FUZZ
@given(body=documents(XML_BITS))
def test_any_sitemap_bytes_give_entries_or_an_error(body: bytes) -> None:
    parsed = parse_sitemap(body, "https://n.example/sitemap.xml", max_size=1_000_000)
    assert parsed.error is None or (parsed.entries == () and parsed.children == ())
    for entry in parsed.entries:
        assert isinstance(entry.canonical, str) and plausible(entry.date)
        assert "root:" not in (entry.title or "")


@FUZZ
@given(body=documents(XML_BITS))
def test_any_search_answer_gives_hits_or_an_error(body: bytes) -> None:
    for results in (parse_google_news(body, "https://news.google.com/rss/search?q=x"), parse_gdelt(body)):
        assert results.error is None or results.hits == ()
        assert all(plausible(hit.published) for hit in results.hits)


@FUZZ
@given(body=documents(HTML_BITS), selectors=st.sampled_from([
    {"links": ".views-row h3 a", "date": ".date"}, {"links": "li a"}, {"links": "a::attr(href)"}]))
def test_any_listing_page_gives_http_links_only(body: bytes, selectors: dict[str, str]) -> None:
    response = HtmlResponse(url="https://n.example/news/", body=body, encoding="utf-8")
    listed = parse_listing(response, selectors)
    for entry in listed.entries:
        assert entry.link.startswith(("http://", "https://")) and plausible(entry.published)


@FUZZ
@given(body=documents(HTML_BITS), encoding=st.sampled_from([None, "utf-8", "cp1252", "utf-16", "x-bogus"]),
       feed_title=st.one_of(st.none(), st.text(max_size=50)), feed_summary=st.one_of(st.none(), st.text()))
def test_any_page_becomes_an_article_or_an_extraction_error(
    body: bytes, encoding: str | None, feed_title: str | None, feed_summary: str | None
) -> None:
    page = FetchedPage(source_id="fuzz", url="https://n.example/a", final_url="https://n.example/a", status=200,
                       body=body, encoding=encoding, feed_title=feed_title, feed_summary=feed_summary)
    try:
        article = extract_article(page)
    except ExtractionError:
        return
    assert article.title or article.text
    assert "\x00" not in article.title + article.text
    assert article.content_hash.startswith("v1:") and plausible(article.published_at)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier.load()


CLASSIFIER_BITS = [
    "Kosovo", "Eswatini", "Rwanda", "South Sudan", "agreed to receive", "deportees", "third-country",
    "deportation flight", "landed", "up to", "99999999999999999999", "2147483648", "-5", "0", "1e30", "fifty",
    "cincuenta", "expulsados", "a accepté d'accueillir", "migrants", "court", "blocked", "not", "never", "\x00",
    "\u202e", "<!channel>", "<script>", "'; DROP TABLE articles; --", ".", ",", " ", "\n",
]


@settings(max_examples=int(DEEP or 80), deadline=None, derandomize=not DEEP,
          suppress_health_check=[HealthCheck.too_slow])
@given(title=st.lists(st.sampled_from(CLASSIFIER_BITS) | st.text(max_size=10), max_size=12).map(" ".join),
       text=st.lists(st.sampled_from(CLASSIFIER_BITS) | st.text(max_size=30), max_size=80).map(" ".join),
       language=st.sampled_from([None, "en", "es", "fr", "xx", ""]))
def test_any_text_gets_a_bounded_explained_decision(
    classifier: Classifier, title: str, text: str, language: str | None
) -> None:
    result = classifier.classify(title, text, language=language)
    assert 0.0 <= result.score <= 1.0
    # Counts are stored in a 32-bit integer column.
    assert result.deportee_count is None or 0 <= result.deportee_count < 2**31
    assert not result.relevant or result.reasons
