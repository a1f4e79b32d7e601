"""ledger of known developments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 01:25:33.308764
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op



revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('developments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ledger_key', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reference_url', sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_developments_ledger_key'), ['ledger_key'])



def downgrade() -> None:
    with op.batch_alter_table('developments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_developments_ledger_key'), type_='unique')
        batch_op.drop_column('reference_url')
        batch_op.drop_column('ledger_key')

