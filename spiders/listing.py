"""The listing spider: reads HTML index pages (press releases, embassy news) with CSS selectors from YAML."""

from __future__ import annotations

import json
import logging
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import scrapy
from cssselect import SelectorError
from parsel import Selector
from parsel.csstranslator import HTMLTranslator
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure
from w3lib.html import get_base_url

from spiders.feed import FeedEntry, FeedSpider, describe_failure
from spiders.items import SourceFetch
from spiders.offload import off_loop
from spiders.sanitize import plausible_date
from spiders.urls import canonical_url, join_url, scheme_block_reason

log = logging.getLogger(__name__)

CSS_KEYS = ("links", "title", "date", "next")
KNOWN_KEYS = (*CSS_KEYS, "max_pages")
DEFAULT_MAX_PAGES = 2
MAX_PAGES_LIMIT = 20
_TRANSLATOR = HTMLTranslator()
# dateparser keeps parse state in module globals: two listings parsed at once take turns.
_DATEPARSER_LOCK = threading.Lock()


def validate_selectors(selectors: Mapping[str, str]) -> list[str]:
    """Every problem with a listing source's ``selectors`` (empty when they are usable)."""
    problems: list[str] = []
    if not str(selectors.get("links") or "").strip():
        problems.append("selectors.links is required: CSS selecting the article links (e.g. 'h3 a')")
    for key, value in selectors.items():
        if key not in KNOWN_KEYS:
            problems.append(f"unknown selector {key!r} (expected one of: {', '.join(KNOWN_KEYS)})")
        elif key == "max_pages":
            try:
                to_max_pages(value)
            except ValueError as e:
                problems.append(f"selectors.max_pages: {e}")
        elif str(value).strip():
            try:
                _TRANSLATOR.css_to_xpath(str(value))
            except SelectorError as e:
                problems.append(f"selectors.{key}: invalid CSS {value!r}: {e}")
    return problems


def to_max_pages(value: object) -> int:
    """A page limit from YAML text or a spider argument: a whole number from 1 to MAX_PAGES_LIMIT."""
    try:
        pages = int(str(value).strip())
    except ValueError:
        raise ValueError(f"must be a whole number, not {value!r}") from None
    if not 1 <= pages <= MAX_PAGES_LIMIT:
        raise ValueError(f"must be between 1 and {MAX_PAGES_LIMIT}, not {pages}")
    return pages


def to_selectors(value: Mapping[str, str] | str | None) -> dict[str, str]:
    """A spider argument as a selector dict: a mapping, or JSON text from the command line."""
    if value is None:
        return {}
    if isinstance(value, str):
        loaded = json.loads(value) if value.strip() else {}
        if not isinstance(loaded, dict):
            raise ValueError(f"selectors must be a JSON object, not {value!r}")
        value = loaded
    return {str(k): str(v) for k, v in value.items()}


@dataclass(frozen=True)
class ListedPage:
    """The article links of one listing page and its next-page link."""

    entries: tuple[FeedEntry, ...]
    next_url: str | None = None
    dropped: int = 0
    """Articles the page links to after the first *limit* of :func:`parse_listing`."""


def parse_listing(
    response: TextResponse, selectors: Mapping[str, str], language: str | None = None, limit: int | None = None
) -> ListedPage:
    """Article links of one listing page in page order, with title and date if found; raises SelectorError.

    At most *limit* articles are read, the first in page order (listings put the newest first); the
    others are only counted. Pure apart from the response, which it parses and which nothing else
    uses meanwhile: spiders run it in a thread.
    """
    links = response.css(selectors["links"])
    # w3lib's, not Scrapy's get_base_url: Scrapy's keeps a cache shared by every response.
    base = get_base_url(response.text[:4096], response.url, response.encoding)
    found: list[tuple[Selector, str, str]] = []
    for sel in links:
        href = _href(sel)
        url = join_url(base, href) if href else None
        if url:
            found.append((sel, url, canonical_url(url)))
    counts = _articles_per_node(found)
    entries: dict[str, FeedEntry] = {}
    dropped: set[str] = set()
    for sel, url, canonical in found:
        if scheme_block_reason(url) is not None:
            continue
        known = entries.get(canonical)
        if known is None and limit is not None and len(entries) >= limit:
            dropped.add(canonical)
            continue
        block = _item_block(sel, counts)
        title = _text_of(block, selectors.get("title")) or _anchor_text(sel)
        published = parse_listing_date(_date_text(block, selectors.get("date")), language)
        # The same article is often linked twice (image and headline): keep the first, fill in its gaps.
        entries[canonical] = FeedEntry(
            link=url, canonical=canonical, guid=None, title=title, summary=None, published=published,
        ) if known is None else replace(known, title=known.title or title, published=known.published or published)
    next_url = None
    if selectors.get("next"):
        nxt = response.css(selectors["next"])
        href = _href(nxt[0]) if nxt else None
        next_url = join_url(base, href) if href else None
    return ListedPage(tuple(entries.values()), next_url, len(dropped))


