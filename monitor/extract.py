"""Extraction: a fetched page becomes an Article (trafilatura for text, title, date)."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import urlsplit

import trafilatura

from monitor.errors import ExtractionError
from monitor.types import Article
from spiders.items import FetchedPage
from spiders.urls import canonical_url

log = logging.getLogger(__name__)
HASH_VERSION = "v1"
_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
# Text shorter than this is not an article body; fall back to the feed's summary.
_MIN_TEXT = 80


def normalise_text(text: str) -> str:
    """Lower-case, accent-folded, punctuation-free, single-spaced text (the basis of the content hash)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _WS.sub(" ", _PUNCT.sub(" ", folded)).strip()


def content_hash(title: str, text: str) -> str:
    """A stable, versioned hash of the article's normalised text."""
    body = normalise_text(text) or normalise_text(title)
    return f"{HASH_VERSION}:" + hashlib.sha256(body.encode()).hexdigest()[:48]


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def outlet_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def extract_article(page: FetchedPage, *, official: bool = False) -> Article:
    """Turn a fetched page into an Article; raises ExtractionError when nothing usable is found."""
    try:
        html = page.body.decode(page.encoding or "utf-8", errors="replace")
    except LookupError:
        html = page.body.decode("utf-8", errors="replace")
    try:
        doc = trafilatura.bare_extraction(
            html, url=page.final_url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as e:  # trafilatura raises assorted lxml errors on hostile markup
        raise ExtractionError(f"extraction failed: {type(e).__name__}: {e}") from e
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    title = (getattr(doc, "title", None) or "").strip() if doc is not None else ""
    if len(text) < _MIN_TEXT and page.feed_summary:
        text = (text + "\n" + page.feed_summary).strip()
    title = title or (page.feed_title or "").strip()
    if not text and not title:
        raise ExtractionError("no text or title found")
    published = _parse_date(getattr(doc, "date", None) if doc is not None else None) or page.feed_published
    canonical = canonical_url(page.final_url or page.url)
    return Article(
        url=page.url,
        canonical_url=canonical,
        source_id=page.source_id,
        title=title[:1000],
        text=text[:100_000],
        language=(getattr(doc, "language", None) if doc is not None else None) or None,
        published_at=published,
        outlet=(getattr(doc, "sitename", None) if doc is not None else None) or outlet_of(canonical),
        official=official,
        content_hash=content_hash(title, text),
    )
