"""case curation: the watchlist's staff-only as_of, confidence and research notes (#16)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString (alembic#1647)


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('as_of', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('confidence', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('research_notes', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('research_notes')
        batch_op.drop_column('confidence')
        batch_op.drop_column('as_of')
