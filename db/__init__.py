"""Storage: SQLAlchemy models, sessions, dedup queries and Alembic migrations."""
