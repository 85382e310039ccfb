"""hash bank entries carry the crop hashes of their image's sub-windows (owned by countermark.hashbanks).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hash_bank_entries") as batch:
        batch.add_column(sa.Column("crop_windows", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hash_bank_entries") as batch:
        batch.drop_column("crop_windows")
