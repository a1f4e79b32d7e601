"""The sitemap spider: revalidates a news sitemap or sitemap index and fetches each recent, unseen article."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from lxml import etree
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from twisted.python.failure import Failure

from spiders.feed import FeedEntry, FeedSpider, describe_failure
from spiders.items import SourceFetch
from spiders.offload import off_loop
from spiders.sanitize import plausible_date
from spiders.urls import canonical_url, join_url, scheme_block_reason

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
# A sitemap index may not list other indexes (sitemaps.org), yet some do: follow one extra level.
MAX_DEPTH = 2


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<url>`` of a urlset, with the Google News fields when present."""

    loc: str
    canonical: str
    lastmod: datetime | None = None
    published: datetime | None = None
    title: str | None = None
    language: str | None = None
    publication: str | None = None

    @property
    def date(self) -> datetime | None:
        return self.published or self.lastmod


@dataclass(frozen=True)
class ChildSitemap:
    """One ``<sitemap>`` of a sitemap index."""

    loc: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class ParsedSitemap:
    """A urlset's entries or an index's child sitemaps, or why the bytes are not a sitemap."""

    entries: tuple[SitemapEntry, ...] = ()
    children: tuple[ChildSitemap, ...] = ()
    is_index: bool = False
    error: str | None = None


def parse_sitemap(body: bytes, url: str, max_size: int = 0) -> ParsedSitemap:
    """Parse sitemap bytes fetched from *url*: an XML urlset or index, gzipped or not, or a text URL list."""
    if body[:2] == GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=max_size)
        except Exception as e:  # gzip's, zlib's and the size guard's errors differ; all mean unreadable
            return ParsedSitemap(error=f"not a readable gzip file: {type(e).__name__}: {e}".rstrip(": "))
    text_start = body.lstrip()[:1]
    if text_start and text_start != b"<":
        return _parse_text(body, url)
    try:
        # A parser per document: sitemaps are parsed in threads, and lxml serialises the users of one parser.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as e:
        return ParsedSitemap(error=f"not a readable sitemap: {e}")
    if root is None:
        return ParsedSitemap(error="not a readable sitemap: empty document")
    kind = _local(root)
    if kind == "sitemapindex":
        children = [_child(node, url) for node in root if _local(node) == "sitemap"]
        return ParsedSitemap(children=tuple(c for c in children if c is not None), is_index=True)
    if kind == "urlset":
        entries = [_entry(node, url) for node in root if _local(node) == "url"]
        return ParsedSitemap(entries=tuple(e for e in entries if e is not None))
    return ParsedSitemap(error=f"not a sitemap: root element <{kind}>")


@dataclass(frozen=True)
class SitemapRead:
    """One sitemap document as the spider uses it: parsed, then its recent entries or child sitemaps chosen."""

    parsed: ParsedSitemap
    recent: tuple[SitemapEntry, ...] = ()
    """A urlset's unique entries within the age limit, newest first, at most *limit* of them."""
    dropped: int = 0
    """Recent entries past *limit*, older than every one kept."""
    children: tuple[ChildSitemap, ...] = ()
    """An index's child sitemaps that may hold recent entries, newest first."""


def read_sitemap(body: bytes, url: str, max_size: int, now: datetime, max_age_days: float,
                 limit: int | None = None) -> SitemapRead:
    """Parse a sitemap document and choose what to read from it. Pure: spiders run it in a thread."""
    parsed = parse_sitemap(body, url, max_size)
    if parsed.error:
        return SitemapRead(parsed)
    if parsed.is_index:
        return SitemapRead(parsed, children=tuple(recent_children(parsed.children, now, max_age_days)))
    recent = recent_entries(parsed.entries, now, max_age_days)
    kept = recent if limit is None else recent[:limit]
    return SitemapRead(parsed, tuple(kept), len(recent) - len(kept))


def _parse_text(body: bytes, url: str) -> ParsedSitemap:
    # sitemaps.org allows a text file with one URL per line.
    lines = body.decode("utf-8", errors="replace").splitlines()
    starts = ("http://", "https://")
    joined = [join_url(url, line.strip()) for line in lines if line.strip().lower().startswith(starts)]
    links = [link for link in joined if link]
    if not links:
        return ParsedSitemap(error="not a sitemap: neither XML nor a list of URLs")
    return ParsedSitemap(entries=tuple(SitemapEntry(loc=u, canonical=canonical_url(u)) for u in links))


