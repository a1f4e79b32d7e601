"""Scheduler election: one leader per database and schema on PostgreSQL, takeover when it goes; SQLite always leads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor.leader import Leadership, PostgresLeadership, leadership_for
from tests.conftest import drop_postgres_schema, fresh_postgres

FAST = {"retry_s": 0.2, "check_s": 0.2}


@pytest.fixture
def pg_url(postgres_base_url: str) -> Iterator[str]:
    url, schema = fresh_postgres(postgres_base_url)
    yield url
    drop_postgres_schema(postgres_base_url, schema)


@dataclass
class Replica:
    """One replica's election loop, with what it was told and when."""

    leadership: Leadership
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    events: list[tuple[str, float]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def start(self) -> Replica:
        async def elected() -> None:
            self.events.append(("elected", time.monotonic()))

        async def lost() -> None:
            self.events.append(("lost", time.monotonic()))

        self.task = asyncio.ensure_future(self.leadership.run(elected, lost, self.stop))
        return self

    async def quit(self) -> None:
        self.stop.set()
        if self.task:
            await self.task
        await asyncio.to_thread(self.leadership.release)


async def until(check: Callable[[], bool], timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.02)
    return time.monotonic()


def test_sqlite_is_always_the_leader(tmp_path: Path) -> None:
    leadership = leadership_for(f"sqlite:///{tmp_path / 'x.db'}")
    assert type(leadership) is Leadership

    async def main() -> list[str]:
        r = Replica(leadership).start()
        await until(lambda: leadership.is_leader, 1)
        await r.quit()
        return [e for e, _ in r.events]

    assert asyncio.run(main()) == ["elected"]


def test_one_leader_and_the_follower_takes_over_when_it_leaves(pg_url: str) -> None:
    async def main() -> tuple[float, list[str], list[str]]:
        a = Replica(PostgresLeadership(pg_url, **FAST)).start()
        await until(lambda: a.leadership.is_leader, 5)
        b = Replica(PostgresLeadership(pg_url, **FAST)).start()
        await asyncio.sleep(1.0)  # five retries by the follower
        assert a.leadership.is_leader and not b.leadership.is_leader
        left = time.monotonic()
        await a.quit()
        took_over = await until(lambda: b.leadership.is_leader, 5)
        await b.quit()
        return took_over - left, [e for e, _ in a.events], [e for e, _ in b.events]

    takeover, a_events, b_events = asyncio.run(main())
    print(f"\ntakeover after the leader released its connection: {takeover:.2f}s (retry every 0.2s)")
    assert a_events == ["elected"] and b_events == ["elected"]
    assert takeover < 1.0


def test_a_leader_whose_connection_drops_steps_down(pg_url: str, postgres_base_url: str) -> None:
    async def main() -> tuple[float, list[str], list[str]]:
        a = Replica(PostgresLeadership(pg_url, **FAST)).start()
        await until(lambda: a.leadership.is_leader, 5)
        b = Replica(PostgresLeadership(pg_url, **FAST)).start()
        await asyncio.sleep(0.5)
        conn = a.leadership.conn  # type: ignore[attr-defined]
        pid = await asyncio.to_thread(lambda: conn.execute(text("SELECT pg_backend_pid()")).scalar())
        admin = create_engine(postgres_base_url)
        with admin.begin() as c:
            c.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        admin.dispose()
        dropped = time.monotonic()
        await until(lambda: not a.leadership.is_leader, 5)
        took_over = await until(lambda: b.leadership.is_leader, 5)
        await asyncio.sleep(0.5)
        assert not a.leadership.is_leader  # the old leader retries but the lock is taken
        await a.quit()
        await b.quit()
        return took_over - dropped, [e for e, _ in a.events], [e for e, _ in b.events]

    takeover, a_events, b_events = asyncio.run(main())
    print(f"\nleader's connection killed: follower elected {takeover:.2f}s later")
    assert a_events == ["elected", "lost"]
    assert b_events == ["elected"]


def test_each_schema_elects_its_own_leader(postgres_base_url: str) -> None:
    (one, s1), (two, s2) = fresh_postgres(postgres_base_url), fresh_postgres(postgres_base_url)

    async def main() -> tuple[bool, bool]:
        a, b = Replica(PostgresLeadership(one, **FAST)).start(), Replica(PostgresLeadership(two, **FAST)).start()
        await until(lambda: a.leadership.is_leader and b.leadership.is_leader, 5)
        leaders = a.leadership.is_leader, b.leadership.is_leader
        await a.quit()
        await b.quit()
        return leaders

    try:
        assert asyncio.run(main()) == (True, True)
    finally:
        drop_postgres_schema(postgres_base_url, s1)
        drop_postgres_schema(postgres_base_url, s2)


def test_a_replica_that_cannot_start_scheduling_retries_and_leaves_the_lock_to_others(pg_url: str) -> None:
    attempts: list[str] = []

    async def fails() -> None:
        attempts.append("a")
        raise RuntimeError("database went away while reading last runs")

    async def noop() -> None:
        return None

    async def main() -> tuple[bool, bool]:
        a = PostgresLeadership(pg_url, **FAST)
        stop_a = asyncio.Event()
        task = asyncio.ensure_future(a.run(fails, noop, stop_a))
        await until(lambda: len(attempts) >= 2, 5)
        b = Replica(PostgresLeadership(pg_url, **FAST)).start()
        await until(lambda: b.leadership.is_leader, 5)
        leaders = a.is_leader, b.leadership.is_leader
        stop_a.set()
        await task
        a.release()
        await b.quit()
        return leaders

    assert asyncio.run(main()) == (False, True)



def test_on_sqlite_the_only_process_retries_until_scheduling_starts() -> None:
    failures = iter([RuntimeError("database is locked")])

    async def flaky() -> None:
        for e in failures:
            raise e

    async def noop() -> None:
        return None

    async def single() -> bool:
        leadership, stop = Leadership(retry_s=0.05), asyncio.Event()
        task = asyncio.ensure_future(leadership.run(flaky, noop, stop))
        await until(lambda: leadership.is_leader, 2)
        stop.set()
        await task
        return leadership.is_leader

    assert asyncio.run(single())
