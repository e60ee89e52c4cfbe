"""Alembic runs this for every command: the connection comes from rwakit.db.schema (in the config's
attributes, inside the transaction that holds the migration lock), never from an ini file."""

from __future__ import annotations

from alembic import context

from rwakit.db.schema import metadata, render_item

context.configure(
    connection=context.config.attributes["connection"],
    target_metadata=metadata(),
    render_as_batch=True,  # revisions that alter a table then run on SQLite too
    compare_type=True,
    render_item=render_item,
)
with context.begin_transaction():
    context.run_migrations()
