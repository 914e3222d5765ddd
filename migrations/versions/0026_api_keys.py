"""API keys (firm-wide, admin-created, only a hash of the secret kept) and the answers kept for
a day so that a POST retried with the same Idempotency-Key is answered, not repeated

Revision ID: 0026_api_keys
Revises: 0025_people
"""
from alembic import op
import sqlalchemy as sa

revision = '0026_api_keys'
down_revision = '0025_people'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('prefix', sa.String(length=20), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('scopes', sa.String(length=60), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("name <> ''", name=op.f('ck_api_key_name_not_empty')),
    sa.CheckConstraint("scopes <> ''", name=op.f('ck_api_key_scopes_not_empty')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_api_key_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_api_key_secret_hash'))
    )
    op.create_table('api_idempotent_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['key_id'], ['api_key.id'], name=op.f('fk_api_idempotent_answer_key_id_api_key'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_idempotent_answer')),
    sa.UniqueConstraint('key_id', 'idempotency_key', name=op.f('uq_api_idempotent_answer_key_id_idempotency_key'))
    )
    with op.batch_alter_table('api_idempotent_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_idempotent_answer_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('api_idempotent_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_idempotent_answer_created_at'))
    op.drop_table('api_idempotent_answer')
    op.drop_table('api_key')
