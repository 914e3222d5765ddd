"""Users have a name and an email; a closed project is done

Revision ID: 0004
Revises: 0003
"""
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f('ck_user_account_email_and_name_given'), "email <> '' AND name <> ''"
        )
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f('ck_project_closed_means_done'), "closed_on IS NULL OR status = 'done'"
        )


def downgrade():
    with op.batch_alter_table('project', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_project_closed_means_done'), type_='check')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_user_account_email_and_name_given'), type_='check')
