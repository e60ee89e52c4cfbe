"""What the command groups share: the one error handler, the platform and database they open, and the
fixed sets of choices their options take."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from rwakit.config import get_settings
from rwakit.errors import ApprovalPending, RwakitError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from web3.types import TxReceipt

    from rwakit.custody.proposals import SafeProposals
    from rwakit.platform import Platform
    from rwakit.tokenize.audit import AuditLog


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

    opened = Platform.from_settings(get_settings(), audit=audit)
    if opened.deployment.safe is None:
        return opened
    from rwakit.custody.proposals import SafeProposer

    proposer = SafeProposer(custody(opened, audit), default_maker=f"cli:{getpass.getuser()}")
    return Platform.open(opened.chain, opened.deployment, audit=audit, acting=proposer)


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
