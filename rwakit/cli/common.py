"""What the command groups share: the one error handler, the platform and database they open, the
fixed sets of choices their options take, and the output helpers (Rich tables on stdout, Rich progress
bars on stderr, both off for --json)."""

from __future__ import annotations

import csv
import getpass
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from rwakit.config import get_settings
from rwakit.errors import ApprovalPending, InvalidInput, RwakitError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy.engine import Engine
    from web3.types import TxReceipt

    from rwakit.custody.proposals import SafeProposals
    from rwakit.platform import Platform
    from rwakit.tokenize.audit import AuditLog


JsonOption = Annotated[bool, typer.Option("--json", help="As JSON, for scripts (no table, no progress bar)")]
NoProgressOption = Annotated[bool, typer.Option("--no-progress", help="No progress bar on stderr")]


class ChainKind(StrEnum):
    ANVIL = "anvil"
    GANACHE = "ganache"


class InvestorClassName(StrEnum):
    RETAIL = "retail"
    PROFESSIONAL = "professional"
    INSTITUTIONAL = "institutional"


class AssetKindName(StrEnum):
    PROPERTY = "property"
    FUND = "fund"


class OnOff(StrEnum):
    ON = "on"
    OFF = "off"


@contextmanager
def reported() -> Iterator[None]:
    """Turn a RwakitError raised inside into `error [code]: message` on stderr and exit code 1; an operation
    proposed to the Safe that holds the roles is a success: `proposed: ...` and exit code 0."""
    try:
        yield
    except ApprovalPending as exc:
        typer.echo(f"proposed: {exc.message}")
        raise typer.Exit(0) from None
    except RwakitError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(1) from None


def platform(audit: AuditLog | None = None) -> Platform:
    """The platform from settings; when a Safe holds its roles (`rwakit deploy --safe`), every write made
    through it is proposed to the Safe (recorded in the API's database) instead of sent."""
    from rwakit.platform import Platform

    settings = get_settings()
    opened = Platform.from_settings(settings, audit=audit)
    if settings.database_url is not None and settings.database_url.startswith("postgresql"):
        from rwakit.db.send_gate import send_gate  # API processes on this database send with the same keys

        opened.txm.gate = send_gate(database(), opened.chain.w3)
    if opened.deployment.safe is None:
        return opened
    from rwakit.custody.proposals import SafeProposer

    proposer = SafeProposer(custody(opened, audit), default_maker=f"cli:{getpass.getuser()}")
    proposing = Platform.open(opened.chain, opened.deployment, audit=audit, acting=proposer)
    proposing.txm.gate = opened.txm.gate
    return proposing


def custody(opened: Platform, audit: AuditLog | None = None) -> SafeProposals:
    """The proposals of the Safe that holds the platform's roles, kept in the API's database; executions are
    sent (and paid for) by the operator's key, which holds no role."""
    from rwakit.custody.proposals import SafeProposals
    from rwakit.custody.safe import SafeAccount
    from rwakit.db.audit import SqlAuditLog
    from rwakit.db.proposals import SqlProposalStore
    from rwakit.errors import ConfigError

    if opened.deployment.safe is None:
        raise ConfigError(
            "No Safe holds this platform's roles: deploy with `rwakit deploy --safe 2-of-3 ...`", code="no_safe"
        )
    engine = database()
    safe = SafeAccount.at(opened.chain.w3, opened.deployment.safe)
    return SafeProposals(
        safe, opened.txm, SqlProposalStore(engine), audit or SqlAuditLog(engine), opened.chain.operator
    )


def database() -> Engine:
    """The API's database (RWAKIT_DATABASE_URL), migrated to the newest revision."""
    from rwakit.db import make_engine, migrate

    engine = make_engine(get_settings().db_url)
    migrate(engine)
    return engine


