"""Migrations: the models and the migration history agree, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from db.session import alembic_config, current_revision, make_engine, upgrade


def test_models_match_migrations(db_url: str) -> None:
    command.check(alembic_config(db_url))  # raises when autogenerate would produce operations


def test_upgrade_is_idempotent_and_creates_every_table(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"sources", "articles", "developments", "development_articles", "alerts", "labels"} <= tables
    assert current_revision(db_url) is not None
