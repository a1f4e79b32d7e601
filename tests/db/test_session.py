"""Units of work that are run again when the database connection is lost under them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from db.session import make_engine, make_sessionmaker, retrying


@pytest.fixture
def engines(postgres_base_url: str) -> Iterator[tuple[Engine, Engine]]:
    """The engine under test, and a separate one that terminates its connections."""
    engine, admin = make_engine(postgres_base_url), create_engine(postgres_base_url, poolclass=NullPool)
    yield engine, admin
    engine.dispose()
    admin.dispose()


def _own_pid(s: Session) -> int:
    return int(s.scalar(text("SELECT pg_backend_pid()")) or 0)


def _terminate(admin: Engine, pid: int) -> None:
    with admin.begin() as conn:
        assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}) is True


@pytest.mark.postgres
def test_work_runs_again_on_a_new_connection_after_its_own_is_terminated(engines: tuple[Engine, Engine]) -> None:
    engine, admin = engines
    pids: list[int] = []

    def work(s: Session) -> int:
        pids.append(_own_pid(s))
        if len(pids) == 1:
            _terminate(admin, pids[0])
        return int(s.scalar(text("SELECT 42")) or 0)

    assert retrying(make_sessionmaker(engine), work) == 42
    assert len(pids) == 2 and pids[0] != pids[1]


@pytest.mark.postgres
def test_the_last_error_is_raised_when_every_attempt_loses_its_connection(engines: tuple[Engine, Engine]) -> None:
    engine, admin = engines
    pids: list[int] = []

    def work(s: Session) -> None:
        pids.append(_own_pid(s))
        _terminate(admin, pids[-1])
        s.execute(text("SELECT 1"))

    with pytest.raises(OperationalError):
        retrying(make_sessionmaker(engine), work, attempts=2)
    assert len(pids) == 2


@pytest.mark.postgres
def test_other_errors_are_not_retried(engines: tuple[Engine, Engine]) -> None:
    calls: list[int] = []

    def work(s: Session) -> None:
        calls.append(1)
        raise ValueError("a bug, not a lost connection")

    with pytest.raises(ValueError):
        retrying(make_sessionmaker(engines[0]), work)
    assert calls == [1]
