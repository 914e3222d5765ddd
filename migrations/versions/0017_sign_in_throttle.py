"""Failed sign-ins counted in the database, per account and per account and address, so
every worker and every restart sees the same delays

Revision ID: 0017_sign_in_throttle
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = '0017_sign_in_throttle'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(key) = 64', name=op.f('ck_sign_in_throttle_key_sha256')),
    sa.CheckConstraint('failures > 0', name=op.f('ck_sign_in_throttle_failures_positive')),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttle'))
    )
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttle_last_failed_at'), ['last_failed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttle_last_failed_at'))
    op.drop_table('sign_in_throttle')
