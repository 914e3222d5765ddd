"""Staff publishing: drafts, revisions of edited updates, internal notes, feedback requests

Revision ID: 0007
Revises: 0006

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('update_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'on_track', 'at_risk', 'blocked', 'done', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('eta', sa.Date(), nullable=True),
    sa.Column('eta_confidence', sa.Enum('high', 'medium', 'low', name='eta_confidence', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('internal_note', sa.Text(), nullable=True),
    sa.Column('ask_feedback', sa.Boolean(), nullable=False),
    sa.Column('saved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_update_draft_author_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_update_draft_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_update_draft')),
    sa.UniqueConstraint('project_id', 'author_id', name=op.f('uq_update_draft_project_id_author_id'))
    )
    op.create_table('update_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('update_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('replaced_by_id', sa.Integer(), nullable=True),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['replaced_by_id'], ['user_account.id'], name=op.f('fk_update_revision_replaced_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['update_id'], ['status_update.id'], name=op.f('fk_update_revision_update_id_status_update'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_update_revision'))
    )
    with op.batch_alter_table('update_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_update_revision_replaced_by_id'), ['replaced_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_update_revision_update_id'), ['update_id'], unique=False)

    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('internal_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('ask_feedback', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.alter_column('ask_feedback', server_default=None)



def downgrade():
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
        batch_op.drop_column('ask_feedback')
        batch_op.drop_column('internal_note')

    with op.batch_alter_table('update_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_update_revision_update_id'))
        batch_op.drop_index(batch_op.f('ix_update_revision_replaced_by_id'))

    op.drop_table('update_revision')
    op.drop_table('update_draft')
