"""network tables (owned by countermark.network): linkage keys, clusters, links, hubs, ban-evasion flags, test buys.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('network_runs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sellers', sa.Integer(), nullable=False),
    sa.Column('clusters', sa.Integer(), nullable=False),
    sa.Column('hub_limit', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_runs'))
    )
    op.create_table('network_clusters',
    sa.Column('cluster_id', sa.String(length=220), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('cluster_id', name=op.f('pk_network_clusters'))
    )
    op.create_table('network_hubs',
    sa.Column('key', sa.String(length=2100), nullable=False),
    sa.Column('sellers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_network_hubs'))
    )
    op.create_table('network_ban_evasion_flags',
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('cluster_id', sa.String(length=220), nullable=False),
    sa.Column('banned_seller_ids', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.seller_id'], name=op.f('fk_network_ban_evasion_flags_seller_id_sellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seller_id', name=op.f('pk_network_ban_evasion_flags'))
    )
    op.create_index(op.f('ix_network_ban_evasion_flags_cluster_id'), 'network_ban_evasion_flags', ['cluster_id'], unique=False)
    op.create_index(op.f('ix_network_ban_evasion_flags_status'), 'network_ban_evasion_flags', ['status'], unique=False)
    op.create_table('network_keys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('key', sa.String(length=2100), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('raw', sa.String(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.seller_id'], name=op.f('fk_network_keys_seller_id_sellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_keys'))
    )
    op.create_index(op.f('ix_network_keys_key'), 'network_keys', ['key'], unique=False)
    op.create_index(op.f('ix_network_keys_seller_id'), 'network_keys', ['seller_id'], unique=False)
    op.create_table('network_links',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('cluster_id', sa.String(length=220), nullable=False),
    sa.Column('key', sa.String(length=2100), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('seller_ids', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['network_clusters.cluster_id'], name=op.f('fk_network_links_cluster_id_network_clusters'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_links'))
    )
    op.create_index(op.f('ix_network_links_cluster_id'), 'network_links', ['cluster_id'], unique=False)
    op.create_table('network_members',
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('cluster_id', sa.String(length=220), nullable=False),
    sa.ForeignKeyConstraint(['cluster_id'], ['network_clusters.cluster_id'], name=op.f('fk_network_members_cluster_id_network_clusters'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.seller_id'], name=op.f('fk_network_members_seller_id_sellers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seller_id', name=op.f('pk_network_members'))
    )
    op.create_index(op.f('ix_network_members_cluster_id'), 'network_members', ['cluster_id'], unique=False)
    op.create_table('network_test_buys',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('ordered_on', sa.String(length=10), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('price_paid', sa.Float(), nullable=False),
    sa.Column('currency', sa.String(length=8), nullable=False),
    sa.Column('item_received', sa.Boolean(), nullable=False),
    sa.Column('received_on', sa.String(length=10), nullable=True),
    sa.Column('authentication', sa.String(length=20), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('shipped_from', sa.String(length=8), nullable=True),
    sa.Column('declared_supplier', sa.String(length=1000), nullable=True),
    sa.Column('brand_id', sa.String(length=200), nullable=True),
    sa.Column('brand_verdict', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=200), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.listing_id'], name=op.f('fk_network_test_buys_listing_id_listings')),
    sa.ForeignKeyConstraint(['seller_id'], ['sellers.seller_id'], name=op.f('fk_network_test_buys_seller_id_sellers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_network_test_buys'))
    )
    op.create_index(op.f('ix_network_test_buys_authentication'), 'network_test_buys', ['authentication'], unique=False)
    op.create_index(op.f('ix_network_test_buys_declared_supplier'), 'network_test_buys', ['declared_supplier'], unique=False)
    op.create_index(op.f('ix_network_test_buys_listing_id'), 'network_test_buys', ['listing_id'], unique=False)
    op.create_index(op.f('ix_network_test_buys_ordered_on'), 'network_test_buys', ['ordered_on'], unique=False)
    op.create_index(op.f('ix_network_test_buys_seller_id'), 'network_test_buys', ['seller_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_network_test_buys_seller_id'), table_name='network_test_buys')
    op.drop_index(op.f('ix_network_test_buys_ordered_on'), table_name='network_test_buys')
    op.drop_index(op.f('ix_network_test_buys_listing_id'), table_name='network_test_buys')
    op.drop_index(op.f('ix_network_test_buys_declared_supplier'), table_name='network_test_buys')
    op.drop_index(op.f('ix_network_test_buys_authentication'), table_name='network_test_buys')
    op.drop_table('network_test_buys')
    op.drop_index(op.f('ix_network_members_cluster_id'), table_name='network_members')
    op.drop_table('network_members')
    op.drop_index(op.f('ix_network_links_cluster_id'), table_name='network_links')
    op.drop_table('network_links')
    op.drop_index(op.f('ix_network_keys_seller_id'), table_name='network_keys')
    op.drop_index(op.f('ix_network_keys_key'), table_name='network_keys')
    op.drop_table('network_keys')
    op.drop_index(op.f('ix_network_ban_evasion_flags_status'), table_name='network_ban_evasion_flags')
    op.drop_index(op.f('ix_network_ban_evasion_flags_cluster_id'), table_name='network_ban_evasion_flags')
    op.drop_table('network_ban_evasion_flags')
    op.drop_table('network_hubs')
    op.drop_table('network_clusters')
    op.drop_table('network_runs')