def _local(node: Any) -> str:
    """The element's name without namespace or prefix ("{ns}url" and "news:title" give "url" and "title")."""
    # Comments and processing instructions have a function, not a string, as their tag. A prefix
    # whose namespace the sitemap forgot to declare stays in the tag ("news:news"), which
    # etree.QName refuses: so the name is cut by hand.
    if not isinstance(node.tag, str):
        return ""
    return str(node.tag).rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def _find(node: Any, *path: str) -> str | None:
    """Text of the first descendant along *path* of local names (namespace-agnostic), stripped."""
    current = node
    for name in path:
        current = next((child for child in current if _local(child) == name), None)
        if current is None:
            return None
    text = "".join(current.itertext()).strip()
    return " ".join(text.split()) or None


def _child(node: Any, base: str) -> ChildSitemap | None:
    loc = _find(node, "loc")
    link = join_url(base, loc) if loc else None
    if not link:
        return None
    return ChildSitemap(loc=link, lastmod=parse_w3c_date(_find(node, "lastmod")))


def _entry(node: Any, base: str) -> SitemapEntry | None:
    loc = _find(node, "loc")
    link = join_url(base, loc) if loc else None
    if not link:
        return None
    return SitemapEntry(
        loc=link,
        canonical=canonical_url(link),
        lastmod=parse_w3c_date(_find(node, "lastmod")),
        published=parse_w3c_date(_find(node, "news", "publication_date")),
        title=_find(node, "news", "title"),
        language=_find(node, "news", "publication", "language"),
        publication=_find(node, "news", "publication", "name"),
    )


