"""One cache per server: the ``target`` columns hold a server's name, up to 63 characters
(a DNS label). The built-in servers' names are the targets' values ("plex", "jellyfin"), so
every stored row already carries its server's name and nothing is rebuilt.

On PostgreSQL, widening a varchar is a change to the catalog alone: no row is rewritten
and every row is kept. SQLite does not enforce a VARCHAR's length at all, and changing a
column's type there would take Alembic's batch mode, which copies the whole table (the
index images are the big one): so on SQLite nothing is done.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("cache_targets", "cache_leases", "cache_index_images", "cache_builds")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.alter_column(table, "target", type_=sa.String(63), existing_type=sa.String(16))


def downgrade() -> None:
    """Back to 16 characters: the caches of servers with longer names go first."""
    if op.get_bind().dialect.name == "sqlite":
        return
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE length(target) > 16"))
        op.alter_column(table, "target", type_=sa.String(16), existing_type=sa.String(63))
