"""One module per revision, oldest first by number (alembic skips this file)."""
