"""The covers runs read from their sources, one row per distinct image (its SHA-256), so
the status page can show each run's cover without the source's URL or a server's token.
A new table: the rows of the previous schema are untouched, and their runs have none.

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
    op.create_table(
        "sync_covers",
        sa.Column("cover_key", sa.String(64), primary_key=True),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("image", sa.LargeBinary, nullable=False),
        sa.Column("stored_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sync_covers")
