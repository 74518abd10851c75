"""safety: shared rate limits, staff roles and session versions, subscriber token versions

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString (alembic#1647)


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_limits',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('window_start', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits'))
    )
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rate_limits_window_start'), ['window_start'], unique=False)
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), server_default='admin', nullable=False))
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_version', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('subscribers', schema=None) as batch_op:
        batch_op.drop_column('token_version')
    with op.batch_alter_table('staff_accounts', schema=None) as batch_op:
        batch_op.drop_column('session_version')
        batch_op.drop_column('role')
    with op.batch_alter_table('rate_limits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rate_limits_window_start'))
    op.drop_table('rate_limits')
