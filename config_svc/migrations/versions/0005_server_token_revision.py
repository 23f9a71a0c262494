"""Servers: the revision that last changed each server's token, so that cache_svc sees a
token change (and rebuilds) without the token. A column added with a default: no table
copy on SQLite or PostgreSQL. Servers created before it count their token as changed at
their last change.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "config_servers",
        sa.Column("token_revision", sa.BigInteger, nullable=False, server_default="0"),
    )
    servers = sa.table(
        "config_servers", sa.column("mod_revision", sa.BigInteger), sa.column("token_revision")
    )
    op.execute(servers.update().values(token_revision=servers.c.mod_revision))


def downgrade() -> None:
    with op.batch_alter_table("config_servers") as batch:
        batch.drop_column("token_revision")
