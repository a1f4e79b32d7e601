"""The search spider: runs a news search (Google News RSS or GDELT DOC 2.0) and fetches each new hit."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import feedparser
import scrapy
from scrapy.http import Response

from spiders.feed import FeedEntry, FeedSpider, parse_feed
from spiders.items import FetchedPage
from spiders.offload import off_loop
from spiders.sanitize import plausible_date, valid_charrefs
from spiders.urls import canonical_url

log = logging.getLogger(__name__)

Provider = Literal["google_news", "gdelt"]
PROVIDER_HOSTS: dict[str, Provider] = {"news.google.com": "google_news", "api.gdeltproject.org": "gdelt"}
PROVIDER_PATHS: dict[str, Provider] = {"/rss/search": "google_news", "/api/v2/doc/doc": "gdelt"}
QUERY_PARAM: dict[Provider, str] = {"google_news": "q", "gdelt": "query"}
# Seconds between two searches on one provider from this process; GDELT asks for one request per 5 s.
MIN_INTERVAL: dict[Provider, float] = {"google_news": 2.0, "gdelt": 5.0}
# Google News edition (hl, gl, ceid) per source language, when the URL does not name one.
EDITIONS = {"en": ("en-US", "US", "US:en"), "es": ("es-419", "US", "US:es-419"), "fr": ("fr", "FR", "FR:fr"),
            "pt": ("pt-BR", "BR", "BR:pt-419"), "de": ("de", "DE", "DE:de")}
GDELT_DEFAULTS = {"mode": "ArtList", "format": "json", "timespan": "1d", "sort": "DateDesc"}
GDELT_MAX_RECORDS = 250
RATE_LIMITED = (429, 503)

_next_slot: dict[str, float] = {}


def detect_provider(url: str) -> Provider | None:
    """The search provider a URL belongs to, by host, else by path (a loopback imitation keeps the path)."""
    parts = urlsplit(url)
    return PROVIDER_HOSTS.get((parts.hostname or "").lower()) or PROVIDER_PATHS.get(parts.path.rstrip("/"))


def search_url(
    url: str, query: str | None, language: str | None = None, max_records: int = 75,
    provider: str | None = None,
) -> str:
    """The request URL: *url* with *query* (URL-encoded) and the provider's defaults filled in."""
    provider = provider or detect_provider(url)
    if provider not in QUERY_PARAM:
        raise ValueError(f"not a Google News RSS search or GDELT DOC 2.0 URL: {url}")
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    if query:
        params[QUERY_PARAM[provider]] = query
    if provider == "google_news":
        hl, gl, ceid = EDITIONS.get((language or "en").split("-")[0].lower(), EDITIONS["en"])
        defaults = {"hl": hl, "gl": gl, "ceid": ceid}
    else:
        defaults = {**GDELT_DEFAULTS, "maxrecords": str(min(max(max_records, 1), GDELT_MAX_RECORDS))}
    params = {**defaults, **params}
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(params, quote_via=quote, safe=":"), ""))


def validate_search(url: str, query: str | None, provider: str | None = None) -> list[str]:
    """Every problem with a search source's ``url`` and ``query`` (empty when the search can run)."""
    if provider is not None and provider not in QUERY_PARAM:
        return [f"unknown search provider {provider!r} (expected one of: {', '.join(QUERY_PARAM)})"]
    provider = provider or detect_provider(url)
    if provider is None:
        return [f"url must be a Google News RSS search (https://news.google.com/rss/search?...) or the GDELT "
                f"DOC 2.0 API (https://api.gdeltproject.org/api/v2/doc/doc?...), not {url}"]
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    problems = []
    if not (query or "").strip() and not params.get(QUERY_PARAM[provider], "").strip():
        param = QUERY_PARAM[provider]
        problems.append(f"a search needs a query: set `query:` or the URL's {param}= parameter")
    if provider == "gdelt":
        if params.get("format", "json").lower() != "json":
            problems.append("GDELT results are read as JSON: drop format= or set format=json")
        if params.get("mode", "artlist").lower() != "artlist":
            problems.append("GDELT results are read as an article list: drop mode= or set mode=ArtList")
    return problems


@dataclass(frozen=True)
class SearchHit:
    """One search result: the link to follow and what the provider says about it."""

    url: str
    title: str | None = None
    outlet: str | None = None
    published: datetime | None = None
    language: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class SearchResults:
    hits: tuple[SearchHit, ...] = ()
    error: str | None = None
    rate_limited: bool = False


