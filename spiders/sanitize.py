"""Defences against hostile index and page bytes: made-up dates, impossible characters, binary sent as HTML."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from scrapy.http import Response

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Clocks and time zones put honest dates up to a day ahead; anything later is made up.
FUTURE_SKEW = timedelta(days=1)


def plausible_date(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """*moment* when a publication could carry it, else None (unknown).

    A date from before 1990 or more than a day ahead is a placeholder or a bug on the site. Kept,
    a far-future date would sort first for ever and keep its development open for ever.
    """
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment < EARLIEST or moment > (now or datetime.now(UTC)) + FUTURE_SKEW:
        return None
    return moment


_CHARREF = re.compile(rb"&#([xX][0-9a-fA-F]+|[0-9]+);")


def valid_charrefs(body: bytes) -> bytes:
    """*body* with character references beyond Unicode (``&#xFFFFFF;``) made U+FFFD: feedparser raises on them."""

    def fix(m: re.Match[bytes]) -> bytes:
        ref = m.group(1)
        value = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
        return m.group(0) if value <= 0x10FFFF else b"&#xFFFD;"

    return _CHARREF.sub(fix, body)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_controls(text: str) -> str:
    """*text* with control characters as spaces: a NUL (from "&#0;") means nothing, and PostgreSQL refuses it."""
    return _CONTROL.sub(" ", text)


# Images, PDFs, archives and executables that servers label text/html.
BINARY_MAGIC = (b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"%PDF", b"\x1f\x8b", b"PK\x03\x04", b"RIFF", b"\x7fELF")


def looks_binary(response: Response) -> bool:
    """True when the body is a binary file whatever its Content-Type says (it would be stored as an empty article)."""
    head = response.body[:2048]
    if head.startswith(BINARY_MAGIC):
        return True
    encoding = (getattr(response, "encoding", None) or "").lower().replace("_", "-")
    return b"\x00" in head and not encoding.startswith(("utf-16", "utf-32"))
