"""Selection funnel counts per placement; each user's choice of status-update emails

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

STAGES = ('sourced', 'screened', 'interviewed', 'presented', 'placed')


def upgrade():
    op.create_table('selection_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum(*STAGES, name='stage', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('candidates', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.CheckConstraint('candidates >= 0', name=op.f('ck_selection_count_candidates_not_negative')),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_selection_count_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_count')),
    sa.UniqueConstraint('project_id', 'stage', name=op.f('uq_selection_count_project_id_stage'))
    )
    # Existing users keep getting every update by email, as before this setting existed.
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_emails', sa.String(length=20), nullable=False, server_default='immediate'))
        batch_op.create_check_constraint(
            batch_op.f('ck_user_account_update_emails'),
            "update_emails IN ('immediate', 'weekly_digest', 'none')",
        )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('update_emails', server_default=None)


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_update_emails'), type_='check')
        batch_op.drop_column('update_emails')
    op.drop_table('selection_count')
