"""Emails for pulses, closeouts and follow-ups

Revision ID: 0012
Revises: 0011
"""
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

OLD = ('update_published', 'question_asked', 'question_answered', 'weekly_digest')
NEW = OLD + ('pulse_request', 'closeout_published', 'follow_up_opened')


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _kinds(NEW))


def downgrade():
    op.execute("DELETE FROM outbox_message WHERE " + _kinds(NEW[len(OLD):]))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _kinds(OLD))
