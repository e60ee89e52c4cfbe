"""What the command groups share: the one error handler, the platform and database they open, and the
fixed sets of choices their options take."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING

import typer

from rwakit.config import get_settings
from rwakit.errors import RwakitError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from web3.types import TxReceipt

    from rwakit.platform import Platform


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
    """Turn a RwakitError raised inside into `error [code]: message` on stderr and exit code 1."""
    try:
        yield
    except RwakitError as exc:
        typer.echo(f"error [{exc.code}]: {exc.message}", err=True)
        raise typer.Exit(1) from None


def platform() -> Platform:
    from rwakit.platform import Platform

    return Platform.from_settings(get_settings())


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
    from rwakit.platform import Platform

    with reported():
        sent = action(Platform.from_settings(get_settings(), audit=SqlAuditLog(database())))
    receipts = sent if isinstance(sent, list) else [sent]
    hashes = ", ".join(receipt["transactionHash"].to_0x_hex() for receipt in receipts)
    typer.echo(f"{done} in {hashes}" if receipts else nothing)
