"""Invitation links keep when they were opened and when they were revoked (replaced by a newer
one or withdrawn), so staff see sent / opened / accepted and only one link per person works

Revision ID: 0024_people
Revises: 0022_contact_requested
"""
from alembic import op
import sqlalchemy as sa

revision = '0024_people'
down_revision = '0022_contact_requested'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('opened_at')
