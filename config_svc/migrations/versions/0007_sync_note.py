"""Whether a command's playlist description ends with the line saying where it comes from
and when it last changed. On by default, so every command of the previous schema gets
true.

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
    op.add_column(
        "config_commands",
        sa.Column("sync_note", sa.Boolean, nullable=False, server_default=sa.true()),
    )


def downgrade() -> None:
    with op.batch_alter_table("config_commands") as batch:
        batch.drop_column("sync_note")
