"""Index images: each generation's sealed index stored in parts, and the serving
generation's image format version and checksum on its target row. Generations stored
before this revision have format version 0: they are never served, and rebuilt.

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
    op.add_column(
        "cache_targets",
        sa.Column("format_version", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column(
        "cache_targets",
        sa.Column("checksum", sa.String(64), nullable=False, server_default=""),
    )
    op.create_table(
        "cache_index_images",
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column("generation", sa.BigInteger, primary_key=True),
        sa.Column("part", sa.Integer, primary_key=True),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("cache_index_images")
    op.drop_column("cache_targets", "checksum")
    op.drop_column("cache_targets", "format_version")
