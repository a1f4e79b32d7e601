"""Near-duplicate stories: MinHash signatures of article text, banded for LSH lookups in the database."""

from __future__ import annotations

import re
import struct
import zlib
from collections import Counter
from datetime import datetime

from datasketch import MinHash
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.models import Development, DevelopmentArticle, StoryBand
from monitor.extract import normalise_text

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
# Two shared bands out of sixteen: about 90 % of pairs at Jaccard 0.6 share two, under 1 % at 0.3.
MIN_SHARED_BANDS = 2
SHINGLE = 3
_TOKEN = re.compile(r"\w+", re.UNICODE)


def shingles(title: str, text: str) -> set[bytes]:
    words = _TOKEN.findall(normalise_text(f"{title} {text[:4000]}"))
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def band_hashes(title: str, text: str) -> list[int] | None:
    """One 63-bit hash per band, or None when the text is too short to compare."""
    grams = shingles(title, text)
    if len(grams) < 8:
        return None
    mh = MinHash(num_perm=NUM_PERM, seed=7)
    mh.update_batch(list(grams))
    values = mh.hashvalues
    out = []
    for b in range(BANDS):
        chunk = struct.pack(f"<{ROWS}Q", *(int(v) for v in values[b * ROWS:(b + 1) * ROWS]))
        out.append(zlib.crc32(chunk) | (b << 32))
    return out


def save_bands(session: Session, article_id: int, bands: list[int]) -> None:
    session.add_all(StoryBand(article_id=article_id, band=i, hash=h) for i, h in enumerate(bands))


def similar_development(session: Session, bands: list[int], *, since: datetime) -> Development | None:
    """The open development whose reports share at least MIN_SHARED_BANDS bands with this text."""
    shared = (
        select(StoryBand.article_id, func.count().label("n"))
        .where(StoryBand.hash.in_(bands))
        .group_by(StoryBand.article_id)
        .having(func.count() >= MIN_SHARED_BANDS)
        .subquery()
    )
    rows = session.execute(
        select(DevelopmentArticle.development_id, shared.c.n)
        .join(shared, shared.c.article_id == DevelopmentArticle.article_id)
        .join(Development, Development.id == DevelopmentArticle.development_id)
        .where(Development.status != "false_alarm", Development.last_seen >= since)
    ).all()
    if not rows:
        return None
    votes: Counter[int] = Counter()
    for dev_id, n in rows:
        votes[dev_id] += n
    return session.get(Development, votes.most_common(1)[0][0])
