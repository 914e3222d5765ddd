"""Content: firm settings (name, brand colour, logo), core values, recruiting process steps

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:58:40.541407

The logo is stored in firm_settings itself (at most 512 KB, checked by the app), so every web
process serves the same logo without a shared disk. firm_settings holds a single row (id = 1).
The brand colour CHECK avoids regex and GLOB so that it reads the same on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('firm_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('firm_name', sa.String(length=120), nullable=False),
    sa.Column('brand_color', sa.String(length=7), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_content_type', sa.String(length=20), nullable=True),
    sa.Column('logo_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_firm_settings_single_row')),
    sa.CheckConstraint("firm_name <> ''", name=op.f('ck_firm_settings_firm_name_not_empty')),
    sa.CheckConstraint(
        "length(brand_color) = 7 AND substr(brand_color, 1, 1) = '#'"
        " AND ltrim(substr(brand_color, 2), '0123456789abcdef') = ''",
        name=op.f('ck_firm_settings_brand_color_hex'),
    ),
    sa.CheckConstraint(
        "(logo IS NULL AND logo_content_type IS NULL AND logo_updated_at IS NULL)"
        " OR (logo IS NOT NULL AND logo_content_type IS NOT NULL AND logo_updated_at IS NOT NULL)",
        name=op.f('ck_firm_settings_logo_complete'),
    ),
    sa.CheckConstraint(
        "logo_content_type IS NULL"
        " OR logo_content_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')",
        name=op.f('ck_firm_settings_logo_raster_type'),
    ),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_firm_settings'))
    )

    op.create_table('value_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('example', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("title <> ''", name=op.f('ck_value_item_title_not_empty')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_value_item_position_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_value_item')),
    sa.UniqueConstraint('position', name=op.f('uq_value_item_position'))
    )

    op.create_table('process_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("title <> ''", name=op.f('ck_process_step_title_not_empty')),
    sa.CheckConstraint('position >= 0', name=op.f('ck_process_step_position_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_step')),
    sa.UniqueConstraint('position', name=op.f('uq_process_step_position'))
    )


def downgrade():
    op.drop_table('process_step')
    op.drop_table('value_item')
    op.drop_table('firm_settings')
