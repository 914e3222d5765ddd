"""Closeout: a finished project's summary, the client-care hand-off and its cached PDF

Revision ID: 0010
Revises: 0009

One closeout per project (unique project_id). The PDF is cached in the row with the
fingerprint of what it was rendered from; the three pdf columns are all set or all empty.
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closeout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('outcomes', sa.Text(), nullable=False),
    sa.Column('lessons', sa.Text(), nullable=False),
    sa.Column('care_contact_id', sa.Integer(), nullable=True),
    sa.Column('care_reach', sa.String(length=500), nullable=False),
    sa.Column('care_next_steps', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('pdf_fingerprint', sa.String(length=64), nullable=True),
    sa.Column('pdf_rendered_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint(
        "summary <> '' AND outcomes <> '' AND care_next_steps <> ''",
        name=op.f('ck_closeout_text_given'),
    ),
    sa.CheckConstraint('version >= 1', name=op.f('ck_closeout_version_positive')),
    sa.CheckConstraint(
        'published_at IS NULL OR updated_at >= published_at',
        name=op.f('ck_closeout_updated_after_published'),
    ),
    sa.CheckConstraint(
        '(pdf IS NULL AND pdf_fingerprint IS NULL AND pdf_rendered_at IS NULL)'
        ' OR (pdf IS NOT NULL AND pdf_fingerprint IS NOT NULL AND pdf_rendered_at IS NOT NULL)',
        name=op.f('ck_closeout_pdf_complete'),
    ),
    sa.ForeignKeyConstraint(['care_contact_id'], ['user_account.id'], name=op.f('fk_closeout_care_contact_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_closeout_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closeout')),
    sa.UniqueConstraint('project_id', name=op.f('uq_closeout_project_id'))
    )
    with op.batch_alter_table('closeout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_closeout_care_contact_id'), ['care_contact_id'], unique=False)


def downgrade():
    with op.batch_alter_table('closeout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_closeout_care_contact_id'))
    op.drop_table('closeout')
