"""Clients' private feed links (Atom updates, iCalendar ETAs): one per user, kept as the hash
of its random token, with when it was made and last read

Revision ID: 0033_feeds
Revises: 0025_people
"""
from alembic import op
import sqlalchemy as sa

revision = '0033_feeds'
down_revision = '0032_touchpoints'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('feed_link',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_read_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(token_hash) = 64', name=op.f('ck_feed_link_token_hash_is_sha256')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_feed_link_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_feed_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_feed_link_token_hash'))
    )


def downgrade():
    op.drop_table('feed_link')
