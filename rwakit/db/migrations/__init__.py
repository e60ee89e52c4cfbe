"""Alembic's environment for rwakit's tables (env.py, the revision template, versions/), driven from
Python by rwakit.db.schema: an installed rwakit migrates without an alembic.ini."""
