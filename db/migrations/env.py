"""Alembic environment: runs migrations for the URL handed over by db.session (or alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from db.models import Base
from db.session import make_engine

config = context.config
target_metadata = Base.metadata
# Any constant works; it only has to be the same for every replica migrating this database.
_ADVISORY_KEY = 7_302_114_151


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url, "sqlalchemy.url is not set"
    engine = make_engine(url)
    with engine.connect() as conn:
        is_pg = conn.dialect.name == "postgresql"
        if is_pg:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _ADVISORY_KEY})
            conn.commit()
        try:
            context.configure(connection=conn, target_metadata=target_metadata,
                              render_as_batch=conn.dialect.name == "sqlite", compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
            conn.commit()
        finally:
            if is_pg:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _ADVISORY_KEY})
                conn.commit()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
