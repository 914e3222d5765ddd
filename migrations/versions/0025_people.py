"""People: invitation links keep when they were opened and when they were revoked (replaced by
a newer one or withdrawn), so staff see sent / opened / accepted and only one link per person
works; a client's change of email address waits for a link sent to the new address (the
link keeps the new address) and the old address gets a notice; staff photos, re-encoded,
kept in the database, with their version on the user for the URL

Revision ID: 0025_people
Revises: 0024_archive
"""
from alembic import op
import sqlalchemy as sa

revision = '0025_people'
down_revision = '0024_archive'
branch_labels = None
depends_on = None

OLD_PURPOSES = ('invitation', 'password_reset', 'sign_in_link')
NEW_PURPOSES = OLD_PURPOSES + ('email_change',)
OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert',
             'invitation', 'password_reset', 'sign_in_link')
NEW_KINDS = OLD_KINDS + ('email_change', 'email_change_notice')


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('photo_version', sa.String(length=16), nullable=True))
    op.create_table('staff_photo',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('image', sa.LargeBinary(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_staff_photo_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_staff_photo'))
    )
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('new_email', sa.String(length=254), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_email_token_purpose'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_email_token_purpose'),
                                         _in('purpose', NEW_PURPOSES))
        batch_op.create_check_constraint(
            batch_op.f('ck_email_token_new_email_for_email_change'),
            "(purpose = 'email_change') = (new_email IS NOT NULL)")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE " + _in('kind', NEW_KINDS[len(OLD_KINDS):]))
    op.execute("DELETE FROM email_token WHERE purpose = 'email_change'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', OLD_KINDS))
    with op.batch_alter_table('email_token', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_email_token_new_email_for_email_change'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_email_token_purpose'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_email_token_purpose'),
                                         _in('purpose', OLD_PURPOSES))
        batch_op.drop_column('new_email')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('opened_at')
    op.drop_table('staff_photo')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('photo_version')
