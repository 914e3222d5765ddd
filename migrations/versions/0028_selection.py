"""Selection: candidates on placement projects with their screening steps and dated status
history, shortlists presented to the client, the client's decisions (kept when changed) with
the admin's list of reasons, first views of each profile, the selection settings (expiry and
retention days), and the shortlist email's kind

Revision ID: 0028_selection
Revises: 0025_people
"""
from datetime import UTC, datetime

from alembic import op
import sqlalchemy as sa

revision = '0028_selection'
down_revision = '0027_webhooks'
branch_labels = None
depends_on = None

OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened', 'health_alert',
             'invitation', 'password_reset', 'sign_in_link', 'email_change',
             'email_change_notice', 'webhook_disabled')
NEW_KINDS = OLD_KINDS + ('shortlist_presented',)
REASONS = ('Skills', 'Experience', 'Salary', 'Location', 'Culture', 'Other')


def _in(column, values):
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _set_kinds(kinds):
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _in('kind', kinds))


def upgrade():
    op.create_table('rejection_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("label <> ''", name=op.f('ck_rejection_reason_label_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rejection_reason')),
    sa.UniqueConstraint('label', name=op.f('uq_rejection_reason_label'))
    )
    op.create_table('selection_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('expiry_days', sa.Integer(), nullable=False),
    sa.Column('retention_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expiry_days BETWEEN 1 AND 365', name=op.f('ck_selection_settings_expiry_days_range')),
    sa.CheckConstraint('id = 1', name=op.f('ck_selection_settings_single_row')),
    sa.CheckConstraint('retention_days BETWEEN 30 AND 3650', name=op.f('ck_selection_settings_retention_days_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_settings'))
    )
    op.create_table('candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('headline', sa.String(length=160), nullable=False),
    sa.Column('location', sa.String(length=120), nullable=False),
    sa.Column('availability', sa.String(length=120), nullable=False),
    sa.Column('rate_band', sa.String(length=120), nullable=False),
    sa.Column('skills', sa.String(length=500), nullable=False),
    sa.Column('summary_md', sa.Text(), nullable=False),
    sa.Column('why_chosen_md', sa.Text(), nullable=False),
    sa.Column('cv', sa.LargeBinary(), nullable=True),
    sa.Column('cv_filename', sa.String(length=200), nullable=True),
    sa.Column('cv_size', sa.Integer(), nullable=True),
    sa.Column('sourced_on', sa.Date(), nullable=False),
    sa.Column('screened_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('sourced', 'screened', 'presented', 'interviewing', 'offered', 'placed', 'withdrawn', 'erased', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'erased') = (erased_at IS NOT NULL)", name=op.f('ck_candidate_erased_dated')),
    sa.CheckConstraint("display_name <> ''", name=op.f('ck_candidate_display_name_not_empty')),
    sa.CheckConstraint('(cv IS NULL AND cv_filename IS NULL AND cv_size IS NULL) OR (cv IS NOT NULL AND cv_filename IS NOT NULL AND cv_size IS NOT NULL)', name=op.f('ck_candidate_cv_complete')),
    sa.CheckConstraint('cv_size IS NULL OR cv_size BETWEEN 1 AND 10485760', name=op.f('ck_candidate_cv_size_range')),
    sa.CheckConstraint('screened_on IS NULL OR screened_on >= sourced_on', name=op.f('ck_candidate_screened_after_sourced')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_candidate_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate'))
    )
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_project_status', ['project_id', 'status'], unique=False)

    op.create_table('shortlist',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('presented_by_id', sa.Integer(), nullable=True),
    sa.Column('presented_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('expires_at > presented_at', name=op.f('ck_shortlist_expires_after_presented')),
    sa.ForeignKeyConstraint(['presented_by_id'], ['user_account.id'], name=op.f('fk_shortlist_presented_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_shortlist_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist'))
    )
    with op.batch_alter_table('shortlist', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_presented_by_id'), ['presented_by_id'], unique=False)
        batch_op.create_index('ix_shortlist_project_presented', ['project_id', 'presented_at'], unique=False)

    op.create_table('candidate_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('invite', 'not_a_fit', 'question', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acted_on_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acted_on_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'not_a_fit') = (reason_id IS NOT NULL)", name=op.f('ck_candidate_decision_reason_for_not_a_fit')),
    sa.CheckConstraint('acted_on_at IS NULL OR acted_on_at >= decided_at', name=op.f('ck_candidate_decision_acted_on_after')),
    sa.CheckConstraint('superseded_at IS NULL OR superseded_at >= decided_at', name=op.f('ck_candidate_decision_superseded_after')),
    sa.ForeignKeyConstraint(['acted_on_by_id'], ['user_account.id'], name=op.f('fk_candidate_decision_acted_on_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_candidate_decision_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_candidate_decision_decided_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_candidate_decision_question_id_question'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reason_id'], ['rejection_reason.id'], name=op.f('fk_candidate_decision_reason_id_rejection_reason'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_decision'))
    )
    with op.batch_alter_table('candidate_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_decision_acted_on_by_id'), ['acted_on_by_id'], unique=False)
        batch_op.create_index('ix_candidate_decision_candidate_decided', ['candidate_id', 'decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_decision_decided_by_id'), ['decided_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_decision_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_decision_reason_id'), ['reason_id'], unique=False)

    op.create_table('candidate_screening_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('process_step_id', sa.Integer(), nullable=True),
    sa.Column('step_title', sa.String(length=120), nullable=False),
    sa.Column('passed_on', sa.Date(), nullable=False),
    sa.Column('run_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("step_title <> ''", name=op.f('ck_candidate_screening_step_step_title_not_empty')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_candidate_screening_step_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_step_id'], ['process_step.id'], name=op.f('fk_candidate_screening_step_process_step_id_process_step'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_by_id'], ['user_account.id'], name=op.f('fk_candidate_screening_step_run_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_screening_step')),
    sa.UniqueConstraint('candidate_id', 'process_step_id', name=op.f('uq_candidate_screening_step_candidate_id_process_step_id'))
    )
    with op.batch_alter_table('candidate_screening_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_screening_step_process_step_id'), ['process_step_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_screening_step_run_by_id'), ['run_by_id'], unique=False)

    op.create_table('candidate_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('sourced', 'screened', 'presented', 'interviewing', 'offered', 'placed', 'withdrawn', 'erased', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_candidate_status_change_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_candidate_status_change_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_status_change'))
    )
    with op.batch_alter_table('candidate_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_status_change_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_status_change_changed_by_id'), ['changed_by_id'], unique=False)

    op.create_table('candidate_view',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('first_viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_viewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.CheckConstraint('last_viewed_at >= first_viewed_at', name=op.f('ck_candidate_view_last_after_first')),
    sa.CheckConstraint('views >= 1', name=op.f('ck_candidate_view_views_positive')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_candidate_view_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_candidate_view_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_view')),
    sa.UniqueConstraint('candidate_id', 'user_id', name=op.f('uq_candidate_view_candidate_id_user_id'))
    )
    with op.batch_alter_table('candidate_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_view_user_id'), ['user_id'], unique=False)

    op.create_table('shortlist_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shortlist_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint('position >= 0', name=op.f('ck_shortlist_entry_position_not_negative')),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_shortlist_entry_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shortlist_id'], ['shortlist.id'], name=op.f('fk_shortlist_entry_shortlist_id_shortlist'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shortlist_entry')),
    sa.UniqueConstraint('shortlist_id', 'candidate_id', name=op.f('uq_shortlist_entry_shortlist_id_candidate_id'))
    )
    with op.batch_alter_table('shortlist_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shortlist_entry_candidate_id'), ['candidate_id'], unique=False)

    reasons = sa.table('rejection_reason', sa.column('label', sa.String),
                       sa.column('position', sa.Integer))
    op.bulk_insert(reasons, [{'label': label, 'position': position}
                             for position, label in enumerate(REASONS)])
    settings = sa.table('selection_settings', sa.column('id', sa.Integer),
                        sa.column('expiry_days', sa.Integer),
                        sa.column('retention_days', sa.Integer),
                        sa.column('updated_at', sa.DateTime(timezone=True)))
    op.bulk_insert(settings, [{'id': 1, 'expiry_days': 30, 'retention_days': 365,
                               'updated_at': datetime.now(UTC)}])
    _set_kinds(NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE kind = 'shortlist_presented'")
    _set_kinds(OLD_KINDS)
    with op.batch_alter_table('shortlist_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shortlist_entry_candidate_id'))

    op.drop_table('shortlist_entry')
    with op.batch_alter_table('candidate_view', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_view_user_id'))

    op.drop_table('candidate_view')
    with op.batch_alter_table('candidate_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_status_change_changed_by_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_status_change_candidate_id'))

    op.drop_table('candidate_status_change')
    with op.batch_alter_table('candidate_screening_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_screening_step_run_by_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_screening_step_process_step_id'))

    op.drop_table('candidate_screening_step')
    with op.batch_alter_table('candidate_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_decision_reason_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_decision_question_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_decision_decided_by_id'))
        batch_op.drop_index('ix_candidate_decision_candidate_decided')
        batch_op.drop_index(batch_op.f('ix_candidate_decision_acted_on_by_id'))

    op.drop_table('candidate_decision')
    with op.batch_alter_table('shortlist', schema=None) as batch_op:
        batch_op.drop_index('ix_shortlist_project_presented')
        batch_op.drop_index(batch_op.f('ix_shortlist_presented_by_id'))

    op.drop_table('shortlist')
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_project_status')

    op.drop_table('candidate')
    op.drop_table('selection_settings')
    op.drop_table('rejection_reason')
