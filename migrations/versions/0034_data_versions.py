"""A version per table the API reads, raised by every transaction that writes it, so each
worker can keep answers and know at once when one is out of date

Revision ID: 0034_data_versions
Revises: 0033_feeds
"""
from alembic import op
import sqlalchemy as sa

revision = '0034_data_versions'
down_revision = '0033_feeds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('data_version',
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('version > 0', name=op.f('ck_data_version_version_positive')),
    sa.PrimaryKeyConstraint('table_name', name=op.f('pk_data_version'))
    )


def downgrade():
    op.drop_table('data_version')
