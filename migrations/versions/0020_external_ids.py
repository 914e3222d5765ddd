"""The firm's own ids (its CRM's or ATS's) on accounts, people, projects and milestones, so a
CSV import matches its rows to what is already here and importing a file twice changes nothing

Revision ID: 0020_external_ids
Revises: 0019_snapshot_bands
"""
from alembic import op
import sqlalchemy as sa

revision = '0020_external_ids'
down_revision = '0019_snapshot_bands'
branch_labels = None
depends_on = None

TABLES = ('organization', 'user_account', 'project', 'milestone')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_external_id'),
                                              ['external_id'])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_external_id'), type_='unique')
            batch_op.drop_column('external_id')