def parse_google_news(body: bytes, url: str) -> SearchResults:
    """Items of a Google News RSS search: the redirect link, the headline without " - Outlet", the outlet."""
    parsed = parse_feed(body, url, "application/rss+xml")
    if parsed.error:
        return SearchResults(error=parsed.error)
    outlets = {}
    for raw in feedparser.parse(valid_charrefs(body)).entries:
        source = raw.get("source") or {}
        if raw.get("link") and source.get("title"):
            outlets[raw["link"].strip()] = source["title"].strip()
    hits = []
    for entry in parsed.entries:
        outlet = outlets.get(entry.link)
        title = entry.title
        if title and outlet and title.endswith(" - " + outlet):
            title = title[: -len(" - " + outlet)].strip()
        hits.append(SearchHit(url=entry.link, title=title, outlet=outlet, published=entry.published))
    return SearchResults(tuple(hits))


def parse_gdelt(body: bytes) -> SearchResults:
    """Articles of a GDELT DOC 2.0 ``ArtList`` JSON answer; GDELT answers errors as plain text."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return SearchResults()
    try:
        data = json.loads(text, strict=False)  # titles sometimes carry raw control characters
    except ValueError:
        first = text.splitlines()[0][:200]
        return SearchResults(error=f"GDELT: {first}", rate_limited="limit requests" in first.lower())
    if not isinstance(data, dict) or not isinstance(data.get("articles", []), list):
        return SearchResults(error="GDELT: unexpected JSON (no articles list)")
    hits = []
    for art in data.get("articles", []):
        link = str(art.get("url") or "").strip() if isinstance(art, dict) else ""
        if link:
            hits.append(SearchHit(url=link, title=" ".join(str(art.get("title") or "").split()) or None,
                                  outlet=art.get("domain"), published=gdelt_date(art.get("seendate")),
                                  language=art.get("language"), country=art.get("sourcecountry")))
    return SearchResults(tuple(hits))


@dataclass(frozen=True)
class SearchRead:
    """A search answer as the spider uses it: the provider's results, then its unique hits as entries."""

    results: SearchResults
    entries: tuple[FeedEntry, ...] = ()
    """One per canonical URL in the provider's order, at most *limit* of them."""
    dropped: int = 0
    """Unique hits past *limit*."""


def read_search(provider: Provider, body: bytes, url: str, limit: int | None = None) -> SearchRead:
    """Parse a search answer from *provider* and list its hits. Pure: the spider runs it in a thread."""
    results = parse_google_news(body, url) if provider == "google_news" else parse_gdelt(body)
    if results.error or results.rate_limited:
        return SearchRead(results)
    unique = unique_hits(results.hits)
    kept = unique if limit is None else unique[:limit]
    return SearchRead(results, tuple(kept), len(unique) - len(kept))


def gdelt_date(value: object) -> datetime | None:
    try:
        return plausible_date(datetime.strptime(str(value), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC))
    except ValueError:
        return None


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


async def wait_turn(key: str, interval: float) -> float:
    """Space requests sharing *key* by *interval* seconds across every crawl in this process; the wait."""
    now = time.monotonic()
    slot = max(now, _next_slot.get(key, 0.0))
    _next_slot[key] = slot + interval
    if slot > now:
        await asyncio.sleep(slot - now)
    return slot - now


