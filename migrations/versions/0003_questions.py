"""Client questions and concerns with their threads; the first staff answer is timed

Revision ID: 0003
Revises: 0002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('question', 'concern', name='kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('first_answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("body <> ''", name=op.f('ck_question_body_not_empty')),
    sa.CheckConstraint('first_answered_at IS NULL OR first_answered_at >= asked_at', name=op.f('ck_question_answered_after')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_question_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_question_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question'))
    )
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_first_answered_at'), ['first_answered_at'], unique=False)
        batch_op.create_index('ix_question_project_asked', ['project_id', 'asked_at'], unique=False)

    op.create_table('question_reply',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("body <> ''", name=op.f('ck_question_reply_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_question_reply_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_reply_question_id_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_reply'))
    )
    with op.batch_alter_table('question_reply', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_reply_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_reply_question_id'), ['question_id'], unique=False)



def downgrade():
    with op.batch_alter_table('question_reply', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_reply_question_id'))
        batch_op.drop_index(batch_op.f('ix_question_reply_author_id'))

    op.drop_table('question_reply')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_index('ix_question_project_asked')
        batch_op.drop_index(batch_op.f('ix_question_first_answered_at'))
        batch_op.drop_index(batch_op.f('ix_question_author_id'))

    op.drop_table('question')
