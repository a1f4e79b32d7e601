"""Extraction: the content hash, the quick lxml read and the topic check that lets off-topic pages skip full work."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.classify.corpus import load_corpus
from monitor.extract import TOPIC_WORDS, extract_article, normalise_text, quick_article, quick_read
from monitor.newssite import generate_articles
from monitor.newssite.pages import render_article
from monitor.newssite.site import SiteArticle
from spiders.items import FetchedPage

BASE = "http://127.0.0.1:8000"
_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")


def reference_normalise(text: str) -> str:
    """The content hash's normalisation as first written: every character checked, two passes."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WS.sub(" ", _PUNCT.sub(" ", folded)).strip()


@given(st.text())
def test_normalised_text_is_unchanged_by_the_ascii_shortcut(text: str) -> None:
    assert normalise_text(text) == reference_normalise(text)


@pytest.mark.parametrize("text", ["Déportés vers l'Eswatini", "KOSOVO agrees", "Ñandú  –  São Tomé", "İstanbul"])
def test_normalised_text_examples(text: str) -> None:
    assert normalise_text(text) == reference_normalise(text)


def page_of(article: SiteArticle, related: list[SiteArticle]) -> FetchedPage:
    body = render_article(BASE, article, related, f"/feeds/{article.outlet}.rss")
    url = BASE + article.path
    return FetchedPage(source_id="s", url=url, final_url=url, status=200, body=body, encoding="utf-8")


def split_site() -> tuple[list[SiteArticle], list[SiteArticle]]:
    articles = generate_articles(120, relevant_fraction=0.5, seed=3)
    on_topic = [a for a in articles if a.section == "World"]
    off_topic = [a for a in articles if a.section not in ("World", "Americas")]
    return on_topic, off_topic


def test_off_topic_page_fails_the_check_even_with_on_topic_links_around_it() -> None:
    on_topic, off_topic = split_site()
    page = page_of(off_topic[0], related=on_topic[:6])
    assert b"deport" in page.body.lower()  # in the "related stories" links only
    read = quick_read(page)
    assert not read.topical
    assert read.title == off_topic[0].title
    assert read.language == "en"
    assert read.published == off_topic[0].published
    assert read.sitename == "Wirewatch" or read.sitename
    assert read.text.split("\n") == list(off_topic[0].paragraphs)


def test_on_topic_page_passes_the_check() -> None:
    on_topic, off_topic = split_site()
    for article in on_topic[:10]:
        assert quick_read(page_of(article, related=off_topic[:6])).topical, article.title


def test_quick_article_matches_the_full_extraction_on_plain_pages() -> None:
    _, off_topic = split_site()
    page = page_of(off_topic[1], related=[])
    quick = quick_article(page, quick_read(page))
    full = extract_article(page)
    assert (quick.title, quick.text, quick.content_hash) == (full.title, full.text, full.content_hash)
    # trafilatura keeps the day only; the quick read keeps the page's timestamp.
    assert quick.published_at and full.published_at and quick.published_at.date() == full.published_at.date()


def test_pages_with_an_xml_declaration_or_no_markup_are_read() -> None:
    xhtml = b'<?xml version="1.0" encoding="utf-8"?>\n<html lang="fr"><head><title>T</title></head><body>' \
            b"<p>Des migrants expuls\xc3\xa9s vers un pays tiers.</p></body></html>"
    page = FetchedPage(source_id="s", url=BASE, final_url=BASE, status=200, body=xhtml, encoding="utf-8",
                       feed_published=datetime(2025, 1, 1, tzinfo=UTC))
    read = quick_read(page)
    assert read.topical and read.language == "fr" and read.published == datetime(2025, 1, 1, tzinfo=UTC)


def test_corpus_positives_with_a_body_all_carry_topic_words() -> None:
    """Such pages go straight to the full extraction; the rest are classified on their paragraphs first."""
    rows = load_corpus(None)
    missed = [r.id for r in rows if r.relevant and len(r.text) > 200
              and not TOPIC_WORDS.search(f"{r.title}\n{r.text}".lower())]
    assert missed == []
