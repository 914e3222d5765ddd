"""Project templates: milestone sets with default owners, durations and cadence

Revision ID: 0023_project_templates
Revises: 0022_contact_requested
"""
from alembic import op
import sqlalchemy as sa

revision = '0023_project_templates'
down_revision = '0022_contact_requested'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('project_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('update_cadence_days', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name <> ''", name=op.f('ck_project_template_name_not_empty')),
    sa.CheckConstraint('update_cadence_days BETWEEN 1 AND 90', name=op.f('ck_project_template_cadence_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_template')),
    sa.UniqueConstraint('name', name=op.f('uq_project_template_name'))
    )
    op.create_table('template_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('duration_days', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.Boolean(), nullable=False),
    sa.Column('owner_role', sa.String(length=120), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("title <> ''", name=op.f('ck_template_milestone_title_not_empty')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_template_milestone_position_not_negative')),
    sa.CheckConstraint('duration_days BETWEEN 1 AND 365', name=op.f('ck_template_milestone_duration_range')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_template_milestone_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['template_id'], ['project_template.id'], name=op.f('fk_template_milestone_template_id_project_template'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_milestone')),
    sa.UniqueConstraint('template_id', 'position', name=op.f('uq_template_milestone_template_id_position'))
    )
    with op.batch_alter_table('template_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_template_milestone_owner_id'), ['owner_id'], unique=False)


def downgrade():
    with op.batch_alter_table('template_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_template_milestone_owner_id'))
    op.drop_table('template_milestone')
    op.drop_table('project_template')
