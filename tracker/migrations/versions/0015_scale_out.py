"""scale out: the outbox row names the sender that claimed it; the shared secret key

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString (alembic#1647)


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('shared_secrets',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_shared_secrets'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
    op.drop_table('shared_secrets')
