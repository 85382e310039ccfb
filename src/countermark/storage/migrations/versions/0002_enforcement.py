"""enforcement tables (owned by countermark.enforcement).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_log')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_log_hash'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_subject'), ['subject'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('recipient_kind', sa.String(length=20), nullable=False),
    sa.Column('recipient_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_recipient_id'), ['recipient_id'], unique=False)

    op.create_table('notifiers',
    sa.Column('notifier_id', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=1000), nullable=False),
    sa.Column('email', sa.String(length=1000), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('account', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expedited', sa.Boolean(), nullable=False),
    sa.Column('expedited_since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lane_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('warned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('intake_suspended_until', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('notifier_id', name=op.f('pk_notifiers'))
    )
    with op.batch_alter_table('notifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifiers_account'), ['account'], unique=False)

    op.create_table('sanctions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject_kind', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sanctions'))
    )
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sanctions_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sanctions_subject_id'), ['subject_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sanctions_subject_kind'), ['subject_kind'], unique=False)

    op.create_table('notifier_brands',
    sa.Column('notifier_id', sa.String(length=200), nullable=False),
    sa.Column('brand_id', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.brand_id'], name=op.f('fk_notifier_brands_brand_id_brands'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notifier_id'], ['notifiers.notifier_id'], name=op.f('fk_notifier_brands_notifier_id_notifiers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notifier_id', 'brand_id', name=op.f('pk_notifier_brands'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('notifier_id', sa.String(length=200), nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('notifier_name', sa.String(length=1000), nullable=False),
    sa.Column('notifier_email', sa.String(length=1000), nullable=False),
    sa.Column('brand_id', sa.String(length=200), nullable=False),
    sa.Column('trademark_id', sa.Integer(), nullable=True),
    sa.Column('trademark_registration', sa.String(length=100), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('good_faith', sa.Boolean(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('lane', sa.String(length=20), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_file', sa.String(length=1000), nullable=True),
    sa.Column('source_line', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['brand_id'], ['brands.brand_id'], name=op.f('fk_notices_brand_id_brands')),
    sa.ForeignKeyConstraint(['notifier_id'], ['notifiers.notifier_id'], name=op.f('fk_notices_notifier_id_notifiers')),
    sa.ForeignKeyConstraint(['trademark_id'], ['trademarks.id'], name=op.f('fk_notices_trademark_id_trademarks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('notifier_id', 'idempotency_key', name=op.f('uq_notices_notifier_id'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_brand_id'), ['brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_lane'), ['lane'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_notifier_id'), ['notifier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_status'), ['status'], unique=False)

    op.create_table('review_items',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('lane', sa.String(length=20), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('location', sa.String(length=2000), nullable=True),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('brand_id', sa.String(length=200), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=True),
    sa.Column('matched_sku', sa.String(length=200), nullable=True),
    sa.Column('engine_version', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('info_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('restored_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.listing_id'], name=op.f('fk_review_items_listing_id_listings')),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_review_items_notice_id_notices')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_items')),
    sa.UniqueConstraint('listing_id', 'engine_version', name=op.f('uq_review_items_listing_id'))
    )
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_items_brand_id'), ['brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_lane'), ['lane'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_notice_id'), ['notice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_outcome'), ['outcome'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_source'), ['source'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_items_status'), ['status'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('review_item_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('ground', sa.String(length=40), nullable=True),
    sa.Column('manifestly_unfounded', sa.Boolean(), nullable=False),
    sa.Column('reviewer', sa.String(length=200), nullable=False),
    sa.Column('automated', sa.Boolean(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['review_item_id'], ['review_items.id'], name=op.f('fk_decisions_review_item_id_review_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions'))
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_decided_at'), ['decided_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_review_item_id'), ['review_item_id'], unique=False)

    op.create_table('counter_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('review_item_id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('notifier_id', sa.String(length=200), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notifier_told_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('restore_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('legal_action_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('complaint_reviewer', sa.String(length=200), nullable=True),
    sa.Column('complaint_reason', sa.Text(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('successful', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_counter_notices_decision_id_decisions')),
    sa.ForeignKeyConstraint(['review_item_id'], ['review_items.id'], name=op.f('fk_counter_notices_review_item_id_review_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_notices'))
    )
    with op.batch_alter_table('counter_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_notices_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_notices_notifier_id'), ['notifier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_notices_review_item_id'), ['review_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_notices_seller_id'), ['seller_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_notices_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_counter_notices_submitted_at'), ['submitted_at'], unique=False)

    op.create_table('statements_of_reasons',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('restriction', sa.String(length=200), nullable=False),
    sa.Column('facts', sa.Text(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('automated_detection', sa.Boolean(), nullable=False),
    sa.Column('automated_decision', sa.Boolean(), nullable=False),
    sa.Column('ground', sa.String(length=40), nullable=False),
    sa.Column('ground_detail', sa.Text(), nullable=False),
    sa.Column('redress', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_statements_of_reasons_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statements_of_reasons')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_statements_of_reasons_decision_id'))
    )
    with op.batch_alter_table('statements_of_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_of_reasons_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_of_reasons_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_of_reasons_seller_id'), ['seller_id'], unique=False)

    op.create_table('strikes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('seller_id', sa.String(length=200), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'], name=op.f('fk_strikes_decision_id_decisions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strikes'))
    )
    with op.batch_alter_table('strikes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_strikes_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_strikes_seller_id'), ['seller_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('strikes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_strikes_seller_id'))
        batch_op.drop_index(batch_op.f('ix_strikes_at'))

    op.drop_table('strikes')
    with op.batch_alter_table('statements_of_reasons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statements_of_reasons_seller_id'))
        batch_op.drop_index(batch_op.f('ix_statements_of_reasons_listing_id'))
        batch_op.drop_index(batch_op.f('ix_statements_of_reasons_issued_at'))

    op.drop_table('statements_of_reasons')
    with op.batch_alter_table('counter_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_notices_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_counter_notices_status'))
        batch_op.drop_index(batch_op.f('ix_counter_notices_seller_id'))
        batch_op.drop_index(batch_op.f('ix_counter_notices_review_item_id'))
        batch_op.drop_index(batch_op.f('ix_counter_notices_notifier_id'))
        batch_op.drop_index(batch_op.f('ix_counter_notices_listing_id'))

    op.drop_table('counter_notices')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_review_item_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_listing_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_decided_at'))

    op.drop_table('decisions')
    with op.batch_alter_table('review_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_items_status'))
        batch_op.drop_index(batch_op.f('ix_review_items_source'))
        batch_op.drop_index(batch_op.f('ix_review_items_seller_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_outcome'))
        batch_op.drop_index(batch_op.f('ix_review_items_notice_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_listing_id'))
        batch_op.drop_index(batch_op.f('ix_review_items_lane'))
        batch_op.drop_index(batch_op.f('ix_review_items_created_at'))
        batch_op.drop_index(batch_op.f('ix_review_items_brand_id'))

    op.drop_table('review_items')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_status'))
        batch_op.drop_index(batch_op.f('ix_notices_received_at'))
        batch_op.drop_index(batch_op.f('ix_notices_notifier_id'))
        batch_op.drop_index(batch_op.f('ix_notices_lane'))
        batch_op.drop_index(batch_op.f('ix_notices_brand_id'))

    op.drop_table('notices')
    op.drop_table('notifier_brands')
    with op.batch_alter_table('sanctions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sanctions_subject_kind'))
        batch_op.drop_index(batch_op.f('ix_sanctions_subject_id'))
        batch_op.drop_index(batch_op.f('ix_sanctions_at'))

    op.drop_table('sanctions')
    with op.batch_alter_table('notifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifiers_account'))

    op.drop_table('notifiers')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_recipient_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_subject'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
