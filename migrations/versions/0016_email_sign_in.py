"""Email sign-in: links for invitations, password reset and sign-in; the admin's switch for
sign-in links; the three emails that carry them

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert')
NEW_KINDS = OLD_KINDS + ('invitation', 'password_reset', 'sign_in_link')
PURPOSES = ('invitation', 'password_reset', 'sign_in_link')


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    op.create_table('email_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.Enum(*PURPOSES, name='purpose', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('password_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('length(token_hash) = 64', name=op.f('ck_email_token_token_hash_sha256')),
    sa.CheckConstraint('length(password_fingerprint) = 64', name=op.f('ck_email_token_fingerprint_sha256')),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_email_token_expires_after_creation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_email_token_user_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_email_token_created_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_token')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_email_token_token_hash'))
    )
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_token_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_token_created_by_id'), ['created_by_id'], unique=False)

    # On by default, for the firm's existing settings row too.
    with op.batch_alter_table('security_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allow_client_email_sign_in', sa.Boolean(), nullable=False,
                                      server_default=sa.true()))
    with op.batch_alter_table('security_settings', schema=None) as batch_op:
        batch_op.alter_column('allow_client_email_sign_in', server_default=None)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _kinds(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE " + _kinds(NEW_KINDS[len(OLD_KINDS):]))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _kinds(OLD_KINDS))

    with op.batch_alter_table('security_settings', schema=None) as batch_op:
        batch_op.drop_column('allow_client_email_sign_in')

    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_token_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_email_token_user_id'))

    op.drop_table('email_token')
