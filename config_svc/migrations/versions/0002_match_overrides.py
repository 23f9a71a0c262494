"""Match overrides: a user's pin or rejection of one source track on one target.

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
    op.create_table(
        "config_match_overrides",
        sa.Column("ident", sa.String(64), primary_key=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("source_key", sa.Text, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("item_id", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("update_time", sa.Float, nullable=False),
        sa.Column("create_revision", sa.BigInteger, nullable=False),
        sa.Column("mod_revision", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("config_match_overrides")