def send(
    action: Callable[[Platform], TxReceipt | list[TxReceipt]], done: str, *, nothing: str = "nothing to do"
) -> None:
    """Open the platform from settings, run `action`, print `done` with the hash of each transaction
    sent (`nothing` if none was), or the error with its code. The audit trail goes to the API's
    database, so `rwakit audit` and `GET /audit` list what was done here too."""
    from rwakit.db.audit import SqlAuditLog

    with reported():
        sent = action(platform(SqlAuditLog(database())))
    receipts = sent if isinstance(sent, list) else [sent]
    hashes = ", ".join(receipt["transactionHash"].to_0x_hex() for receipt in receipts)
    typer.echo(f"{done} in {hashes}" if receipts else nothing)


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))


def rich_table(*columns: str, title: str | None = None) -> Table:
    """A plain Rich table; a column named with a leading '>' is right-aligned (amounts, counts)."""
    from rich import box
    from rich.table import Table

    made = Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left")
    for column in columns:
        right = column.startswith(">")
        made.add_column(column.lstrip(">"), justify="right" if right else "left", no_wrap=True)
    return made


def print_table(made: Table, console: Console | None = None) -> None:
    """On stdout, never wrapped or cut: piped, a row stays one line whatever the width."""
    from rich.console import Console

    out = console or Console(highlight=False)
    out.width = max(out.width, out.measure(made, options=out.options.update_width(10_000)).maximum)
    out.print(made, crop=False)


@contextmanager
def progress_bar(
    description: str, *, enabled: bool = True, console: Console | None = None
) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr fed by a service's `progress(done, total)` callback, or None (no bar)
    when disabled (--json, --no-progress) or when stderr is not a terminal: scripts and captured output
    see nothing of it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    out = console or Console(stderr=True)
    if not enabled or not out.is_terminal:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=out) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def one_proposal(opened: Platform, rows: int, chunk_size: int) -> None:
    """Under a Safe each chunk would be one proposal, and a proposal waits for its owners: refuse a batch
    of more than one chunk before anything is proposed (as the API's batch issuance does)."""
    if opened.deployment.safe is not None and rows > chunk_size:
        raise InvalidInput(
            f"A Safe holds the role, so a batch is one Safe transaction of at most {chunk_size} rows: split the "
            f"file's {rows} rows into files of that size",
            code="batch_exceeds_proposal",
            limit=chunk_size,
        )


def read_csv(file: Path, columns: list[str]) -> list[list[str]]:
    """The rows of a CSV with exactly these columns (a header naming them is skipped; blank lines too)."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InvalidInput(f"Cannot read {file}: {exc.strerror}", code="unreadable_file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{file} is not UTF-8 text: save the CSV as UTF-8", code="invalid_csv") from None
    if "\0" in text:
        raise InvalidInput(f"{file} holds NUL bytes: not a CSV", code="invalid_csv")
    rows = []
    for line, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (line == 1 and [c.lower() for c in cells] == columns):
            continue
        if len(cells) != len(columns) or not all(cells):
            raise InvalidInput(
                f"{file} line {line}: expected {len(columns)} values, {','.join(columns)}; got {row!r}",
                code="invalid_csv",
                line=line,
            )
        rows.append(cells)
    if not rows:
        raise InvalidInput(f"{file} has no rows: one {','.join(columns)} per line", code="empty_csv")
    return rows


class Tally:
    """What a chunked run reported last, passed on to a progress bar if there is one."""

    def __init__(self) -> None:
        self.done = 0

    def also(self, bar: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
        def progress(done: int, total: int) -> None:
            self.done = done
            if bar is not None:
                bar(done, total)

        return progress


@contextmanager
def stopped_after(total: int, verb: str) -> Iterator[Tally]:
    """On an error part way, a note on stderr of the rows already done (their transactions stand); outside
    the progress bar, so the bar has ended when the note prints."""
    tally = Tally()
    try:
        yield tally
    except RwakitError:
        if tally.done:
            typer.echo(
                f"note: rows 1-{tally.done} of {total} were {verb} before this error; "
                f"fix the rest and send rows {tally.done + 1}-{total} again",
                err=True,
            )
        raise
