"""Write the next revision of rwakit's tables from the models: `python tools/new_migration.py "what changed"`.

A scratch SQLite database is upgraded to the newest revision, compared with the models (SQLModel
tables in rwakit/db/ and rwakit/indexer/tables.py) and the difference written, as Alembic's
autogenerate writes it, to rwakit/db/migrations/versions/<number>_<slug>.py. Read the file before
committing it: autogenerate does not see renames (it writes a drop and an add) and does not know
how to fill a new NOT NULL column of existing rows. tests/db/test_migrations.py then checks the
revisions against the models on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
import sys
import tempfile

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from rwakit.db import make_engine, migrate
from rwakit.db.schema import alembic_config, metadata, scripts


def main(message: str) -> int:
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    if not slug:
        print('usage: python tools/new_migration.py "what changed"', file=sys.stderr)
        return 2
    rev_id = f"{len(list(scripts().walk_revisions())) + 1:04d}_{slug}"
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/scratch.db")
        migrate(engine)
        with engine.begin() as connection:
            if not compare_metadata(MigrationContext.configure(connection), metadata()):
                print("The models match the newest revision: no revision to write.", file=sys.stderr)
                return 1
            config = alembic_config(connection)
            config.set_main_option("file_template", "%%(rev)s")
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(" ".join(sys.argv[1:])))
