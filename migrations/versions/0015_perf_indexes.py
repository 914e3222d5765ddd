"""Indexes that EXPLAIN on PostgreSQL showed missing at 1000 accounts and 1M pulse answers

- status_update(published_at): the staff home's latest updates across all projects sorted
  the whole table (a parallel seq scan, 47 ms at 100k updates);
- pulse_request(trigger, created_at): periodic_pulses read every request to find who had a
  periodic pulse in the last 30 days (84 ms at 400k requests);
- pulse_request(created_at) WHERE state = 'held': release_held scanned every request for the
  few held ones (79 ms at 400k requests).

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

HELD = sa.text("state = 'held'")


def upgrade():
    op.create_index('ix_status_update_published', 'status_update', ['published_at'])
    op.create_index('ix_pulse_request_trigger_created', 'pulse_request',
                    ['trigger', 'created_at'])
    op.create_index('ix_pulse_request_held', 'pulse_request', ['created_at'],
                    postgresql_where=HELD, sqlite_where=HELD)


def downgrade():
    op.drop_index('ix_pulse_request_held', table_name='pulse_request')
    op.drop_index('ix_pulse_request_trigger_created', table_name='pulse_request')
    op.drop_index('ix_status_update_published', table_name='status_update')
