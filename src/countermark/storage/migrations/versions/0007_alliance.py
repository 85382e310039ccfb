"""alliance tables (owned by countermark.alliance): our signed feed, peers, imported signals.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alliance_feed',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('published_at', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('prev', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_alliance_feed'))
    )
    op.create_index(op.f('ix_alliance_feed_subject'), 'alliance_feed', ['subject'], unique=False)
    op.create_table('alliance_peers',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('trust_profiles', sa.Boolean(), nullable=False),
    sa.Column('trust_hashes', sa.Boolean(), nullable=False),
    sa.Column('trust_actors', sa.Boolean(), nullable=False),
    sa.Column('trust_vocabulary', sa.Boolean(), nullable=False),
    sa.Column('max_feed_bytes', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.Column('last_pulled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_alliance_peers'))
    )
    op.create_table('alliance_signals',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('peer', sa.String(length=100), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['peer'], ['alliance_peers.name'], name=op.f('fk_alliance_signals_peer_alliance_peers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alliance_signals')),
    sa.UniqueConstraint('peer', 'seq', name=op.f('uq_alliance_signals_peer'))
    )
    op.create_index(op.f('ix_alliance_signals_active'), 'alliance_signals', ['active'], unique=False)
    op.create_index(op.f('ix_alliance_signals_kind'), 'alliance_signals', ['kind'], unique=False)
    op.create_index(op.f('ix_alliance_signals_peer'), 'alliance_signals', ['peer'], unique=False)
    op.create_index(op.f('ix_alliance_signals_subject'), 'alliance_signals', ['subject'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_alliance_signals_subject'), table_name='alliance_signals')
    op.drop_index(op.f('ix_alliance_signals_peer'), table_name='alliance_signals')
    op.drop_index(op.f('ix_alliance_signals_kind'), table_name='alliance_signals')
    op.drop_index(op.f('ix_alliance_signals_active'), table_name='alliance_signals')
    op.drop_table('alliance_signals')
    op.drop_table('alliance_peers')
    op.drop_index(op.f('ix_alliance_feed_subject'), table_name='alliance_feed')
    op.drop_table('alliance_feed')
