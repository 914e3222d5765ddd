"""Pulse requests keep whether the client ticked "get in touch with me", so the follow-up can
say so and the reopened link shows it ticked

Revision ID: 0022_contact_requested
Revises: 0021_client_figures
"""
from alembic import op
import sqlalchemy as sa

revision = '0022_contact_requested'
down_revision = '0021_client_figures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_requested', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.alter_column('contact_requested', server_default=None)


def downgrade():
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.drop_column('contact_requested')
