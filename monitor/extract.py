"""Extraction: a fetched page becomes an Article (trafilatura for text, title, date; a cheap read first)."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from lxml import etree

from monitor.errors import ExtractionError
from monitor.types import Article
from spiders.items import FetchedPage
from spiders.urls import canonical_url

log = logging.getLogger(__name__)
HASH_VERSION = "v1"
# Punctuation and whitespace alike separate words: every run of them becomes one space.
_NON_WORD = re.compile(r"[^\w]+")
# Text shorter than this is not an article body; fall back to the feed's summary.
_MIN_TEXT = 80

# Words without which no page is about deportations, in the languages the classifier reads. Matched
# against lower-cased text as word starts, so it errs towards letting a page through: a page that
# passes is extracted and classified in full; only a page that fails skips both.
TOPIC_WORDS = re.compile(
    r"\b(?:d[eé]port|expul|expel|espul|trasla|remov|migra|immigr|inmigr|emigr|asyl|asil|refug|r[eé]fugi|"
    r"third[\s-]*countr|tercer|terceir|tiers|\bice\b|\bdhs\b|homeland|non[\s-]*citizen|alien|repatri|"
    r"rapatri|rimpatri|abschieb|fl[uü]chtling|renvo|reconduit|d[eë]bim|nationals|nacionales|ressortissant|"
    r"nationalit|nacionalidad|other\s+countr|exil|extradi|detain|detention|deten|d[eé]ten|custody|cecot|flight|"
    r"vuelo|vol\b|voo\b)"
)
# How much visible text the topic check reads: the classifier reads the headline and the first few
# thousand characters of the body, and this leaves room for menus and bylines before the body.
TOPIC_WINDOW = 50_000
# Elements whose text is never article text, and page furniture that trafilatura discards as well:
# the topic check must not be passed by a menu or a "related stories" list linking to other articles.
_NEVER_TEXT = ("script", "style", "noscript", "template", "svg", "iframe")
_BOILERPLATE = ("nav", "footer", "aside", "form", "button", "header")
# A class name that looks like furniture never removes these, or anything holding the headline.
_CONTENT = frozenset({"html", "body", "article", "main"})
_FURNITURE = re.compile(r"related|recommend|most-?read|popular|trending|newsletter|share|sharing|social|promo|"
                        r"cookie|consent|banner|comment|subscribe|teaser|sidebar|widget|breadcrumb|tags", re.I)


def normalise_text(text: str) -> str:
    """Lower-case, accent-folded, punctuation-free, single-spaced text (the basis of the content hash)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    # ASCII text has no combining marks to drop; skipping the per-character pass keeps long articles cheap.
    if not folded.isascii():
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", folded).strip()


def content_hash(title: str, text: str) -> str:
    """A stable, versioned hash of the article's normalised text."""
    body = normalise_text(text) or normalise_text(title)
    return f"{HASH_VERSION}:" + hashlib.sha256(body.encode()).hexdigest()[:48]


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if not 1990 <= parsed.year <= 2100:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def outlet_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def page_html(page: FetchedPage) -> str:
    """The page as text: its declared charset if the bytes agree, else UTF-8, else Windows-1252.

    Pages often declare UTF-8 but are Latin-1 (or the reverse); decoding leniently with the wrong
    charset would replace every accented letter, and country names with them.
    """
    for charset in dict.fromkeys((page.encoding or "utf-8", "utf-8")):
        try:
            return page.body.decode(charset)
        except (UnicodeDecodeError, LookupError):
            continue
    return page.body.decode("cp1252", errors="replace")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """Text without C0 control characters (a NUL is refused by PostgreSQL and means nothing to a reader)."""
    return _CONTROL.sub("", value)


@dataclass(frozen=True)
class QuickRead:
    """What a single lxml pass over a page gives: enough to store it and to decide if it needs more."""

    title: str
    text: str
    published: datetime | None
    language: str | None
    sitename: str | None
    topical: bool
    """True when the page has deportation vocabulary where the classifier would read it."""


def _meta(root: etree._Element, *names: str) -> str | None:
    for name in names:
        found = root.xpath(f"//meta[@property='{name}' or @name='{name}']/@content")
        if found and str(found[0]).strip():
            return str(found[0]).strip()
    return None


