"""Leader election: exactly one scheduler among replicas, by a PostgreSQL session advisory lock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)
# Two-int advisory keys live apart from the one-bigint keys used by migrations and store.lock().
LOCK_CLASS = 0x6477  # "dw"
RETRY_S = 5.0
CHECK_S = 5.0
QUERY_TIMEOUT_S = 10.0
# The server drops a silent leader's connection (releasing the lock) after about
# idle + interval * count = 25 s; the leader itself notices a dead link sooner (tcp_user_timeout,
# then the next check) and steps down first, so two schedulers never overlap.
_SERVER_KEEPALIVE = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
                     "SET tcp_keepalives_count = 3")
_CLIENT_KEEPALIVE = {"connect_timeout": 5, "keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2,
                     "keepalives_count": 3, "tcp_user_timeout": 10_000}

Callback = Callable[[], Awaitable[None]]


class Leadership:
    """Always the leader: a single process on SQLite has nobody to share the schedule with."""

    kind = "single"

    def __init__(self, retry_s: float = RETRY_S) -> None:
        self.is_leader = False
        self.retry_s = retry_s

    async def run(self, on_elected: Callback, on_lost: Callback, stop: asyncio.Event) -> None:
        while not stop.is_set() and not await self._take_office(on_elected):
            await _pause(stop, self.retry_s)
        await stop.wait()

    async def _take_office(self, on_elected: Callback) -> bool:
        """Become the leader; if setting up the schedule fails (database down), stay out and retry."""
        self.is_leader = True
        try:
            await on_elected()
        except Exception:
            log.exception("could not start scheduling; trying again in %.0fs", self.retry_s)
            self.is_leader = False
        return self.is_leader

    def release(self) -> None:
        self.is_leader = False


class PostgresLeadership(Leadership):
    """Holds `pg_try_advisory_lock` on one dedicated connection; whoever holds it schedules.

    The lock lives as long as the connection: a leader that dies (its connection drops) frees it,
    and a follower polling every RETRY_S takes over. The key is per database and schema, so
    deployments sharing a server elect their schedulers independently.
    """

    kind = "postgresql"

    def __init__(self, url: str, retry_s: float = RETRY_S, check_s: float = CHECK_S) -> None:
        super().__init__(retry_s)
        self.engine = create_engine(url, poolclass=NullPool, connect_args=_CLIENT_KEEPALIVE)
        self.check_s = check_s
        self.conn: Connection | None = None
        self.key: tuple[int, int] | None = None

    async def run(self, on_elected: Callback, on_lost: Callback, stop: asyncio.Event) -> None:
        while not stop.is_set():
            held = await self._attempt(self._try_lock if not self.is_leader else self._still_held)
            if held and not self.is_leader:
                log.info("elected scheduler leader (advisory lock %s)", self.key)
                if not await self._take_office(on_elected):
                    # Free the lock so that a replica that can schedule takes over meanwhile.
                    await asyncio.to_thread(self._drop)
            elif not held and self.is_leader:
                self.is_leader = False
                log.warning("lost the scheduler lock: stepping down to follower")
                await on_lost()
            await _pause(stop, self.check_s if self.is_leader else self.retry_s)

    async def _attempt(self, query: Callable[[], bool]) -> bool:
        try:
            return await asyncio.wait_for(asyncio.to_thread(query), QUERY_TIMEOUT_S)
        except Exception as e:
            log.warning("scheduler election: database unavailable (%s)", type(e).__name__)
            await asyncio.to_thread(self._drop)
            return False

    def _connect(self) -> Connection:
        if self.conn is None or self.conn.closed or self.conn.invalidated:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            for stmt in _SERVER_KEEPALIVE:
                conn.execute(text(stmt))
            db, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
            self.key = (LOCK_CLASS, _int4(f"deportwatch-scheduler:{db}:{schema}"))
            self.conn = conn
        return self.conn

    def _try_lock(self) -> bool:
        conn = self._connect()
        assert self.key is not None
        return bool(conn.execute(text("SELECT pg_try_advisory_lock(:a, :b)"),
                                 {"a": self.key[0], "b": self.key[1]}).scalar())

    def _still_held(self) -> bool:
        """True while our connection is alive and still holds the lock."""
        if self.conn is None or self.conn.closed or self.conn.invalidated or self.key is None:
            return False
        held = self.conn.execute(
            text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() "
                 "AND classid::bigint = :a AND objid::bigint = :b AND objsubid = 2 AND granted"),
            {"a": self.key[0], "b": self.key[1] & 0xFFFFFFFF},
        ).scalar()
        return bool(held)

    def _drop(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except Exception as e:  # the connection is already gone; nothing left to release
                log.debug("closing the election connection: %s", e)

    def release(self) -> None:
        """Close the dedicated connection: the lock is released and a follower can take over at once."""
        super().release()
        self._drop()
        self.engine.dispose()


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _int4(name: str) -> int:
    value = zlib.crc32(name.encode())
    return value - (1 << 32) if value >= 1 << 31 else value


def leadership_for(database_url: str, **kwargs: Any) -> Leadership:
    if make_url(database_url).get_backend_name() == "postgresql":
        return PostgresLeadership(database_url, **kwargs)
    return Leadership()
