"""The feed spider: revalidates one RSS/Atom feed and fetches the article page of each new entry."""

from __future__ import annotations

import calendar
import json
import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self

import feedparser
import scrapy
from scrapy.crawler import Crawler
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import get_base_url
from twisted.python.failure import Failure
from w3lib.html import remove_tags, replace_entities

from spiders.items import FetchedPage, SourceFetch
from spiders.middleware import UrlRefused
from spiders.offload import off_loop
from spiders.sanitize import looks_binary, plausible_date, valid_charrefs, without_controls
from spiders.urls import canonical_url, join_url, scheme_block_reason

log = logging.getLogger(__name__)

HEADER_COMPLAINTS = (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# The Scrapy setting bounding the entries read from one index page, and its default (spiders/settings.py).
INDEX_MAX_ENTRIES = "DEPORTWATCH_INDEX_MAX_ENTRIES"
DEFAULT_INDEX_MAX_ENTRIES = 2000


@dataclass(frozen=True)
class FeedEntry:
    """One feed entry, reduced to what the article request needs."""

    link: str
    """Absolute link as the feed gives it (relative links resolved against the feed URL)."""
    canonical: str
    guid: str | None
    title: str | None
    summary: str | None
    published: datetime | None


@dataclass(frozen=True)
class ParsedFeed:
    """The unique entries of a feed, newest first, or why the feed could not be read."""

    entries: tuple[FeedEntry, ...]
    error: str | None = None
    warning: str | None = None
    """Set when the feed was read despite being malformed (feedparser's "bozo" flag)."""
    dropped: int = 0
    """Unique entries past the *limit* of :func:`parse_feed`, older than every entry kept."""


def parse_feed(body: bytes, url: str, content_type: str | None = None, limit: int | None = None) -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom bytes fetched from *url*; tolerant of broken XML.

    At most *limit* entries are kept, the newest. Pure (no shared state): spiders run it in a thread.
    """
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(valid_charrefs(body), response_headers=headers)
    except Exception as e:  # feedparser's loose parser raises assorted errors on hostile bytes
        return ParsedFeed((), f"unreadable feed: {type(e).__name__}: {e}")
    entries = unique_entries(_entry_from(raw, url) for raw in parsed.entries)
    problem = parsed.get("bozo_exception")
    if not parsed.get("version") and not entries:
        return ParsedFeed((), f"not an RSS or Atom feed ({problem or 'no feed root element'})")
    # Complaints about the HTTP headers say nothing about the feed itself.
    if isinstance(problem, HEADER_COMPLAINTS):
        problem = None
    newest = newest_first(entries)
    kept = newest if limit is None else newest[:limit]
    return ParsedFeed(kept, warning=str(problem) if problem else None, dropped=len(newest) - len(kept))


def _entry_from(raw: Any, feed_url: str) -> FeedEntry | None:
    link = raw.get("link") or ""
    guid = raw.get("id") or None
    if not link and guid and raw.get("guidislink"):
        link = guid
    if not link:
        return None
    # feedparser resolves against xml:base or the feed URL; join again for links it left relative.
    joined = join_url(feed_url, link.strip())
    if not joined:
        return None
    link = joined
    return FeedEntry(
        link=link,
        canonical=canonical_url(link),
        guid=guid,
        title=_plain(raw.get("title"), raw.get("title_detail")),
        summary=_plain(raw.get("summary"), raw.get("summary_detail")),
        published=_utc(raw.get("published_parsed") or raw.get("updated_parsed") or raw.get("created_parsed")),
    )


def unique_entries(entries: Iterable[FeedEntry | None]) -> list[FeedEntry]:
    """Drop missing entries and repeats of a GUID or of a canonical link, keeping the first."""
    seen: set[str] = set()
    unique: list[FeedEntry] = []
    for entry in entries:
        if entry is None or entry.canonical in seen or (entry.guid and "guid:" + entry.guid in seen):
            continue
        seen.add(entry.canonical)
        if entry.guid:
            seen.add("guid:" + entry.guid)
        unique.append(entry)
    return unique


def newest_first(entries: list[FeedEntry]) -> tuple[FeedEntry, ...]:
    """Dated entries newest first, then undated ones in feed order (a stable sort)."""
    return tuple(sorted(entries, key=lambda e: (e.published is None, -(e.published or _EPOCH).timestamp())))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _utc(parsed: Any) -> datetime | None:
    # feedparser normalises every date it understands to a UTC struct_time.
    if not parsed:
        return None
    try:
        return plausible_date(datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC))
    except (OverflowError, ValueError, TypeError):
        return None


def _plain(text: str | None, detail: Any) -> str | None:
    if not text:
        return None
    if detail and "html" in (detail.get("type") or ""):
        text = replace_entities(remove_tags(text))
    return " ".join(without_controls(text).split()) or None


def declared_canonical(response: TextResponse) -> str | None:
    """The absolute http(s) URL of the page's ``<link rel="canonical">``, if it declares one."""
    for link in response.xpath("//link[@rel and @href]"):
        if "canonical" in link.attrib["rel"].lower().split():
            href = join_url(get_base_url(response), link.attrib["href"].strip())
            return href if href and scheme_block_reason(href) is None else None
    return None


def is_html(response: Response) -> bool:
    """True when the response is an HTML page (by Content-Type, else by Scrapy's sniffing), not binary bytes."""
    raw = response.headers.get(b"Content-Type") or b""
    content_type = raw.decode("latin-1").split(";", 1)[0].strip().lower()
    if content_type:
        html = content_type in HTML_TYPES and isinstance(response, TextResponse)
    else:
        html = isinstance(response, HtmlResponse)
    return html and not looks_binary(response)


def to_bool(value: object) -> bool:
    """A spider argument as a bool: Python bools pass, command-line strings are parsed."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


def to_index_max_entries(value: object) -> int:
    """The DEPORTWATCH_INDEX_MAX_ENTRIES setting as a whole number of at least 1."""
    try:
        limit = int(str(value).strip())
    except ValueError:
        raise ValueError(f"{INDEX_MAX_ENTRIES} must be a whole number, not {value!r}") from None
    if limit < 1:
        raise ValueError(f"{INDEX_MAX_ENTRIES} must be at least 1, not {limit}")
    return limit


def to_urls(value: Iterable[str] | str | None) -> list[str]:
    """A spider argument as a list of URLs: an iterable, a JSON list, or whitespace-separated text."""
    if value is None:
        return []
    if isinstance(value, str):
        text = value.strip()
        return [str(u) for u in json.loads(text)] if text.startswith("[") else text.split()
    return [str(u) for u in value]


class FeedSpider(scrapy.Spider):
    """Fetches one feed with conditional headers, then each unseen entry's article page."""

    name = "feed"

    def __init__(
        self,
        source_id: str,
        url: str,
        allow_private: bool | str = False,
        max_entries: int | str = 50,
        etag: str | None = None,
        last_modified: str | None = None,
        seen_urls: Iterable[str] | str | None = None,
        follow: bool | str = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.source_id = str(source_id)
        self.url = str(url).strip()
        self.allow_private = to_bool(allow_private)
        self.max_entries = int(max_entries)
        if self.max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries!r}")
        self.etag = etag or None
        self.last_modified = last_modified or None
        self.seen_urls = frozenset(canonical_url(u) for u in to_urls(seen_urls))
        self.follow = to_bool(follow)
        self.index_max_entries = DEFAULT_INDEX_MAX_ENTRIES
        """The most entries read from one index page (the DEPORTWATCH_INDEX_MAX_ENTRIES setting)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.index_max_entries = to_index_max_entries(
            crawler.settings.get(INDEX_MAX_ENTRIES, DEFAULT_INDEX_MAX_ENTRIES))
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        yield scrapy.Request(
            self.url,
            headers=headers,
            callback=self.parse_feed,
            errback=self.feed_failed,
            meta={"handle_httpstatus_list": [304]},
            dont_filter=True,
        )

    async def parse_feed(self, response: Response) -> AsyncIterator[SourceFetch | scrapy.Request]:
        if response.status == 304:
            log.info("source %s: feed %s not modified", self.source_id, self.url, extra=self._about(self.url))
            yield self._fetch(304, not_modified=True, etag=_header(response, b"ETag") or self.etag,
                              last_modified=_header(response, b"Last-Modified") or self.last_modified)
            return
        parsed = await off_loop(parse_feed, response.body, response.url, _header(response, b"Content-Type"),
                                self.index_max_entries)
        if parsed.error:
            log.warning("source %s: feed %s unreadable: %s", self.source_id, response.url, parsed.error,
                        extra=self._about(response.url))
            yield self._fetch(response.status, error=parsed.error)
            return
        if parsed.warning:
            log.info("source %s: feed %s is malformed, read leniently: %s",
                     self.source_id, response.url, parsed.warning, extra=self._about(response.url))
        found = len(parsed.entries) + parsed.dropped
        log.info("source %s: feed %s has %d entries", self.source_id, response.url, found,
                 extra=self._about(response.url))
        self._note_truncated(f"feed {response.url}", response.url, found, parsed.dropped, "newest")
        entries = parsed.entries[: self.max_entries]
        for out in self._index_read(response.status, found, entries, _header(response, b"ETag"),
                                    _header(response, b"Last-Modified"), truncated=parsed.dropped):
            yield out

    def _note_truncated(self, what: str, url: str, found: int, dropped: int, which: str) -> None:
        """Log and count an index page cut to DEPORTWATCH_INDEX_MAX_ENTRIES (*which*: the entries kept)."""
        if not dropped:
            return
        log.warning("source %s: %s lists %d entries; read only the %s %d (%s), %d left unread", self.source_id,
                    what, found, which, found - dropped, INDEX_MAX_ENTRIES, dropped, extra=self._about(url))
        self._count("index_pages_truncated")
        self._count("entries_over_index_limit", dropped)

    def _index_read(self, status: int, found: int, entries: Iterable[FeedEntry], etag: str | None,
                    last_modified: str | None, truncated: int = 0) -> Iterator[SourceFetch | scrapy.Request]:
        """The index's fetch record, then a request for each new entry.

        The validators are recorded only when no article is left to fetch. Otherwise the next crawl
        asks unconditionally: a crawl stopped before its pages were stored (a killed process, a failed
        page) would else be answered 304 and never fetch them, until the index changes again.
        """
        requests = list(self._article_requests(entries)) if self.follow else []
        if requests:
            etag = last_modified = None
        yield self._fetch(status, entries=found, etag=etag, last_modified=last_modified, truncated=truncated)
        yield from requests

    def _article_requests(self, entries: Iterable[FeedEntry]) -> Iterator[scrapy.Request]:
        for rank, entry in enumerate(entries):
            reason = scheme_block_reason(entry.link)
            if reason is not None:
                log.info("source %s: skipped entry %s: %s", self.source_id, entry.link, reason,
                         extra=self._about(entry.link))
                self._count("entries_skipped_bad_url")
            elif entry.canonical in self.seen_urls:
                log.debug("source %s: skipped %s: already stored", self.source_id, entry.link,
                          extra=self._about(entry.link))
                self._count("entries_skipped_seen")
            else:
                yield scrapy.Request(entry.link, callback=self.parse_article, errback=self.article_failed,
                                     cb_kwargs={"entry": entry}, priority=-rank)

    def parse_article(self, response: Response, entry: FeedEntry) -> Iterator[FetchedPage]:
        if not is_html(response):
            kind = _header(response, b"Content-Type") or type(response).__name__
            log.info("source %s: skipped %s: not an HTML page (%s)", self.source_id, response.url, kind,
                     extra=self._about(response.url))
            self._count("pages_skipped_not_html")
            return
        assert isinstance(response, TextResponse)
        if not response.body.strip():
            # A blank answer is a failed fetch (a CDN or server hiccup): stored, the article would be seen
            # and never fetched again; skipped, it is asked for again on the next crawl.
            log.warning("source %s: skipped %s: empty page", self.source_id, response.url,
                        extra=self._about(response.url))
            self._count("pages_failed")
            return
        final_url = declared_canonical(response) or response.url
        log.debug("source %s: fetched %s as %s", self.source_id, entry.link, final_url,
                  extra=self._about(entry.link))
        self._count("pages_fetched")
        yield FetchedPage(
            source_id=self.source_id,
            url=entry.link,
            final_url=final_url,
            status=response.status,
            body=response.body,
            encoding=response.encoding,
            feed_title=entry.title,
            feed_summary=entry.summary,
            feed_published=entry.published,
            fetched_at=datetime.now(UTC),
            headers=_headers(response),
        )

    def article_failed(self, failure: Failure) -> None:
        url = getattr(failure.request, "url", "?")  # type: ignore[attr-defined]
        if isinstance(failure.value, UrlRefused):
            self._count("pages_refused")  # the middleware has logged the reason
            return
        log.warning("source %s: failed %s: %s", self.source_id, url, describe_failure(failure),
                    extra=self._about(url))
        self._count("pages_failed")

    def feed_failed(self, failure: Failure) -> Iterator[SourceFetch]:
        error = describe_failure(failure)
        log.warning("source %s: feed %s failed: %s", self.source_id, self.url, error,
                    extra=self._about(self.url))
        status = failure.value.response.status if isinstance(failure.value, HttpError) else 0
        yield self._fetch(status, error=error)

    def _fetch(self, status: int, **fields: Any) -> SourceFetch:
        return SourceFetch(source_id=self.source_id, url=self.url, status=status, **fields)

    def _about(self, url: str) -> dict[str, str]:
        """Log-record fields that structured log formatters show next to the message."""
        return {"source_id": self.source_id, "url": url}

    def _count(self, key: str, count: int = 1) -> None:
        """Add to the crawl statistic ``deportwatch/<spider name>/<key>``."""
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(f"deportwatch/{self.name}/{key}", count)


def describe_failure(failure: Failure) -> str:
    """A one-line, human-readable reason for a failed request."""
    value = failure.value
    if isinstance(value, HttpError):
        return f"HTTP {value.response.status}"
    if isinstance(value, UrlRefused):
        return f"refused: {value.reason}"
    return f"{type(value).__name__}: {value}".rstrip(": ")


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def _headers(response: Response) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for name, values in response.headers.items():
        key = name.decode("latin-1")
        if key.lower() != "set-cookie":
            pairs.extend((key, v.decode("latin-1")) for v in values)
    return tuple(pairs)
