"""Destinations: where a command writes becomes a list of servers and users (JSON pairs
``[server, user]``) instead of a comma-separated list of targets. A target is the
built-in server of its name with no user, so "plex,jellyfin" becomes
``[["plex", ""], ["jellyfin", ""]]`` and every command keeps writing where it did.

Revision ID: 0004
Revises: 0003
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

commands = sa.table(
    "config_commands",
    sa.column("name", sa.String),
    sa.column("targets", sa.String),
    sa.column("destinations", sa.Text),
)


def upgrade() -> None:
    op.add_column(
        "config_commands", sa.Column("destinations", sa.Text, nullable=False, server_default="[]")
    )
    bind = op.get_bind()
    for name, targets in bind.execute(sa.select(commands.c.name, commands.c.targets)).all():
        pairs = [[t, ""] for t in targets.split(",") if t]
        bind.execute(
            commands.update().where(commands.c.name == name).values(destinations=json.dumps(pairs))
        )
    with op.batch_alter_table("config_commands") as batch:
        batch.drop_column("targets")


def downgrade() -> None:
    with op.batch_alter_table("config_commands") as batch:
        batch.add_column(sa.Column("targets", sa.String(64), nullable=False, server_default=""))
    bind = op.get_bind()
    for name, text in bind.execute(sa.select(commands.c.name, commands.c.destinations)).all():
        targets = [server for server, user in json.loads(text) if not user]
        bind.execute(
            commands.update().where(commands.c.name == name).values(targets=",".join(targets))
        )
    with op.batch_alter_table("config_commands") as batch:
        batch.drop_column("destinations")
