"""Projects and accounts can be archived (and restored); accounts name a client-care owner

Revision ID: 0024_archive
Revises: 0023_project_templates
"""
from alembic import op
import sqlalchemy as sa

revision = '0024_archive'
down_revision = '0023_project_templates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('care_owner_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_organization_care_owner_id'), ['care_owner_id'])
        batch_op.create_foreign_key(batch_op.f('fk_organization_care_owner_id_user_account'),
                                    'user_account', ['care_owner_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organization_care_owner_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_organization_care_owner_id'))
        batch_op.drop_column('care_owner_id')
        batch_op.drop_column('archived_at')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_column('archived_at')