def _href(sel: Selector) -> str | None:
    if isinstance(sel.root, str):  # a ::attr(href) selector gives the value itself
        return sel.root.strip() or None
    href = sel.attrib.get("href") or sel.xpath(".//a/@href").get()
    href = (href or "").strip()
    return href if href and not href.startswith("#") else None


def _articles_per_node(found: list[tuple[Selector, str, str]]) -> Counter[Any]:
    """For each element holding a listed link, how many distinct articles it links to."""
    per_ancestor: dict[Any, set[str]] = {}
    for sel, _, canonical in found:
        if isinstance(sel.root, str):
            continue
        for node in (sel.root, *sel.root.iterancestors()):
            per_ancestor.setdefault(node, set()).add(canonical)
    return Counter({node: len(urls) for node, urls in per_ancestor.items()})


def _item_block(sel: Selector, counts: Counter[Any]) -> Selector | None:
    """The largest element around a link that holds no other listed article: its item block."""
    if isinstance(sel.root, str):
        return None
    node = sel.root
    parent = node.getparent()
    while parent is not None and counts[parent] == 1:
        node, parent = parent, parent.getparent()
    return Selector(root=node, type="html")


def _text_of(block: Selector | None, css: str | None) -> str | None:
    if block is None or not css:
        return None
    for match in block.css(css):
        text = match.root if isinstance(match.root, str) else match.xpath("string()").get()
        text = " ".join((text or "").split())
        if text:
            return text
    return None


def _date_text(block: Selector | None, css: str | None) -> str | None:
    if block is None or not css:
        return None
    for match in block.css(css):
        if not isinstance(match.root, str):
            # <time datetime="..."> and <meta content="..."> carry a machine-readable form.
            attr = match.attrib.get("datetime") or match.attrib.get("content")
            if attr and attr.strip():
                return attr.strip()
        text = match.root if isinstance(match.root, str) else match.xpath("string()").get()
        text = " ".join((text or "").split())
        if text:
            return text
    return None


def _anchor_text(sel: Selector) -> str | None:
    if isinstance(sel.root, str):
        return None
    text = " ".join(" ".join(sel.xpath(".//text()").getall()).split())
    return text or sel.attrib.get("title") or None


def parse_listing_date(text: str | None, language: str | None = None) -> datetime | None:
    """A date as listing pages print it (ISO, 'February 14, 2026', '14 de febrero de 2026'), in UTC."""
    if not text:
        return None
    moment: datetime | None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _dateparser(text, language)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return plausible_date(moment.astimezone(UTC))


def _dateparser(text: str, language: str | None) -> datetime | None:
    import dateparser  # loading its language data costs a second; only listings with dates need it

    settings: Any = {"PREFER_DAY_OF_MONTH": "first", "RETURN_AS_TIMEZONE_AWARE": False}
    languages = [language.split("-")[0].lower(), "en"] if language and not language.startswith("en") else None
    try:
        with _DATEPARSER_LOCK:
            return dateparser.parse(text, languages=languages, settings=settings)
    except Exception:  # dateparser raises assorted errors on odd input; an unparsed date is just missing
        return None


