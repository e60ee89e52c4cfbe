"""`rwakit index`: the read model. Catch up (or follow) the platform's events into the database,
rebuild it from the deployment block, or verify it against the chain."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from rwakit.cli.common import NoProgressOption, database, progress_bar, reported
from rwakit.config import get_settings

if TYPE_CHECKING:
    from rwakit.indexer.follower import Indexer

app = typer.Typer(no_args_is_help=False, add_completion=False, help=__doc__)


def _indexer() -> Indexer:
    from rwakit.deployment import Deployment
    from rwakit.indexer.follower import Indexer, IndexerOptions
    from rwakit.platform import connect

    settings = get_settings()
    chain = connect(settings)
    deployment = Deployment.load(settings.deployment_file)
    deployment.check_chain(chain)
    return Indexer(chain.w3, database(), deployment, IndexerOptions.from_settings(settings))


@app.callback(invoke_without_command=True)
def index(
    context: typer.Context,
    follow: Annotated[bool, typer.Option("--follow", help="Keep following new blocks (every poll interval)")] = False,
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Drop the index and rebuild it from the deployment block")
    ] = False,
    no_progress: NoProgressOption = False,
) -> None:
    """Index the platform's events up to the chain's head into the database (RWAKIT_DATABASE_URL),
    from where the last run stopped. One indexer per database: while another one (a follower, the
    API's) holds it, this waits until that one has reached the head; --follow and --rebuild wait
    for its lock. On a terminal, a progress bar on stderr counts the blocks indexed of those to index."""
    if context.invoked_subcommand is not None:
        return
    from rwakit.indexer import store

    if follow:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")  # batches, reorgs, errors
    with reported():
        indexer = _indexer()
        try:
            if (follow or rebuild) and not indexer.lock.try_acquire():
                typer.echo("another indexer holds this database's index lock: waiting for it", err=True)
                indexer.acquire()
            if rebuild:
                store.drop(indexer.engine, indexer.chain_id)
                typer.echo(f"index dropped; rebuilding from block {indexer.deployment.block_number}")
            with progress_bar("indexing blocks", enabled=not no_progress) as progress:
                block = indexer.reach_head(progress)  # by another indexer, if one holds the lock
            typer.echo(f"indexed to block {block}")
            if follow:
                typer.echo(f"following every {indexer.options.poll_interval:g} s (Ctrl-C stops)")
                indexer.follow()
        except KeyboardInterrupt:
            pass
        finally:
            indexer.close()


@app.command("verify")
def verify() -> None:
    """Compare the index with the chain at the indexed block: balances, holder counts, registry
    records. Prints every difference; exits 1 if there is any."""
    from rwakit.indexer.verify import verify as compare

    with reported():
        indexer = _indexer()
        report = compare(indexer.w3, indexer.engine, indexer.deployment)
    for difference in report.differences:
        typer.echo(difference)
    if report.differences:
        typer.echo(f"{len(report.differences)} differences at block {report.block}", err=True)
        raise typer.Exit(1)
    typer.echo(f"index matches the chain at block {report.block} ({report.checked} checks)")
