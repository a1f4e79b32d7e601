"""Fast bulk loading of pre-existing rows for the storage benchmark: executemany on SQLite, COPY on PostgreSQL."""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text

COUNTRIES = ("XK", "SZ", "RW", "UG", "GH", "PW", "GQ", "CM", "CR", "PA", "PY", "BZ", "EC", "LR", "SS", "DM")
STAGES = ("talks", "agreement", "first_arrivals", "further_arrivals", "court_ruling", "criticism")
ARTICLE_COLUMNS = ("id", "canonical_url", "url", "source_id", "outlet", "official", "title", "text", "language",
                   "published_at", "fetched_at", "content_hash", "relevant", "score", "receiving_country",
                   "country_code", "stage", "deportee_count", "count_kind", "reasons")
DEV_COLUMNS = ("id", "receiving_country", "country_code", "stage", "deportee_count", "count_kind", "event_date",
               "first_seen", "last_seen", "title", "summary", "official", "status", "article_count")
LINK_COLUMNS = ("development_id", "article_id", "added_at")
BAND_COLUMNS = ("article_id", "band", "hash")
RELEVANT_EVERY = 20  # 5 % of stored articles are relevant
SOURCES = 50
WORDS = ("officials", "said", "the", "government", "council", "budget", "weather", "market", "team", "report",
         "ministry", "plan", "week", "city", "court", "vote", "energy", "school", "health", "transport")


def article_url(i: int) -> str:
    return f"https://news{i % SOURCES}.example/{2025 + i % 2}/story-{i}"


def article_rows(start: int, stop: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(start)
    for i in range(start, stop):
        relevant = i % RELEVANT_EVERY == 0
        words = " ".join(rng.choice(WORDS) for _ in range(45))
        country = COUNTRIES[i % len(COUNTRIES)] if relevant else None
        published = now - timedelta(minutes=i % 500_000)
        yield (i, article_url(i), article_url(i), f"src-{i % SOURCES}", f"news{i % SOURCES}.example", False,
               f"Story {i}: {words[:60]}", f"{words} {i}", "en", published, published,
               f"v1:{zlib.crc32(str(i).encode()):08x}{i:040x}", relevant, 0.9 if relevant else 0.05,
               country, country, STAGES[i % len(STAGES)] if relevant else None, None, None,
               json.dumps(["bench row"]))


def development_rows(start: int, stop: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    for d in range(start, stop):
        seen = now - timedelta(days=d % 400)
        code = COUNTRIES[d % len(COUNTRIES)]
        yield (d, code, code, STAGES[d % len(STAGES)], None, None, seen.date(), seen, seen, f"Development {d}",
               "summary", False, "active", 20)


def link_rows(articles: range, developments: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    for i in articles:
        if i % RELEVANT_EVERY == 0:
            yield (1 + (i // RELEVANT_EVERY) % developments, i, now)


def band_rows(articles: range) -> Iterator[tuple[Any, ...]]:
    for i in articles:
        if i % RELEVANT_EVERY == 0:
            for band in range(16):
                yield (i, band, (zlib.crc32(f"{i}:{band}".encode()) | (band << 32)))


def _sqlite_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


def insert_rows(engine: Engine, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert rows with the driver directly (no ORM); returns how many."""
    raw = engine.raw_connection()
    n = 0
    try:
        if engine.dialect.name == "postgresql":
            pg: Any = raw.driver_connection
            with pg.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
        else:
            cur = raw.cursor()
            # The engine's connections autocommit (SQLAlchemy issues BEGIN itself); one transaction here.
            cur.execute("BEGIN")
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            batch: list[tuple[Any, ...]] = []
            for row in rows:
                batch.append(tuple(_sqlite_value(v) for v in row))
                if len(batch) >= 20_000:
                    cur.executemany(sql, batch)
                    n += len(batch)
                    batch.clear()
            cur.executemany(sql, batch)
            n += len(batch)
        raw.commit()
    finally:
        raw.close()
    return n


def max_id(engine: Engine, table: str, column: str = "id") -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COALESCE(MAX({column}), 0) FROM {table}")).scalar() or 0)


def grow(engine: Engine, target: int, now: datetime) -> dict[str, int]:
    """Add articles (with developments, links and story bands for the relevant 5 %) until `target` exist."""
    first = max_id(engine, "articles") + 1
    count = target - _count(engine, "articles")
    if count <= 0:
        return {"articles": 0}
    ids = range(first, first + count)
    dev_first = max_id(engine, "developments") + 1
    developments = max(50, target // (RELEVANT_EVERY * 20))
    devs = insert_rows(engine, "developments", DEV_COLUMNS,
                       development_rows(dev_first, max(dev_first, developments + 1), now))
    total_devs = max_id(engine, "developments")
    out = {"articles": insert_rows(engine, "articles", ARTICLE_COLUMNS, article_rows(ids.start, ids.stop, now)),
           "developments": devs,
           "links": insert_rows(engine, "development_articles", LINK_COLUMNS, link_rows(ids, total_devs, now)),
           "bands": insert_rows(engine, "story_bands", BAND_COLUMNS, band_rows(ids))}
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("articles", "developments"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT MAX(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return out


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() or 0)