class ListingSpider(FeedSpider):
    """Fetches a listing page (revalidated with ETag/Last-Modified), its next pages, then each new article.

    Arguments beyond the common ones: ``selectors`` (``links`` required; ``title``, ``date``,
    ``next``, ``max_pages`` optional) and ``max_pages`` (overrides ``selectors.max_pages``; default 2).
    """

    name = "listing"

    def __init__(
        self,
        source_id: str,
        url: str,
        selectors: Mapping[str, str] | str | None = None,
        max_pages: int | str | None = None,
        language: str | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("query", None)
        super().__init__(source_id, url, **kwargs)
        self.selectors = to_selectors(selectors)
        self.language = language
        self.problems = validate_selectors(self.selectors)
        pages = max_pages if max_pages is not None else self.selectors.get("max_pages", DEFAULT_MAX_PAGES)
        try:
            self.max_pages = to_max_pages(pages)
        except ValueError as e:
            self.max_pages = DEFAULT_MAX_PAGES
            self.problems.append(f"max_pages: {e}")
        self._entries: dict[str, FeedEntry] = {}
        self._dropped = 0
        self._visited: set[str] = set()
        self._validators: tuple[str | None, str | None] = (None, None)
        self._status = 0
        self._page_error = ""

    async def start(self) -> AsyncIterator[Any]:
        if self.problems:
            error = "bad selectors: " + "; ".join(self.problems)
            log.warning("source %s: listing %s not fetched: %s", self.source_id, self.url, error,
                        extra=self._about(self.url))
            yield self._fetch(0, error=error)
            return
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        self._visited.add(canonical_url(self.url))
        yield scrapy.Request(self.url, headers=headers, callback=self.parse_listing, errback=self.feed_failed,
                             meta={"handle_httpstatus_list": [304]}, cb_kwargs={"page": 1}, dont_filter=True)

    async def parse_listing(self, response: Response, page: int) -> AsyncIterator[SourceFetch | scrapy.Request]:
        if page == 1 and response.status == 304:
            log.info("source %s: listing %s not modified", self.source_id, self.url,
                     extra=self._about(self.url))
            yield self._fetch(304, not_modified=True, etag=_header(response, b"ETag") or self.etag,
                              last_modified=_header(response, b"Last-Modified") or self.last_modified)
            return
        if page == 1:
            self._status = response.status
            self._validators = (_header(response, b"ETag"), _header(response, b"Last-Modified"))
        listed = await self._read(response, page)
        outputs: Iterator[SourceFetch | scrapy.Request]
        if listed is None:
            if page == 1:
                yield self._fetch(response.status, error=self._page_error)
                return
            outputs = self._finish()
        else:
            for entry in listed.entries:
                self._entries.setdefault(entry.canonical, entry)
            self._dropped += listed.dropped
            outputs = self._follow_or_finish(listed, page)
        for out in outputs:
            yield out

    async def _read(self, response: Response, page: int) -> ListedPage | None:
        self._page_error = ""
        if not isinstance(response, TextResponse):
            self._page_error = f"not an HTML page: {_header(response, b'Content-Type') or 'no Content-Type'}"
        else:
            try:
                listed = await off_loop(parse_listing, response, self.selectors, self.language,
                                        self.index_max_entries)
            except (SelectorError, ValueError) as e:
                self._page_error = f"bad selector: {e}"
            else:
                if listed.entries:
                    found = len(listed.entries) + listed.dropped
                    log.info("source %s: listing page %d %s has %d links", self.source_id, page, response.url,
                             found, extra=self._about(response.url))
                    self._note_truncated(f"listing page {page} {response.url}", response.url, found,
                                         listed.dropped, "first")
                    return listed
                self._page_error = f"links selector {self.selectors['links']!r} matched no article links"
        log.warning("source %s: listing page %d %s: %s", self.source_id, page, response.url, self._page_error,
                    extra=self._about(response.url))
        return None

    def _follow_or_finish(self, listed: ListedPage, page: int) -> Iterator[SourceFetch | scrapy.Request]:
        nxt = listed.next_url
        all_seen = all(e.canonical in self.seen_urls for e in listed.entries)
        # A page of links already stored means the older pages behind it hold nothing new either.
        if nxt and page < self.max_pages and not all_seen and scheme_block_reason(nxt) is None \
                and canonical_url(nxt) not in self._visited:
            self._visited.add(canonical_url(nxt))
            yield scrapy.Request(nxt, callback=self.parse_listing, errback=self.page_failed,
                                 cb_kwargs={"page": page + 1}, dont_filter=True)
            return
        yield from self._finish()

    def page_failed(self, failure: Failure) -> Iterator[SourceFetch | scrapy.Request]:
        url = getattr(failure.request, "url", "?")  # type: ignore[attr-defined]
        log.warning("source %s: listing page %s failed: %s", self.source_id, url, describe_failure(failure),
                    extra=self._about(url))
        yield from self._finish()

    def _finish(self) -> Iterator[SourceFetch | scrapy.Request]:
        entries = list(self._entries.values())
        if entries and all(e.published for e in entries):
            entries.sort(key=lambda e: e.published or datetime.min.replace(tzinfo=UTC), reverse=True)
        etag, last_modified = self._validators
        yield from self._index_read(self._status, len(entries) + self._dropped, entries[: self.max_entries], etag,
                                    last_modified, truncated=self._dropped)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
