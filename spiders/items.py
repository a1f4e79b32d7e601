"""The typed items spiders yield: a fetched page and the feed metadata that led to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class FetchedPage:
    """One article page as fetched, before extraction."""

    source_id: str
    url: str
    """The URL as found in the feed or listing."""
    final_url: str
    """The URL after redirects (and rel=canonical when the page declares one)."""
    status: int
    body: bytes
    encoding: str | None = None
    feed_title: str | None = None
    feed_summary: str | None = None
    feed_published: datetime | None = None
    fetched_at: datetime | None = None
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SourceFetch:
    """What a crawl of one source's index (feed, sitemap, listing) looked like."""

    source_id: str
    url: str
    status: int
    entries: int = 0
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    truncated: int = 0
    """Entries the index lists beyond the most read from one index page (DEPORTWATCH_INDEX_MAX_ENTRIES),
    left unread; ``entries`` counts them."""
