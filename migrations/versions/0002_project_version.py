"""Project version counter: open pages poll it to refresh live

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.create_check_constraint(batch_op.f('ck_project_version_positive'), 'version >= 1')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.alter_column('version', server_default=None)


def downgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_project_version_positive'), type_='check')
        batch_op.drop_column('version')
