"""Each health snapshot keeps the bands and the coverage minimum it was scored with and the
weight its metrics with data carried; the admin sets the minimum coverage a score needs

Snapshots kept before this get the bands of the settings then (or the defaults), a minimum of
0 (none applied then) and the weights read back from their own metrics.

Revision ID: 0019_snapshot_bands
Revises: 0018_answer_history
"""
import json

from alembic import op
import sqlalchemy as sa

revision = '0019_snapshot_bands'
down_revision = '0018_answer_history'
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = ('green_from', 'amber_from', 'min_coverage', 'weight_counted', 'weight_total')


def upgrade():
    with op.batch_alter_table('health_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('min_coverage', sa.Integer(), server_default='50',
                                      nullable=False))
        batch_op.create_check_constraint(batch_op.f('ck_health_settings_coverage_range'),
                                         'min_coverage BETWEEN 1 AND 100')
    with op.batch_alter_table('health_snapshot', schema=None) as batch_op:
        for name in SNAPSHOT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))
    _fill_snapshots()
    with op.batch_alter_table('health_snapshot', schema=None) as batch_op:
        for name in SNAPSHOT_COLUMNS:
            batch_op.alter_column(name, existing_type=sa.Integer(), nullable=False)
        batch_op.create_check_constraint(
            batch_op.f('ck_health_snapshot_band_order'),
            'amber_from >= 1 AND amber_from < green_from AND green_from <= 100')
        batch_op.create_check_constraint(batch_op.f('ck_health_snapshot_weight_counted_range'),
                                         'weight_counted BETWEEN 0 AND weight_total')
        batch_op.create_check_constraint(batch_op.f('ck_health_snapshot_coverage_range'),
                                         'min_coverage BETWEEN 0 AND 100')


def _fill_snapshots():
    """Old snapshots: the bands set now (they were scored with no other record), no minimum,
    and the weights counted and in all read from the metrics each one kept."""
    connection = op.get_bind()
    bands = connection.execute(sa.text(
        'SELECT green_from, amber_from FROM health_settings WHERE id = 1')).first() or (75, 50)
    rows = connection.execute(sa.text('SELECT id, metrics FROM health_snapshot')).all()
    update = sa.text('UPDATE health_snapshot SET green_from = :green, amber_from = :amber, '
                     'min_coverage = 0, weight_counted = :counted, weight_total = :total '
                     'WHERE id = :id')
    for snapshot_id, metrics in rows:
        metrics = json.loads(metrics) if isinstance(metrics, str) else (metrics or [])
        counted = sum(m['weight'] for m in metrics if m.get('score') is not None)
        total = sum(m['weight'] for m in metrics)
        connection.execute(update, {'green': bands[0], 'amber': bands[1], 'counted': counted,
                                    'total': total, 'id': snapshot_id})


def downgrade():
    with op.batch_alter_table('health_snapshot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_health_snapshot_coverage_range'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_health_snapshot_weight_counted_range'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_health_snapshot_band_order'), type_='check')
        for name in reversed(SNAPSHOT_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table('health_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_health_settings_coverage_range'), type_='check')
        batch_op.drop_column('min_coverage')