def _strip_furniture(root: etree._Element) -> None:
    etree.strip_elements(root, *_BOILERPLATE, with_tail=False)
    for el in root.xpath("//*[@role='dialog' or @role='navigation' or @role='complementary']"):
        el.drop_tree()
    for el in root.xpath("//*[@class or @id]"):
        if (_FURNITURE.search(f"{el.get('class', '')} {el.get('id', '')}") and el.getparent() is not None
                and el.tag not in _CONTENT and not el.xpath(".//h1|.//article|.//main")):
            el.drop_tree()
    # Lists of links (menus, "more from", tag clouds) carry other articles' headlines.
    for li in root.xpath("//li[.//a]"):
        if li.getparent() is not None:
            li.drop_tree()


def _paragraphs(root: etree._Element) -> str:
    scope = root.xpath("//article") or root.xpath("//main") or [root]
    paras = (" ".join(p.text_content().split()) for p in scope[0].iter("p"))
    return "\n".join(p for p in paras if p)


def quick_read(page: FetchedPage, html: str | None = None) -> QuickRead:
    """Title, paragraph text, date, language and the topic check, from one lxml parse (no trafilatura)."""
    html = page_html(page) if html is None else html
    if html.lstrip()[:5] == "<?xml":
        # lxml refuses str input that still declares its byte encoding.
        html = html.split("?>", 1)[-1]
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError) as e:
        raise ExtractionError(f"unreadable page: {e}") from e
    etree.strip_elements(root, *_NEVER_TEXT, with_tail=False)
    heading = root.xpath("string(//h1)").strip()
    doc_title = root.xpath("string(//title)").strip()
    og_title = _meta(root, "og:title")
    description = _meta(root, "description", "og:description") or ""
    published = (_parse_date(_meta(root, "article:published_time"))
                 or _parse_date(root.xpath("string(//time/@datetime)")) or page.feed_published)
    _strip_furniture(root)
    body = root.find("body")
    visible = " ".join((body.text_content() if body is not None else "")[:TOPIC_WINDOW].split())
    probe = " ".join((page.feed_title or "", page.feed_summary or "", doc_title, og_title or "", heading,
                      description, visible)).lower()
    language = (root.get("lang") or "").split("-")[0].strip().lower()[:8] or None
    return QuickRead(
        title=" ".join((og_title or heading or doc_title or page.feed_title or "").split()),
        text=_paragraphs(root),
        published=published,
        language=language,
        sitename=_meta(root, "og:site_name"),
        topical=TOPIC_WORDS.search(probe) is not None,
    )


def _article(page: FetchedPage, title: str, text: str, *, language: str | None, published: datetime | None,
             sitename: str | None, official: bool) -> Article:
    """The Article for a page's title and text: the feed summary fills a thin body, control characters go."""
    if len(text) < _MIN_TEXT and page.feed_summary:
        text = (text + "\n" + page.feed_summary).strip()
    title, text = clean_text(title).strip(), clean_text(text).strip()
    if not text and not title:
        raise ExtractionError("no text or title found")
    canonical = canonical_url(page.final_url or page.url)
    return Article(
        url=page.url,
        canonical_url=canonical,
        source_id=page.source_id,
        title=title[:1000],
        text=text[:100_000],
        language=language,
        published_at=published,
        outlet=sitename or outlet_of(canonical),
        official=official,
        content_hash=content_hash(title, text),
    )


def quick_article(page: FetchedPage, read: QuickRead, *, official: bool = False) -> Article:
    """The Article of a page the topic check ruled out, from the quick read alone."""
    return _article(page, read.title, read.text, language=read.language, published=read.published,
                    sitename=read.sitename, official=official)


def extract_article(page: FetchedPage, *, official: bool = False, html: str | None = None) -> Article:
    """Turn a fetched page into an Article; raises ExtractionError when nothing usable is found."""
    html = page_html(page) if html is None else html
    try:
        doc = trafilatura.bare_extraction(
            html, url=page.final_url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as e:  # trafilatura raises assorted lxml errors on hostile markup
        raise ExtractionError(f"extraction failed: {type(e).__name__}: {e}") from e
    text = (getattr(doc, "text", None) or "").strip()
    title = (getattr(doc, "title", None) or "").strip() or (page.feed_title or "").strip()
    published = _parse_date(getattr(doc, "date", None)) or page.feed_published
    return _article(page, title, text, language=getattr(doc, "language", None) or None, published=published,
                    sitename=getattr(doc, "sitename", None), official=official)
