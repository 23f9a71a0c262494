"""Managed playlists by destination: a server (up to 63 characters) and a user on it.
Each row of the previous schema was a target's, which is the built-in server of its
name as its token's own account: it keeps its server and gets the user "".

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "sync_managed_playlists"


def _rebuild(columns: list[sa.Column[str]], copied: str) -> None:
    """A new table of ``columns`` with the rows of the old one (``copied`` selects them),
    then swapped in: the primary key changes, which neither database alters in place."""
    op.create_table(f"{TABLE}_next", *columns)
    op.execute(f"INSERT INTO {TABLE}_next {copied}")
    op.drop_table(TABLE)
    op.rename_table(f"{TABLE}_next", TABLE)


def upgrade() -> None:
    _rebuild(
        [
            sa.Column("managed_key", sa.String(300), primary_key=True),
            sa.Column("target", sa.String(63), primary_key=True),
            sa.Column("destination_user", sa.String(128), primary_key=True, server_default=""),
            sa.Column("playlist_id", sa.String(128), nullable=False),
        ],
        f"(managed_key, target, destination_user, playlist_id) "
        f"SELECT managed_key, target, '', playlist_id FROM {TABLE}",
    )


def downgrade() -> None:
    # The playlists of users and of servers other than the built-in ones have no place in
    # the previous schema: they are forgotten (the playlists stay on the servers).
    _rebuild(
        [
            sa.Column("managed_key", sa.String(300), primary_key=True),
            sa.Column("target", sa.String(16), primary_key=True),
            sa.Column("playlist_id", sa.String(128), nullable=False),
        ],
        f"(managed_key, target, playlist_id) SELECT managed_key, target, playlist_id "
        f"FROM {TABLE} WHERE destination_user = '' AND target IN ('plex', 'jellyfin')",
    )