class SearchSpider(FeedSpider):
    """Runs one search and fetches each new hit; waits out 429/503 answers as the provider asks.

    Arguments beyond the common ones: ``query`` (overrides the URL's), ``language`` (picks the
    Google News edition), ``provider`` (``google_news``/``gdelt``, default by URL), ``min_interval``
    (seconds between searches on one provider), ``max_retries`` (3), ``backoff_s`` (6, doubled on
    each retry when no Retry-After is given) and ``max_wait_s`` (60: a longer wait fails the crawl).
    """

    name = "search"
    # Hits come from every outlet on the web: one request at a time and a pause per site. Scrapy
    # reads these from the class before any instance exists.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012
        "DOWNLOAD_DELAY": 1.0, "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
    }

    def __init__(
        self,
        source_id: str,
        url: str,
        query: str | None = None,
        language: str | None = None,
        provider: str | None = None,
        min_interval: float | str | None = None,
        max_retries: int | str = 3,
        backoff_s: float | str = 6.0,
        max_wait_s: float | str = 60.0,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("selectors", None)
        super().__init__(source_id, url, **kwargs)
        self.query = query or None
        self.language = language
        self.problems = validate_search(self.url, query, provider)
        chosen = provider or detect_provider(self.url)
        self.provider: Provider = chosen if chosen in ("google_news", "gdelt") else "gdelt"  # type: ignore[assignment]
        self.min_interval = MIN_INTERVAL[self.provider] if min_interval is None else float(min_interval)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self.max_wait_s = float(max_wait_s)
        self.search = self.url if self.problems else search_url(
            self.url, self.query, language, self.max_entries, self.provider)

    async def start(self) -> AsyncIterator[Any]:
        if self.problems:
            log.warning("source %s: search %s not run: %s", self.source_id, self.url, self.problems[0],
                        extra=self._about(self.url))
            yield self._fetch(0, error=self.problems[0])
            return
        yield await self._search_request(0)

    async def _search_request(self, attempt: int) -> scrapy.Request:
        waited = await wait_turn(f"{self.provider}:{urlsplit(self.search).netloc}", self.min_interval)
        if waited:
            log.info("source %s: waited %.1fs for the %s rate limit", self.source_id, waited, self.provider,
                     extra=self._about(self.search))
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return scrapy.Request(self.search, headers=headers, callback=self.parse_search,
                              errback=self.feed_failed, cb_kwargs={"attempt": attempt}, dont_filter=True,
                              meta={"handle_httpstatus_list": [304, *RATE_LIMITED], "dont_retry": True})

    async def parse_search(self, response: Response, attempt: int) -> AsyncIterator[Any]:
        if response.status == 304:
            log.info("source %s: search %s not modified", self.source_id, self.search,
                     extra=self._about(self.search))
            yield self._fetch(304, not_modified=True, etag=_header(response, b"ETag") or self.etag,
                              last_modified=_header(response, b"Last-Modified") or self.last_modified)
            return
        read = SearchRead(SearchResults(rate_limited=True)) if response.status in RATE_LIMITED else await off_loop(
            read_search, self.provider, response.body, response.url, self.index_max_entries)
        results = read.results
        if results.rate_limited:
            async for out in self._retry(response, attempt, results.error):
                yield out
            return
        if results.error:
            log.warning("source %s: search %s unreadable: %s", self.source_id, response.url, results.error,
                        extra=self._about(response.url))
            yield self._fetch(response.status, error=results.error)
            return
        log.info("source %s: search %s has %d hits", self.source_id, response.url, len(results.hits),
                 extra=self._about(response.url))
        self._note_truncated(f"search {response.url}", response.url, len(read.entries) + read.dropped,
                             read.dropped, "first")
        entries = read.entries[: self.max_entries]
        for out in self._index_read(response.status, len(results.hits), entries, _header(response, b"ETag"),
                                    _header(response, b"Last-Modified"), truncated=read.dropped):
            yield out

    async def _retry(self, response: Response, attempt: int, why: str | None) -> AsyncIterator[Any]:
        asked = retry_after_seconds(_header(response, b"Retry-After"))
        delay = asked if asked is not None else self.backoff_s * 2**attempt
        reason = why or f"HTTP {response.status}"
        if attempt >= self.max_retries or delay > self.max_wait_s:
            error = f"rate limited ({reason}) after {attempt + 1} attempt(s); asked to wait {delay:.0f}s"
            log.warning("source %s: search %s %s", self.source_id, self.search, error,
                        extra=self._about(self.search))
            yield self._fetch(response.status, error=error)
            return
        log.info("source %s: search %s rate limited (%s), retrying in %.1fs", self.source_id, self.search,
                 reason, delay, extra=self._about(self.search))
        self._count("rate_limited")
        await asyncio.sleep(delay)
        yield await self._search_request(attempt + 1)

    def parse_article(self, response: Response, entry: FeedEntry) -> Iterator[FetchedPage]:
        final = urlsplit(response.url)
        if self.provider == "google_news" and final.netloc == urlsplit(self.search).netloc \
                and final.path.startswith(("/rss/articles/", "/articles/")):
            log.warning("source %s: skipped %s: the redirect did not lead to the publisher", self.source_id,
                        entry.link, extra=self._about(entry.link))
            self._count("redirects_unresolved")
            return
        if canonical_url(response.url) in self.seen_urls:
            # Google News links are redirects: only the final URL can be matched against stored articles.
            log.debug("source %s: skipped %s: already stored as %s", self.source_id, entry.link, response.url,
                      extra=self._about(entry.link))
            self._count("entries_skipped_seen")
            return
        yield from super().parse_article(response, entry)


def unique_hits(hits: tuple[SearchHit, ...]) -> list[FeedEntry]:
    """Hits as feed entries, one per canonical URL, in the provider's order."""
    seen: set[str] = set()
    entries = []
    for hit in hits:
        canonical = canonical_url(hit.url)
        if canonical not in seen:
            seen.add(canonical)
            entries.append(FeedEntry(link=hit.url, canonical=canonical, guid=None, title=hit.title,
                                     summary=None, published=hit.published))
    return entries


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