def parse_w3c_date(text: str | None) -> datetime | None:
    """A W3C datetime (``2025-07-16``, ``2025-07-16T12:00Z``, ``...+02:00``) as an aware UTC datetime."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return plausible_date(moment.astimezone(UTC))


def recent_entries(entries: Iterable[SitemapEntry], now: datetime, max_age_days: float) -> list[SitemapEntry]:
    """Unique entries dated within *max_age_days* of *now*, newest first; ``max_age_days <= 0`` keeps all.

    With a cut-off, undated entries are dropped: a sitemap lists a site's whole archive, and an
    undated link is as likely ten years old as ten minutes.
    """
    cutoff = now - timedelta(days=max_age_days) if max_age_days > 0 else None
    kept: dict[str, SitemapEntry] = {}
    for entry in entries:
        if cutoff is not None and (entry.date is None or entry.date < cutoff):
            continue
        known = kept.get(entry.canonical)
        # One article listed twice (news and plain sitemap): keep the first, fill in what it lacks.
        kept[entry.canonical] = entry if known is None else replace(
            known, published=known.published or entry.published, title=known.title or entry.title,
            language=known.language or entry.language, lastmod=known.lastmod or entry.lastmod)
    return sorted(kept.values(), key=lambda e: (e.date is None, -(e.date or _EPOCH).timestamp()))


def recent_children(
    children: Iterable[ChildSitemap], now: datetime, max_age_days: float
) -> list[ChildSitemap]:
    """Child sitemaps that may hold recent entries, newest ``lastmod`` first, undated ones after."""
    cutoff = now - timedelta(days=max_age_days) if max_age_days > 0 else None
    kept = [c for c in children if cutoff is None or c.lastmod is None or c.lastmod >= cutoff]
    return sorted(kept, key=lambda c: (c.lastmod is None, -(c.lastmod or _EPOCH).timestamp()))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def as_feed_entry(entry: SitemapEntry) -> FeedEntry:
    return FeedEntry(link=entry.loc, canonical=entry.canonical, guid=None, title=entry.title, summary=None,
                     published=entry.date)


class SitemapSpider(FeedSpider):
    """Fetches one sitemap with conditional headers, its recent child sitemaps one by one, then new articles.

    Extra arguments: ``max_age_days`` (default 3; 0 keeps every entry) and ``max_sitemaps``, the
    most child sitemaps read from an index per crawl (default 5, newest first).
    """

    name = "sitemap"

    def __init__(
        self,
        source_id: str,
        url: str,
        max_age_days: float | str = 3,
        max_sitemaps: int | str = 5,
        **kwargs: Any,
    ) -> None:
        for unused in ("language", "selectors", "query"):
            kwargs.pop(unused, None)
        super().__init__(source_id, url, **kwargs)
        self.max_age_days = float(max_age_days)
        self.max_sitemaps = int(max_sitemaps)
        if self.max_sitemaps < 1:
            raise ValueError(f"max_sitemaps must be at least 1, not {max_sitemaps!r}")
        self._queue: list[tuple[ChildSitemap, int]] = []
        self._queued = 0
        self._found: list[SitemapEntry] = []
        self._dropped = 0
        self._child_errors: list[str] = []
        self._children_read = 0
        self._validators: tuple[str | None, str | None] = (None, None)
        self._status = 0
        self._now = datetime.now(UTC)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        yield scrapy.Request(self.url, headers=headers, callback=self.parse_top, errback=self.feed_failed,
                             meta={"handle_httpstatus_list": [304]}, dont_filter=True)

    async def parse_top(self, response: Response) -> AsyncIterator[SourceFetch | scrapy.Request]:
        if response.status == 304:
            log.info("source %s: sitemap %s not modified", self.source_id, self.url,
                     extra=self._about(self.url))
            yield self._fetch(304, not_modified=True, etag=_header(response, b"ETag") or self.etag,
                              last_modified=_header(response, b"Last-Modified") or self.last_modified)
            return
        read = await self._read(response)
        if read.parsed.error:
            log.warning("source %s: sitemap %s unreadable: %s", self.source_id, response.url, read.parsed.error,
                        extra=self._about(response.url))
            yield self._fetch(response.status, error=read.parsed.error)
            return
        self._status = response.status
        self._validators = (_header(response, b"ETag"), _header(response, b"Last-Modified"))
        self._take(read, response.url, depth=0)
        for out in self._next():
            yield out

    async def parse_child(self, response: Response, depth: int) -> AsyncIterator[SourceFetch | scrapy.Request]:
        read = await self._read(response)
        if read.parsed.error:
            log.warning("source %s: child sitemap %s unreadable: %s", self.source_id, response.url,
                        read.parsed.error, extra=self._about(response.url))
            self._child_errors.append(f"{response.url}: {read.parsed.error}")
        else:
            self._children_read += 1
            self._take(read, response.url, depth)
        for out in self._next():
            yield out

    async def _read(self, response: Response) -> SitemapRead:
        return await off_loop(read_sitemap, response.body, response.url, self._max_size(), self._now,
                              self.max_age_days, self.index_max_entries)

    def child_failed(self, failure: Failure) -> Iterator[SourceFetch | scrapy.Request]:
        url = getattr(failure.request, "url", "?")  # type: ignore[attr-defined]
        error = describe_failure(failure)
        log.warning("source %s: child sitemap %s failed: %s", self.source_id, url, error,
                    extra=self._about(url))
        self._child_errors.append(f"{url}: {error}")
        yield from self._next()

    def _take(self, read: SitemapRead, url: str, depth: int) -> None:
        parsed = read.parsed
        if not parsed.is_index:
            recent = len(read.recent) + read.dropped
            log.info("source %s: sitemap %s has %d entries, %d recent", self.source_id, url,
                     len(parsed.entries), recent, extra=self._about(url))
            self._note_truncated(f"sitemap {url}", url, recent, read.dropped, "newest")
            self._found.extend(read.recent)
            self._dropped += read.dropped
            return
        if depth >= MAX_DEPTH:
            log.warning("source %s: skipped sitemap index %s nested too deep", self.source_id, url,
                        extra=self._about(url))
            return
        children = read.children
        room = max(self.max_sitemaps - self._queued, 0)
        log.info("source %s: sitemap index %s lists %d sitemaps, %d recent, reading %d", self.source_id, url,
                 len(parsed.children), len(children), min(room, len(children)), extra=self._about(url))
        for child in children[:room]:
            self._queue.append((child, depth + 1))
            self._queued += 1

    def _next(self) -> Iterator[SourceFetch | scrapy.Request]:
        # Children are read one at a time so the newest entries can be chosen across all of them.
        while self._queue:
            child, depth = self._queue.pop(0)
            reason = scheme_block_reason(child.loc)
            if reason is None:
                yield scrapy.Request(child.loc, callback=self.parse_child, errback=self.child_failed,
                                     cb_kwargs={"depth": depth}, dont_filter=True)
                return
            log.info("source %s: skipped child sitemap %s: %s", self.source_id, child.loc, reason,
                     extra=self._about(child.loc))
            self._child_errors.append(f"{child.loc}: {reason}")
        yield from self._finish()

    def _finish(self) -> Iterator[SourceFetch | scrapy.Request]:
        recent = recent_entries(self._found, self._now, self.max_age_days)
        if self._child_errors and not self._children_read:
            error = f"all {len(self._child_errors)} child sitemaps failed: {self._child_errors[0]}"
            yield self._fetch(self._status, error=error)
            return
        # Keep no validators after a partial read: the next crawl must not be answered 304 and lose the rest.
        etag, last_modified = (None, None) if self._child_errors else self._validators
        yield from self._index_read(self._status, len(recent) + self._dropped,
                                    [as_feed_entry(e) for e in recent[: self.max_entries]], etag, last_modified,
                                    truncated=self._dropped)

    def _max_size(self) -> int:
        return self.crawler.settings.getint("DOWNLOAD_MAXSIZE") if self.crawler else 0



def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
