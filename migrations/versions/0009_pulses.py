"""Pulses: templates of 1-3 questions, requests held by the fatigue rule, answers, follow-ups

Revision ID: 0009
Revises: 0008

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pulse_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('trigger', sa.Enum('update', 'milestone', 'closeout', 'periodic', name='trigger', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.CheckConstraint("name <> ''", name=op.f('ck_pulse_template_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_template')),
    sa.UniqueConstraint('name', name=op.f('uq_pulse_template_name')),
    sa.UniqueConstraint('trigger', name=op.f('uq_pulse_template_trigger'))
    )
    op.create_table('pulse_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('scale', sa.Enum('csat', 'nps', 'ces', name='scale', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.Column('invites_comment', sa.Boolean(), nullable=False),
    sa.CheckConstraint("prompt <> ''", name=op.f('ck_pulse_question_prompt_not_empty')),
    sa.CheckConstraint('position BETWEEN 0 AND 2', name=op.f('ck_pulse_question_at_most_three')),
    sa.ForeignKeyConstraint(['template_id'], ['pulse_template.id'], name=op.f('fk_pulse_question_template_id_pulse_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_question')),
    sa.UniqueConstraint('template_id', 'position', name=op.f('uq_pulse_question_template_id_position'))
    )
    op.create_table('pulse_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('trigger', sa.Enum('update', 'milestone', 'closeout', 'periodic', name='trigger', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=True),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('held', 'sent', 'answered', name='state', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('hold_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'held') = (sent_at IS NULL)", name=op.f('ck_pulse_request_sent_unless_held')),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_pulse_request_milestone_id_milestone'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_pulse_request_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_pulse_request_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['template_id'], ['pulse_template.id'], name=op.f('fk_pulse_request_template_id_pulse_template'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['update_id'], ['status_update.id'], name=op.f('fk_pulse_request_update_id_status_update'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_pulse_request_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_request'))
    )
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_request_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index('ix_pulse_request_organization_created', ['organization_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_request_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_request_update_id'), ['update_id'], unique=False)
        batch_op.create_index('ix_pulse_request_user_sent', ['user_id', 'sent_at'], unique=False)

    op.create_table('pulse_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('scale', sa.Enum('csat', 'nps', 'ces', name='scale', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('comment IS NULL OR length(comment) <= 2000', name=op.f('ck_pulse_answer_comment_length')),
    sa.CheckConstraint('score BETWEEN 0 AND 10', name=op.f('ck_pulse_answer_score_range')),
    sa.ForeignKeyConstraint(['question_id'], ['pulse_question.id'], name=op.f('fk_pulse_answer_question_id_pulse_question'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['request_id'], ['pulse_request.id'], name=op.f('fk_pulse_answer_request_id_pulse_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_answer')),
    sa.UniqueConstraint('request_id', 'question_id', name=op.f('uq_pulse_answer_request_id_question_id'))
    )
    with op.batch_alter_table('pulse_answer', schema=None) as batch_op:
        batch_op.create_index('ix_pulse_answer_answered', ['answered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_answer_question_id'), ['question_id'], unique=False)

    op.create_table('pulse_follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('(resolved_at IS NULL) = (resolution IS NULL)', name=op.f('ck_pulse_follow_up_resolved_with_note')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_pulse_follow_up_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['request_id'], ['pulse_request.id'], name=op.f('fk_pulse_follow_up_request_id_pulse_request'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['user_account.id'], name=op.f('fk_pulse_follow_up_resolved_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pulse_follow_up')),
    sa.UniqueConstraint('request_id', name=op.f('uq_pulse_follow_up_request_id'))
    )
    with op.batch_alter_table('pulse_follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pulse_follow_up_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pulse_follow_up_resolved_at'), ['resolved_at'], unique=False)



def downgrade():
    with op.batch_alter_table('pulse_follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_follow_up_resolved_at'))
        batch_op.drop_index(batch_op.f('ix_pulse_follow_up_owner_id'))

    op.drop_table('pulse_follow_up')
    with op.batch_alter_table('pulse_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pulse_answer_question_id'))
        batch_op.drop_index('ix_pulse_answer_answered')

    op.drop_table('pulse_answer')
    with op.batch_alter_table('pulse_request', schema=None) as batch_op:
        batch_op.drop_index('ix_pulse_request_user_sent')
        batch_op.drop_index(batch_op.f('ix_pulse_request_update_id'))
        batch_op.drop_index(batch_op.f('ix_pulse_request_project_id'))
        batch_op.drop_index('ix_pulse_request_organization_created')
        batch_op.drop_index(batch_op.f('ix_pulse_request_milestone_id'))

    op.drop_table('pulse_request')
    op.drop_table('pulse_question')
    op.drop_table('pulse_template')
