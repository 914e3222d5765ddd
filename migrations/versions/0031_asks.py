"""Asks: one ask budget per client person (every pulse, reminder and check-in is an ask row,
sent or waiting its turn), reminders of unanswered pulses, admin-set reminder days and quiet
hours, and the reminder email kind

Revision ID: 0031_asks
Revises: 0025_people
"""
from alembic import op
import sqlalchemy as sa

revision = '0031_asks'
down_revision = '0030_loop'
branch_labels = None
depends_on = None

OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert',
             'invitation', 'password_reset', 'sign_in_link', 'email_change',
             'email_change_notice', 'webhook_disabled', 'shortlist_presented',
             'interview_proposed', 'interview_booked', 'follow_up_resolved',
             'follow_up_reopened', 'follow_up_overdue', 'care_handoff')
NEW_KINDS = OLD_KINDS + ('pulse_reminder',)


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table('ask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('pulse', 'reminder', 'check_in', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(length=80), nullable=False),
    sa.Column('state', sa.Enum('waiting', 'sent', 'dropped', name='state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('hold_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name=op.f('ck_ask_sent_has_time')),
    sa.CheckConstraint('priority BETWEEN 0 AND 99', name=op.f('ck_ask_priority_range')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ask_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask')),
    sa.UniqueConstraint('subject_key', name=op.f('uq_ask_subject_key'))
    )
    op.create_index('ix_ask_user_sent', 'ask', ['user_id', 'sent_at'], unique=False)
    op.create_index('ix_ask_waiting', 'ask', ['user_id', 'priority', 'created_at'], unique=False,
                    postgresql_where=sa.text("state = 'waiting'"),
                    sqlite_where=sa.text("state = 'waiting'"))
    op.create_table('ask_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first_reminder_day', sa.Integer(), nullable=False),
    sa.Column('second_reminder_day', sa.Integer(), nullable=False),
    sa.Column('quiet_start', sa.Integer(), nullable=False),
    sa.Column('quiet_end', sa.Integer(), nullable=False),
    sa.Column('quiet_weekends', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_ask_settings_single_row')),
    sa.CheckConstraint('first_reminder_day >= 1 AND second_reminder_day > first_reminder_day', name=op.f('ck_ask_settings_reminder_days_ordered')),
    sa.CheckConstraint('quiet_start BETWEEN 0 AND 23 AND quiet_end BETWEEN 0 AND 23', name=op.f('ck_ask_settings_quiet_hours_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_settings'))
    )
    op.create_table('pulse_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('number IN (1, 2)', name=op.f('ck_pulse_reminder_at_most_two')),
    sa.ForeignKeyConstraint(['request_id'], ['pulse_request.id'], name=op.f('fk_pulse_reminder_request_id_pulse_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_reminder')),
    sa.UniqueConstraint('request_id', 'number', name=op.f('uq_pulse_reminder_request_id_number'))
    )
    op.create_index(op.f('ix_pulse_reminder_sent_at'), 'pulse_reminder', ['sent_at'], unique=False)
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE kind = 'pulse_reminder'")
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', OLD_KINDS))
    op.drop_index(op.f('ix_pulse_reminder_sent_at'), table_name='pulse_reminder')
    op.drop_table('pulse_reminder')
    op.drop_table('ask_settings')
    op.drop_index('ix_ask_waiting', table_name='ask',
                  postgresql_where=sa.text("state = 'waiting'"),
                  sqlite_where=sa.text("state = 'waiting'"))
    op.drop_index('ix_ask_user_sent', table_name='ask')
    op.drop_table('ask')
