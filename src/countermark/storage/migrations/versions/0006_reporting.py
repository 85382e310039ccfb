"""reporting tables (owned by countermark.reporting): prevalence audit samples and reviewers' labels.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_samples',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('seed', sa.BigInteger(), nullable=False),
    sa.Column('margin', sa.Float(), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('allocation', sa.String(length=20), nullable=False),
    sa.Column('min_per_stratum', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_samples'))
    )
    op.create_table('audit_strata',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('stratum', sa.String(length=200), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['sample_id'], ['audit_samples.id'], name=op.f('fk_audit_strata_sample_id_audit_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'stratum', name=op.f('pk_audit_strata'))
    )
    op.create_table('audit_sample_items',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('stratum', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.listing_id'], name=op.f('fk_audit_sample_items_listing_id_listings')),
    sa.ForeignKeyConstraint(['sample_id'], ['audit_samples.id'], name=op.f('fk_audit_sample_items_sample_id_audit_samples'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'listing_id', name=op.f('pk_audit_sample_items'))
    )
    op.create_table('audit_labels',
    sa.Column('sample_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('label', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('labelled_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['sample_id', 'listing_id'], ['audit_sample_items.sample_id', 'audit_sample_items.listing_id'], name=op.f('fk_audit_labels_sample_id_audit_sample_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sample_id', 'listing_id', 'reviewer', name=op.f('pk_audit_labels'))
    )


def downgrade() -> None:
    op.drop_table('audit_labels')
    op.drop_table('audit_sample_items')
    op.drop_table('audit_strata')
    op.drop_table('audit_samples')
