"""History is history: a changed pulse answer keeps its first time and each change as a
revision; a follow-up notes when its answer stopped being low; a user's deactivations are
kept as spans, so metrics as of a past moment count who was active then

Revision ID: 0018_answer_history
Revises: 0017_sign_in_throttle
"""
from alembic import op
import sqlalchemy as sa

revision = '0018_answer_history'
down_revision = '0017_sign_in_throttle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pulse_answer_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('old_score', sa.Integer(), nullable=False),
    sa.Column('new_score', sa.Integer(), nullable=False),
    sa.Column('old_comment', sa.Text(), nullable=True),
    sa.Column('new_comment', sa.Text(), nullable=True),
    sa.CheckConstraint('old_score BETWEEN 0 AND 10 AND new_score BETWEEN 0 AND 10', name=op.f('ck_pulse_answer_revision_score_range')),
    sa.ForeignKeyConstraint(['answer_id'], ['pulse_answer.id'], name=op.f('fk_pulse_answer_revision_answer_id_pulse_answer'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_pulse_answer_revision_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_answer_revision'))
    )
    with op.batch_alter_table('pulse_answer_revision', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_answer_revision_answer_changed', ['answer_id', 'changed_at'], unique=False)
        batch_op.create_index('ix_pulse_answer_revision_changed', ['changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_answer_revision_changed_by_id'), ['changed_by_id'], unique=False)

    with op.batch_alter_table('pulse_follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('no_longer_low_at', sa.DateTime(timezone=True), nullable=True))

    op.create_table('user_deactivation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reactivated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('reactivated_at IS NULL OR reactivated_at >= deactivated_at', name=op.f('ck_user_deactivation_reactivated_after')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_deactivation_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_deactivation'))
    )
    with op.batch_alter_table('user_deactivation', schema=None) as batch_op:
        batch_op.create_index('ix_user_deactivation_user_deactivated', ['user_id', 'deactivated_at'], unique=False)

    # A user deactivated before this revision: since their last "user.deactivated" audit event
    # when there is one, else since they were created (they counted nowhere before either).
    op.execute(sa.text(
        "INSERT INTO user_deactivation (user_id, deactivated_at) "
        "SELECT u.id, COALESCE((SELECT max(e.created_at) FROM audit_event e "
        "WHERE e.action = 'user.deactivated' AND e.target_type = 'User' AND e.target_id = u.id), "
        "u.created_at) FROM user_account u WHERE NOT u.active"
    ))


def downgrade():
    with op.batch_alter_table('user_deactivation', schema=None) as batch_op:
        batch_op.drop_index('ix_user_deactivation_user_deactivated')
    op.drop_table('user_deactivation')
    with op.batch_alter_table('pulse_follow_up', schema=None) as batch_op:
        batch_op.drop_column('no_longer_low_at')
    with op.batch_alter_table('pulse_answer_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_answer_revision_changed_by_id'))
        batch_op.drop_index('ix_pulse_answer_revision_changed')
        batch_op.drop_index('ix_pulse_answer_revision_answer_changed')
    op.drop_table('pulse_answer_revision')
