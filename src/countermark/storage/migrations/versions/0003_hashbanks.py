"""hashbanks tables (owned by countermark.hashbanks).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hash_banks',
    sa.Column('bank_id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('bank_id', name=op.f('pk_hash_banks')),
    sa.UniqueConstraint('name', name=op.f('uq_hash_banks_name'))
    )
    op.create_table('hash_bank_entries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('ref_id', sa.String(length=200), nullable=False),
    sa.Column('pdq_hex', sa.String(length=64), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.String(length=200), nullable=True),
    sa.Column('listing_id', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=2000), nullable=False),
    sa.Column('added_by', sa.String(length=200), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['bank_id'], ['hash_banks.bank_id'], name=op.f('fk_hash_bank_entries_bank_id_hash_banks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hash_bank_entries')),
    sa.UniqueConstraint('bank_id', 'ref_id', name=op.f('uq_hash_bank_entries_bank_id'))
    )
    op.create_index(op.f('ix_hash_bank_entries_bank_id'), 'hash_bank_entries', ['bank_id'], unique=False)
    op.create_index(op.f('ix_hash_bank_entries_brand_id'), 'hash_bank_entries', ['brand_id'], unique=False)
    op.create_index(op.f('ix_hash_bank_entries_listing_id'), 'hash_bank_entries', ['listing_id'], unique=False)
    op.create_index(op.f('ix_hash_bank_entries_pdq_hex'), 'hash_bank_entries', ['pdq_hex'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hash_bank_entries_pdq_hex'), table_name='hash_bank_entries')
    op.drop_index(op.f('ix_hash_bank_entries_listing_id'), table_name='hash_bank_entries')
    op.drop_index(op.f('ix_hash_bank_entries_brand_id'), table_name='hash_bank_entries')
    op.drop_index(op.f('ix_hash_bank_entries_bank_id'), table_name='hash_bank_entries')
    op.drop_table('hash_bank_entries')
    op.drop_table('hash_banks')
