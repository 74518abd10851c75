"""changes refer to their link

A ``new_link`` change names the link it proposes by ``link_id``; until now approval found the link
by matching the change's sentence ("member of nysd-1:25-md-03143 (MDL No. 3143)") against
``relation of other_key``. Existing changes are matched that way once, here. Links the linker
stored as ``related`` for a correction or a shared RIN/docket take the relations that say so.
On SQLite, batch mode rebuilds ``changes`` with foreign keys off (``tracker.db``), so its review
log survives.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 08:07:35.188106
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sentence a new_link change said its link in: "member of nysd-1:25-md-03143 (MDL No. 3143)".
SENTENCE = "l.relation || ' of ' || l.other_key || ' ('"


def upgrade() -> None:
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_changes_link_id'), ['link_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_changes_link_id_case_links'), 'case_links', ['link_id'], ['id'], ondelete='SET NULL')
    op.execute(
        "UPDATE changes SET link_id = (SELECT l.id FROM case_links l WHERE l.case_id = changes.case_id "
        f"AND substr(changes.after, 1, length({SENTENCE})) = {SENTENCE}) WHERE kind = 'new_link'")
    op.execute("UPDATE case_links SET relation = 'correction' WHERE relation = 'related' "
               "AND reason = 'correction'")
    op.execute("UPDATE case_links SET relation = 'same_docket' WHERE relation = 'related' "
               "AND reason LIKE 'RIN/docket %'")


def downgrade() -> None:
    op.execute("UPDATE case_links SET relation = 'related' WHERE (relation = 'correction' "
               "AND reason = 'correction') OR (relation = 'same_docket' AND reason LIKE 'RIN/docket %')")
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_changes_link_id_case_links'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_changes_link_id'))
        batch_op.drop_column('link_id')
