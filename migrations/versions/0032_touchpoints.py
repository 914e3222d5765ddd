"""Touchpoints and values pulses: calls, meetings and site visits logged on an account (an
internal note, an optional client-visible summary), the firm's contact rhythm (the reminder's
gap and the Contact recency target); periodic pulses may ask about one firm value (which
values, how often), its answers kept row by row; the metrics Contact recency and Values
lived; the touchpoint reminder email

Revision ID: 0032_touchpoints
Revises: 0025_people
"""
from alembic import op
import sqlalchemy as sa

revision = '0032_touchpoints'
down_revision = '0031_asks'
branch_labels = None
depends_on = None

OLD_METRICS = ('satisfaction', 'loyalty', 'promises', 'communication', 'recovery', 'engagement',
               'effort', 'responsiveness', 'selection_fit')
NEW_METRICS = OLD_METRICS + ('contact_recency', 'values_lived')
OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert',
             'invitation', 'password_reset', 'sign_in_link', 'email_change',
             'email_change_notice', 'webhook_disabled', 'shortlist_presented',
             'interview_proposed', 'interview_booked', 'follow_up_resolved',
             'follow_up_reopened', 'follow_up_overdue', 'care_handoff', 'pulse_reminder')
NEW_KINDS = OLD_KINDS + ('touchpoint_reminder',)


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade():
    op.create_table('touchpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('call', 'meeting', 'site_visit', name='touchpoint_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('client_people', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('client_summary', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('length(note) <= 2000', name=op.f('ck_touchpoint_note_length')),
    sa.CheckConstraint("client_summary IS NULL OR (client_summary <> '' AND length(client_summary) <= 1000)", name=op.f('ck_touchpoint_summary_length')),
    sa.CheckConstraint("client_people <> ''", name=op.f('ck_touchpoint_client_people_given')),
    sa.CheckConstraint('removed_by_id IS NULL OR removed_at IS NOT NULL', name=op.f('ck_touchpoint_removed_with_time')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_touchpoint_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['user_account.id'], name=op.f('fk_touchpoint_staff_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_touchpoint_recorded_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user_account.id'], name=op.f('fk_touchpoint_removed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touchpoint'))
    )
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.create_index('ix_touchpoint_organization_occurred', ['organization_id', 'occurred_on'], unique=False)
        batch_op.create_index('ix_touchpoint_organization_occurred_at', ['organization_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_touchpoint_staff_id'), ['staff_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_touchpoint_recorded_by_id'), ['recorded_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_touchpoint_removed_by_id'), ['removed_by_id'], unique=False)
    op.create_table('touchpoint_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('contact_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_touchpoint_settings_single_row')),
    sa.CheckConstraint('contact_days BETWEEN 1 AND 365', name=op.f('ck_touchpoint_settings_contact_days_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_touchpoint_settings_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_touchpoint_settings'))
    )
    with op.batch_alter_table('touchpoint_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_touchpoint_settings_updated_by_id'), ['updated_by_id'], unique=False)
    op.create_table('values_pulse_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('every_nth', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_values_pulse_settings_single_row')),
    sa.CheckConstraint('every_nth BETWEEN 0 AND 12', name=op.f('ck_values_pulse_settings_every_nth_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_values_pulse_settings'))
    )
    with op.batch_alter_table('value_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('asked_in_pulses', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('value_title', sa.String(length=120), nullable=True))
        batch_op.create_index(batch_op.f('ix_pulse_request_value_id'), ['value_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_pulse_request_value_id_value_item'), 'value_item', ['value_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(batch_op.f('ck_pulse_request_value_titled'), 'value_id IS NULL OR value_title IS NOT NULL')
    op.create_table('pulse_value_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score BETWEEN 1 AND 5', name=op.f('ck_pulse_value_answer_score_range')),
    sa.CheckConstraint('comment IS NULL OR length(comment) <= 2000', name=op.f('ck_pulse_value_answer_comment_length')),
    sa.ForeignKeyConstraint(['request_id'], ['pulse_request.id'], name=op.f('fk_pulse_value_answer_request_id_pulse_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_value_answer'))
    )
    with op.batch_alter_table('pulse_value_answer', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_value_answer_request_given', ['request_id', 'given_at'], unique=False)
        batch_op.create_index('ix_pulse_value_answer_given', ['given_at'], unique=False)
    with op.batch_alter_table('health_metric_weight', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_health_metric_weight_metric'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_health_metric_weight_metric'),
                                         _in('metric', NEW_METRICS))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE kind = 'touchpoint_reminder'")
    op.execute("DELETE FROM health_metric_weight WHERE " + _in('metric', NEW_METRICS[len(OLD_METRICS):]))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'),
                                         _in('kind', OLD_KINDS))
    with op.batch_alter_table('health_metric_weight', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_health_metric_weight_metric'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_health_metric_weight_metric'),
                                         _in('metric', OLD_METRICS))
    with op.batch_alter_table('pulse_value_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_pulse_value_answer_given')
        batch_op.drop_index('ix_pulse_value_answer_request_given')
    op.drop_table('pulse_value_answer')
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_pulse_request_value_titled'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_pulse_request_value_id_value_item'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_pulse_request_value_id'))
        batch_op.drop_column('value_title')
        batch_op.drop_column('value_id')
    with op.batch_alter_table('value_item', schema=None) as batch_op:
        batch_op.drop_column('asked_in_pulses')
    op.drop_table('values_pulse_settings')
    with op.batch_alter_table('touchpoint_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_touchpoint_settings_updated_by_id'))
    op.drop_table('touchpoint_settings')
    with op.batch_alter_table('touchpoint', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_touchpoint_removed_by_id'))
        batch_op.drop_index(batch_op.f('ix_touchpoint_recorded_by_id'))
        batch_op.drop_index(batch_op.f('ix_touchpoint_staff_id'))
        batch_op.drop_index('ix_touchpoint_organization_occurred_at')
        batch_op.drop_index('ix_touchpoint_organization_occurred')
    op.drop_table('touchpoint')
