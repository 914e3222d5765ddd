"""The loop the client sees: a follow-up keeps what was done in words for the client apart from
the internal note, the client's "Did this fix it?" (a "not yet" reopens it for another round)
and when its lateness was flagged; emails for those and for the hand-off to client care; a
hand-off keeps the account's health page as it stood and when its 90-day care pulse is due

Revision ID: 0030_loop
Revises: 0025_people
"""
from alembic import op
import sqlalchemy as sa

revision = '0030_loop'
down_revision = '0029_placements'
branch_labels = None
depends_on = None

OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert',
             'invitation', 'password_reset', 'sign_in_link', 'email_change',
             'email_change_notice', 'webhook_disabled', 'shortlist_presented',
             'interview_proposed', 'interview_booked')
NEW_KINDS = OLD_KINDS + ('follow_up_resolved', 'follow_up_reopened', 'follow_up_overdue',
                         'care_handoff')
OLD_TRIGGERS = ('update', 'milestone', 'closeout', 'periodic', 'check_in')
NEW_TRIGGERS = OLD_TRIGGERS + ('care',)


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _triggers(values):
    for table in ('pulse_template', 'pulse_request'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'ck_{table}_trigger'), type_='check')
            batch_op.create_check_constraint(batch_op.f(f'ck_{table}_trigger'),
                                             _in('trigger', values))


def _kinds(values):
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', values))


def upgrade():
    with op.batch_alter_table('pulse_follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_summary', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('fix_answer', sa.Enum('fixed', 'not_yet', name='fix_answer', native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('fix_answered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('overdue_flagged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_pulse_follow_up_resolved_with_note'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_pulse_follow_up_resolved_with_note'),
                                         'resolved_at IS NULL OR resolution IS NOT NULL')
        batch_op.create_check_constraint(batch_op.f('ck_pulse_follow_up_fix_answer_dated'),
                                         '(fix_answer IS NULL) = (fix_answered_at IS NULL)')
        batch_op.create_check_constraint(batch_op.f('ck_pulse_follow_up_round_positive'),
                                         'round >= 1')
        batch_op.create_check_constraint(
            batch_op.f('ck_pulse_follow_up_client_summary_length'),
            'client_summary IS NULL OR length(client_summary) <= 2000')
    _triggers(NEW_TRIGGERS)
    _kinds(NEW_KINDS)
    op.create_table('care_handoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closeout_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('care_owner_id', sa.Integer(), nullable=True),
    sa.Column('handed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('health', sa.JSON(), nullable=False),
    sa.Column('care_pulse_due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('care_pulse_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('care_pulse_due_at > handed_at', name=op.f('ck_care_handoff_pulse_after_handoff')),
    sa.ForeignKeyConstraint(['care_owner_id'], ['user_account.id'], name=op.f('fk_care_handoff_care_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closeout_id'], ['closeout.id'], name=op.f('fk_care_handoff_closeout_id_closeout'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_care_handoff_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_handoff')),
    sa.UniqueConstraint('closeout_id', name=op.f('uq_care_handoff_closeout_id'))
    )
    with op.batch_alter_table('care_handoff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_handoff_care_owner_id'), ['care_owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_care_handoff_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index('ix_care_handoff_pulse_due', ['care_pulse_due_at'], unique=False, postgresql_where=sa.text('care_pulse_sent_at IS NULL'), sqlite_where=sa.text('care_pulse_sent_at IS NULL'))


def downgrade():
    op.drop_table('care_handoff')
    op.execute("DELETE FROM outbox_message WHERE " + _in('kind', NEW_KINDS[len(OLD_KINDS):]))
    _kinds(OLD_KINDS)
    # A care pulse's answers and follow-ups go with it (ON DELETE CASCADE), then its template.
    op.execute("DELETE FROM pulse_answer WHERE request_id IN "
               "(SELECT id FROM pulse_request WHERE trigger = 'care')")
    op.execute("DELETE FROM pulse_request WHERE trigger = 'care'")
    op.execute("DELETE FROM pulse_question WHERE template_id IN "
               "(SELECT id FROM pulse_template WHERE trigger = 'care')")
    op.execute("DELETE FROM pulse_template WHERE trigger = 'care'")
    _triggers(OLD_TRIGGERS)
    # A reopened follow-up has a note without a resolution time: it goes back to open.
    op.execute("UPDATE pulse_follow_up SET resolution = NULL WHERE resolved_at IS NULL")
    with op.batch_alter_table('pulse_follow_up', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pulse_follow_up_client_summary_length'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_pulse_follow_up_round_positive'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_pulse_follow_up_fix_answer_dated'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_pulse_follow_up_fix_answer'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_pulse_follow_up_resolved_with_note'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_pulse_follow_up_resolved_with_note'),
                                         '(resolved_at IS NULL) = (resolution IS NULL)')
        batch_op.drop_column('overdue_flagged_at')
        batch_op.drop_column('reopened_at')
        batch_op.drop_column('round')
        batch_op.drop_column('fix_answered_at')
        batch_op.drop_column('fix_answer')
        batch_op.drop_column('client_summary')
