"""dates ahead (the calendar) and rulings' outcomes

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import sqlmodel  # autogenerate writes sqlmodel.sql.sqltypes.AutoString (alembic#1647)


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dates_ahead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('uid', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('time', sa.Time(), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('location', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('set_on', sa.Date(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_dates_ahead_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dates_ahead')),
    sa.UniqueConstraint('uid', name=op.f('uq_dates_ahead_uid'))
    )
    with op.batch_alter_table('dates_ahead', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dates_ahead_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dates_ahead_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_dates_ahead_day_state', ['day', 'state'], unique=False)
    op.create_table('ruling_outcomes',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('motion', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('disposition', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('fair_use', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('holding', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('document_url', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('read_from', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('set_by', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('set_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ruling_outcomes_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_ruling_outcomes_event_id_events'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', name=op.f('pk_ruling_outcomes'))
    )
    with op.batch_alter_table('ruling_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ruling_outcomes_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ruling_outcomes_disposition'), ['disposition'], unique=False)
        batch_op.create_index(batch_op.f('ix_ruling_outcomes_fair_use'), ['fair_use'], unique=False)
    op.create_table('ruling_claims',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('claim', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['ruling_outcomes.event_id'], name=op.f('fk_ruling_claims_event_id_ruling_outcomes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'claim', name=op.f('pk_ruling_claims'))
    )
    with op.batch_alter_table('ruling_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ruling_claims_claim'), ['claim'], unique=False)


def downgrade() -> None:
    op.drop_table('ruling_claims')
    op.drop_table('ruling_outcomes')
    op.drop_table('dates_ahead')
