"""Account health: settings, weekly snapshots, alerts, weekly reviews; the health alert email

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

METRICS = ('satisfaction', 'loyalty', 'promises', 'communication', 'recovery', 'engagement',
           'effort', 'responsiveness')
OLD_KINDS = ('update_published', 'question_asked', 'question_answered', 'weekly_digest',
             'pulse_request', 'closeout_published', 'follow_up_opened')
NEW_KINDS = OLD_KINDS + ('health_alert',)


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    op.create_table('health_metric_weight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('metric', sa.Enum(*METRICS, name='metric', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.CheckConstraint('weight BETWEEN 1 AND 100', name=op.f('ck_health_metric_weight_weight_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_metric_weight')),
    sa.UniqueConstraint('metric', name=op.f('uq_health_metric_weight_metric'))
    )
    op.create_table('health_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('band', sa.Enum('green', 'amber', 'red', name='band', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('metrics', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(score IS NULL) = (band IS NULL)', name=op.f('ck_health_snapshot_band_with_score')),
    sa.CheckConstraint('score IS NULL OR score BETWEEN 0 AND 100', name=op.f('ck_health_snapshot_score_range')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_health_snapshot_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_snapshot')),
    sa.UniqueConstraint('organization_id', 'week_start', name=op.f('uq_health_snapshot_organization_id_week_start'))
    )
    with op.batch_alter_table('health_snapshot', schema=None) as batch_op:
        batch_op.create_index('ix_health_snapshot_week', ['week_start'], unique=False)

    op.create_table('health_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('previous_score', sa.Integer(), nullable=True),
    sa.Column('dropped_by', sa.Integer(), nullable=True),
    sa.Column('entered_red', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('acknowledged_by_id IS NULL OR acknowledged_at IS NOT NULL', name=op.f('ck_health_alert_acknowledged_with_time')),
    sa.CheckConstraint('dropped_by IS NOT NULL OR entered_red', name=op.f('ck_health_alert_has_cause')),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['user_account.id'], name=op.f('fk_health_alert_acknowledged_by_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_health_alert_organization_id_organization'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_alert')),
    sa.UniqueConstraint('organization_id', 'week_start', name=op.f('uq_health_alert_organization_id_week_start'))
    )
    with op.batch_alter_table('health_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_alert_acknowledged_by_id'), ['acknowledged_by_id'], unique=False)
        batch_op.create_index('ix_health_alert_open', ['acknowledged_at'], unique=False)

    op.create_table('health_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('mood', sa.Enum('good', 'watch', 'concern', name='mood', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('next_action', sa.String(length=300), nullable=False),
    sa.Column('next_action_on', sa.Date(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("next_action <> ''", name=op.f('ck_health_review_next_action_not_empty')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_health_review_organization_id_organization'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_health_review_reviewer_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_review')),
    sa.UniqueConstraint('organization_id', 'week_start', name=op.f('uq_health_review_organization_id_week_start'))
    )
    with op.batch_alter_table('health_review', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_review_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('health_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('green_from', sa.Integer(), nullable=False),
    sa.Column('amber_from', sa.Integer(), nullable=False),
    sa.Column('response_target_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amber_from >= 1 AND amber_from < green_from AND green_from <= 100', name=op.f('ck_health_settings_band_order')),
    sa.CheckConstraint('id = 1', name=op.f('ck_health_settings_single_row')),
    sa.CheckConstraint('response_target_days BETWEEN 1 AND 10', name=op.f('ck_health_settings_target_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_health_settings_updated_by_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_health_settings'))
    )
    with op.batch_alter_table('health_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_health_settings_updated_by_id'), ['updated_by_id'], unique=False)

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _kinds(NEW_KINDS))



def downgrade():
    op.execute("DELETE FROM outbox_message WHERE " + _kinds(NEW_KINDS[len(OLD_KINDS):]))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_kind'), _kinds(OLD_KINDS))

    with op.batch_alter_table('health_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_settings_updated_by_id'))

    op.drop_table('health_settings')
    with op.batch_alter_table('health_review', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_health_review_reviewer_id'))

    op.drop_table('health_review')
    with op.batch_alter_table('health_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_health_alert_open')
        batch_op.drop_index(batch_op.f('ix_health_alert_acknowledged_by_id'))

    op.drop_table('health_alert')
    with op.batch_alter_table('health_snapshot', schema=None) as batch_op:
        batch_op.drop_index('ix_health_snapshot_week')

    op.drop_table('health_snapshot')
    op.drop_table('health_metric_weight')
