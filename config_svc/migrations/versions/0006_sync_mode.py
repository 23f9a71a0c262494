"""A command's sync mode: how its playlist is written when it exists (``mirror`` or
``append``). Every command of the previous schema mirrored its source, so each row gets
``mirror``.

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
    op.add_column(
        "config_commands",
        sa.Column("mode", sa.String(16), nullable=False, server_default="mirror"),
    )


def downgrade() -> None:
    # The previous schema has no mode: every command mirrors again.
    with op.batch_alter_table("config_commands") as batch:
        batch.drop_column("mode")
