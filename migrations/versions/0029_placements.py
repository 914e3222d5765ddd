"""Placements: interviews (up to three proposed times, one booked) with their .ics invitation
carried by the outbox (outbox_message.calendar; kinds interview_proposed, interview_booked); placements with their
check-ins, each a pulse of the new check-in kind (pulse_request.about names the placed
person); the admin's check-in days; the "Selection fit" health metric

Revision ID: 0029_placements
Revises: 0028_selection
"""
from alembic import op
import sqlalchemy as sa

revision = '0029_placements'
down_revision = '0028_selection'
branch_labels = None
depends_on = None

OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert',
             'invitation', 'password_reset', 'sign_in_link', 'email_change',
             'email_change_notice', 'webhook_disabled', 'shortlist_presented')
NEW_KINDS = OLD_KINDS + ('interview_proposed', 'interview_booked')
OLD_TRIGGERS = ('update', 'milestone', 'closeout', 'periodic')
NEW_TRIGGERS = OLD_TRIGGERS + ('check_in',)
OLD_METRICS = ('satisfaction', 'loyalty', 'promises', 'communication', 'recovery', 'engagement',
               'effort', 'responsiveness')
NEW_METRICS = OLD_METRICS + ('selection_fit',)


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _set_check(table, column, values):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_{table}_{column}'), type_='check')
        batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{column}'), _in(column, values))


def _set_kinds(kinds):
    _set_check('outbox_message', 'kind', kinds)


def _set_triggers(triggers):
    _set_check('pulse_template', 'trigger', triggers)
    _set_check('pulse_request', 'trigger', triggers)


def _set_metrics(metrics):
    _set_check('health_metric_weight', 'metric', metrics)


def upgrade():
    op.create_table('check_in_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('days', sa.String(length=60), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("days <> ''", name=op.f('ck_check_in_settings_days_given')),
    sa.CheckConstraint('id = 1', name=op.f('ck_check_in_settings_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in_settings'))
    )
    op.create_table('interview',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('proposed', 'booked', 'other_times', name='state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('where', sa.String(length=200), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_note', sa.Text(), nullable=True),
    sa.Column('proposed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.CheckConstraint("(state = 'booked') = (starts_at IS NOT NULL)", name=op.f('ck_interview_booked_has_time')),
    sa.CheckConstraint('minutes BETWEEN 15 AND 240', name=op.f('ck_interview_minutes_range')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], name=op.f('fk_interview_answered_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_interview_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['user_account.id'], name=op.f('fk_interview_contact_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview'))
    )
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interview_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('placement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('hiring_manager_id', sa.Integer(), nullable=True),
    sa.Column('placed_by_id', sa.Integer(), nullable=True),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.CheckConstraint('left_on IS NULL OR left_on >= starts_on', name=op.f('ck_placement_left_after_start')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_placement_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hiring_manager_id'], ['user_account.id'], name=op.f('fk_placement_hiring_manager_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['placed_by_id'], ['user_account.id'], name=op.f('fk_placement_placed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_placement')),
    sa.UniqueConstraint('candidate_id', name=op.f('uq_placement_candidate_id'))
    )
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_placement_hiring_manager_id'), ['hiring_manager_id'], unique=False)

    op.create_table('check_in',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('day BETWEEN 1 AND 730', name=op.f('ck_check_in_day_range')),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_check_in_placement_id_placement'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['pulse_request.id'], name=op.f('fk_check_in_request_id_pulse_request'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_check_in')),
    sa.UniqueConstraint('placement_id', 'day', name=op.f('uq_check_in_placement_id_day')),
    sa.UniqueConstraint('request_id', name=op.f('uq_check_in_request_id'))
    )
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_in_due_on'), ['due_on'], unique=False)

    op.create_table('interview_slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interview_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('position BETWEEN 0 AND 2', name=op.f('ck_interview_slot_at_most_three')),
    sa.ForeignKeyConstraint(['interview_id'], ['interview.id'], name=op.f('fk_interview_slot_interview_id_interview'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interview_slot')),
    sa.UniqueConstraint('interview_id', 'position', name=op.f('uq_interview_slot_interview_id_position'))
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar', sa.Text(), nullable=True))
    _set_kinds(NEW_KINDS)
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about', sa.String(length=120), nullable=True))
    _set_triggers(NEW_TRIGGERS)
    _set_metrics(NEW_METRICS)


def downgrade():
    op.execute("DELETE FROM health_metric_weight WHERE metric = 'selection_fit'")
    _set_metrics(OLD_METRICS)
    # SQLite's batch moves do not cascade: the check-ins' answers, revisions, follow-ups and
    # questions go first, so nothing is left pointing at a removed row.
    check_ins = "SELECT id FROM pulse_request WHERE trigger = 'check_in'"
    op.execute("DELETE FROM pulse_answer_revision WHERE answer_id IN "
               f"(SELECT id FROM pulse_answer WHERE request_id IN ({check_ins}))")
    op.execute(f"DELETE FROM pulse_answer WHERE request_id IN ({check_ins})")
    op.execute(f"DELETE FROM pulse_follow_up WHERE request_id IN ({check_ins})")
    op.execute("DELETE FROM pulse_request WHERE trigger = 'check_in'")
    op.execute("DELETE FROM pulse_question WHERE template_id IN "
               "(SELECT id FROM pulse_template WHERE trigger = 'check_in')")
    op.execute("DELETE FROM pulse_template WHERE trigger = 'check_in'")
    _set_triggers(OLD_TRIGGERS)
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.drop_column('about')
    op.execute("DELETE FROM outbox_message WHERE kind IN ('interview_proposed', "
               "'interview_booked')")
    _set_kinds(OLD_KINDS)
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('calendar')
    op.drop_table('interview_slot')
    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_in_due_on'))
    op.drop_table('check_in')
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_placement_hiring_manager_id'))
    op.drop_table('placement')
    with op.batch_alter_table('interview', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interview_candidate_id'))
    op.drop_table('interview')
    op.drop_table('check_in_settings')
