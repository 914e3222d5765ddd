"""Foundation: organisations, users, projects, milestones, updates, ETA changes

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:46:52.783046

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organization',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('account_owner_id', sa.Integer(), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name <> ''", name=op.f('ck_organization_name_not_empty')),
    sa.CheckConstraint("slug <> '' AND slug = lower(slug)", name=op.f('ck_organization_slug_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization')),
    sa.UniqueConstraint('name', name=op.f('uq_organization_name')),
    sa.UniqueConstraint('slug', name=op.f('uq_organization_slug'))
    )
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_account_owner_id'), ['account_owner_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('role', sa.Enum('client', 'staff', 'admin', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('job_title', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('timezone', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_sign_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(role = 'client' AND organization_id IS NOT NULL) OR (role <> 'client' AND organization_id IS NULL)", name=op.f('ck_user_account_client_has_organization')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_user_account_email_lowercase')),
    sa.CheckConstraint('session_version >= 1', name=op.f('ck_user_account_session_version_positive')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_user_account_organization_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('email', name=op.f('uq_user_account_email'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_organization_id'), ['organization_id'], unique=False)

    # organization and user_account refer to each other: the owner key is added once both exist.
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_organization_account_owner_id_user_account'), 'user_account', ['account_owner_id'], ['id'], ondelete='SET NULL')

    op.create_table('project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'on_track', 'at_risk', 'blocked', 'done', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('eta', sa.Date(), nullable=True),
    sa.Column('eta_confidence', sa.Enum('high', 'medium', 'low', name='eta_confidence', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('update_cadence_days', sa.Integer(), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name <> ''", name=op.f('ck_project_name_not_empty')),
    sa.CheckConstraint('closed_on IS NULL OR started_on IS NULL OR closed_on >= started_on', name=op.f('ck_project_closed_after_started')),
    sa.CheckConstraint('update_cadence_days BETWEEN 1 AND 90', name=op.f('ck_project_cadence_range')),
    sa.ForeignKeyConstraint(['contact_id'], ['user_account.id'], name=op.f('fk_project_contact_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_project_organization_id_organization'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project')),
    sa.UniqueConstraint('organization_id', 'name', name=op.f('uq_project_organization_id_name'))
    )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_organization_id'), ['organization_id'], unique=False)

    op.create_table('milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('eta', sa.Date(), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.CheckConstraint("title <> ''", name=op.f('ck_milestone_title_not_empty')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_milestone_position_not_negative')),
    sa.ForeignKeyConstraint(['owner_id'], ['user_account.id'], name=op.f('fk_milestone_owner_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_milestone_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone')),
    sa.UniqueConstraint('project_id', 'position', name=op.f('uq_milestone_project_id_position'))
    )
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_owner_id'), ['owner_id'], unique=False)

    op.create_table('status_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'on_track', 'at_risk', 'blocked', 'done', name='status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('eta', sa.Date(), nullable=True),
    sa.Column('eta_confidence', sa.Enum('high', 'medium', 'low', name='eta_confidence', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("body <> ''", name=op.f('ck_status_update_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_status_update_author_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_status_update_project_id_project'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_status_update'))
    )
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_update_author_id'), ['author_id'], unique=False)
        batch_op.create_index('ix_status_update_project_published', ['project_id', 'published_at'], unique=False)

    op.create_table('eta_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=True),
    sa.Column('update_id', sa.Integer(), nullable=True),
    sa.Column('old_eta', sa.Date(), nullable=True),
    sa.Column('new_eta', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("old_eta IS NULL OR new_eta <= old_eta OR (reason IS NOT NULL AND reason <> '')", name=op.f('ck_eta_change_later_needs_reason')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_eta_change_changed_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['milestone_id'], ['milestone.id'], name=op.f('fk_eta_change_milestone_id_milestone'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['project_id'], ['project.id'], name=op.f('fk_eta_change_project_id_project'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['update_id'], ['status_update.id'], name=op.f('fk_eta_change_update_id_status_update'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eta_change'))
    )
    with op.batch_alter_table('eta_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eta_change_changed_by_id'), ['changed_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eta_change_milestone_id'), ['milestone_id'], unique=False)
        batch_op.create_index('ix_eta_change_project_changed', ['project_id', 'changed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_eta_change_update_id'), ['update_id'], unique=False)



def downgrade():
    with op.batch_alter_table('eta_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eta_change_update_id'))
        batch_op.drop_index('ix_eta_change_project_changed')
        batch_op.drop_index(batch_op.f('ix_eta_change_milestone_id'))
        batch_op.drop_index(batch_op.f('ix_eta_change_changed_by_id'))

    op.drop_table('eta_change')
    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.drop_index('ix_status_update_project_published')
        batch_op.drop_index(batch_op.f('ix_status_update_author_id'))

    op.drop_table('status_update')
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_owner_id'))

    op.drop_table('milestone')
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_organization_id'))
        batch_op.drop_index(batch_op.f('ix_project_contact_id'))

    op.drop_table('project')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organization_account_owner_id_user_account'), type_='foreignkey')

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_organization_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_account_owner_id'))

    op.drop_table('organization')
