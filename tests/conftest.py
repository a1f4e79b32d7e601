"""Shared fixtures: databases (SQLite always, PostgreSQL when configured), paths, and loopback receivers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from db.session import make_engine, make_sessionmaker, upgrade
from monitor.loopback import SmtpSink, WebhookSink

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POSTGRES_ENV = "DEPORTWATCH_TEST_POSTGRES_URL"


def services_required() -> bool:
    return os.environ.get("DEPORTWATCH_REQUIRE_SERVICES", "") not in ("", "0")


def postgres_url_or_skip() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if services_required():
            pytest.fail(f"{POSTGRES_ENV} is not set but DEPORTWATCH_REQUIRE_SERVICES is")
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    return url


@pytest.fixture(scope="session")
def postgres_base_url() -> str:
    url = postgres_url_or_skip()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:
        pytest.fail(f"PostgreSQL at {POSTGRES_ENV} is not reachable: {e}")
    finally:
        engine.dispose()
    return url


def fresh_postgres(base_url: str) -> tuple[str, str]:
    """A URL whose search_path is a new, empty schema (so parallel runs never collide)."""
    schema = f"dw_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", schema


def drop_postgres_schema(base_url: str, schema: str) -> None:
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: SQLite in a temp file, and PostgreSQL in a fresh schema."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        upgrade(url)
        yield url
        return
    base = request.getfixturevalue("postgres_base_url")
    url, schema = fresh_postgres(base)
    upgrade(url)
    try:
        yield url
    finally:
        drop_postgres_schema(base, schema)


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def sqlite_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A loopback mail server that keeps what it receives."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    """A loopback webhook receiver (Slack's posts arrive here in tests run through cli_slack.py)."""
    with WebhookSink() as sink:
        yield sink
