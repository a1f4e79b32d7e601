"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 01:09:10.871999
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.models


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canonical_url', sa.String(length=2048), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('source_id', sa.String(length=64), nullable=False),
    sa.Column('outlet', sa.String(length=200), nullable=True),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('published_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('fetched_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('relevant', sa.Boolean(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('receiving_country', sa.String(length=100), nullable=True),
    sa.Column('country_code', sa.String(length=8), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=True),
    sa.Column('deportee_count', sa.Integer(), nullable=True),
    sa.Column('count_kind', sa.String(length=8), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('canonical_url', name=op.f('uq_articles_canonical_url')),
    sa.UniqueConstraint('content_hash', name=op.f('uq_articles_content_hash'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index('ix_articles_fetched_at', ['fetched_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_relevant'), ['relevant'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_source_id'), ['source_id'], unique=False)

    op.create_table('developments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('receiving_country', sa.String(length=100), nullable=True),
    sa.Column('country_code', sa.String(length=8), nullable=True),
    sa.Column('stage', sa.String(length=32), nullable=False),
    sa.Column('deportee_count', sa.Integer(), nullable=True),
    sa.Column('count_kind', sa.String(length=8), nullable=True),
    sa.Column('event_date', sa.Date(), nullable=True),
    sa.Column('first_seen', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('official', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('article_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_developments'))
    )
    with op.batch_alter_table('developments', schema=None) as batch_op:
        batch_op.create_index('ix_developments_country_stage', ['country_code', 'stage'], unique=False)

    op.create_table('labels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('canonical_url', sa.String(length=2048), nullable=False),
    sa.Column('label', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_labels')),
    sa.UniqueConstraint('canonical_url', name=op.f('uq_labels_canonical_url'))
    )
    op.create_table('sources',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('etag', sa.Text(), nullable=True),
    sa.Column('last_modified', sa.Text(), nullable=True),
    sa.Column('last_run_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_ok_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_new_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('consecutive_failures', sa.Integer(), nullable=False),
    sa.Column('fetched_total', sa.Integer(), nullable=False),
    sa.Column('new_total', sa.Integer(), nullable=False),
    sa.Column('unchanged_total', sa.Integer(), nullable=False),
    sa.Column('failed_total', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedup_key', sa.String(length=200), nullable=False),
    sa.Column('development_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['development_id'], ['developments.id'], name=op.f('fk_alerts_development_id_developments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts')),
    sa.UniqueConstraint('dedup_key', name=op.f('uq_alerts_dedup_key'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alerts_development_id'), ['development_id'], unique=False)
        batch_op.create_index('ix_alerts_status_next', ['status', 'next_attempt_at'], unique=False)

    op.create_table('development_articles',
    sa.Column('development_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('added_at', db.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_development_articles_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['development_id'], ['developments.id'], name=op.f('fk_development_articles_development_id_developments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('development_id', 'article_id', name=op.f('pk_development_articles'))
    )
    


def downgrade() -> None:
    
    op.drop_table('development_articles')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_alerts_status_next')
        batch_op.drop_index(batch_op.f('ix_alerts_development_id'))

    op.drop_table('alerts')
    op.drop_table('sources')
    op.drop_table('labels')
    with op.batch_alter_table('developments', schema=None) as batch_op:
        batch_op.drop_index('ix_developments_country_stage')

    op.drop_table('developments')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_source_id'))
        batch_op.drop_index(batch_op.f('ix_articles_relevant'))
        batch_op.drop_index('ix_articles_fetched_at')

    op.drop_table('articles')
    
