"""What the CLI's reads share: the index caught up once (or, when another process indexes this
database, waited for), then read in SQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import typer

from rwakit.cli.common import database, progress_bar
from rwakit.config import get_settings
from rwakit.errors import InvalidInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def caught_up(*, show_progress: bool = True) -> tuple[Engine, int]:
    """The index of the deployment in settings, up to the chain's head: this command catches it up
    (a progress bar on a terminal's stderr unless `show_progress` is off), unless another indexer
    (an API, `rwakit index --follow`) holds the database's index lock, in which case it waits for
    that one (``api_read_wait_seconds``) and reads what it has."""
    from rwakit.deployment import Deployment
    from rwakit.indexer.follower import Indexer, IndexerOptions
    from rwakit.platform import connect

    settings = get_settings()
    chain = connect(settings)
    deployment = Deployment.load(settings.deployment_file)
    deployment.check_chain(chain)
    engine = database()
    indexer = Indexer(chain.w3, engine, deployment, IndexerOptions.from_settings(settings))
    try:
        if indexer.acquire(timeout=0):
            with progress_bar("indexing blocks", enabled=show_progress) as progress:
                indexer.catch_up(progress)
        else:
            head = int(chain.w3.eth.block_number)
            if not indexer.wait_for(head, timeout=settings.api_read_wait_seconds):
                typer.echo(f"note: the index has not reached the chain's head ({head}) yet", err=True)
    finally:
        indexer.close()
    return engine, deployment.chain_id


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date: give YYYY-MM-DD, e.g. 2026-12-31", code="invalid_date") from None
