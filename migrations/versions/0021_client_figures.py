"""What clients see of the track record: a switch per figure and the fewest answers or
deliveries a client-visible percentage or NPS stands on

Revision ID: 0021_client_figures
Revises: 0020_external_ids
"""
from alembic import op
import sqlalchemy as sa

revision = '0021_client_figures'
down_revision = '0020_external_ids'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('client_figure_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('min_count', sa.Integer(), nullable=False),
    sa.Column('show_promises', sa.Boolean(), nullable=False),
    sa.Column('show_update_rhythm', sa.Boolean(), nullable=False),
    sa.Column('show_first_answer', sa.Boolean(), nullable=False),
    sa.Column('show_closeout_pulses', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_client_figure_settings_single_row')),
    sa.CheckConstraint('min_count BETWEEN 1 AND 100', name=op.f('ck_client_figure_settings_min_count_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_client_figure_settings'))
    )


def downgrade():
    op.drop_table('client_figure_settings')
