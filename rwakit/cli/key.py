"""`rwakit key ...`: encrypted keystore files (eth-account's format) for the operator and the Safe's owners."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rwakit.cli.common import reported

app = typer.Typer(no_args_is_help=True, help="Create or import a key into an encrypted keystore file.")

KeystorePath = Annotated[Path, typer.Option("--keystore", help="The keystore file to write (never overwritten)")]
PassphraseFile = Annotated[
    Path | None, typer.Option("--passphrase-file", help="File whose first line is the passphrase; else asked")
]


def passphrase(file: Path | None, *, confirm: bool = False) -> str:
    """From the file, else RWAKIT_KEYSTORE_PASSPHRASE, else asked on the terminal (never echoed)."""
    from rwakit.chain.signer import read_passphrase

    return read_passphrase(
        file=file, prompt=lambda: str(typer.prompt("Keystore passphrase", hide_input=True, confirmation_prompt=confirm))
    )


@app.command("new")
def new(keystore: KeystorePath, passphrase_file: PassphraseFile = None) -> None:
    """Create a key and write it encrypted to a keystore file (mode 600); print its address only."""
    from rwakit.chain.signer import write_keystore

    with reported():
        address = write_keystore(keystore, passphrase(passphrase_file, confirm=True))
    typer.echo(f"{address} in {keystore}")


@app.command("import")
def import_key(keystore: KeystorePath, passphrase_file: PassphraseFile = None) -> None:
    """Encrypt an existing private key (asked on the terminal, never echoed, never an argument: arguments
    show in the process list and the shell's history) into a keystore file."""
    from rwakit.chain.signer import write_keystore

    with reported():
        key = str(typer.prompt("Private key (hex)", hide_input=True))
        address = write_keystore(keystore, passphrase(passphrase_file, confirm=True), key)
    typer.echo(f"{address} in {keystore}")


@app.command("show")
def show(keystore: Annotated[Path, typer.Argument(help="A keystore file")]) -> None:
    """Print the address a keystore holds (read from the file; no passphrase needed)."""
    import json

    from web3 import Web3

    with reported():
        try:
            address = json.loads(keystore.read_text())["address"]
        except (OSError, ValueError, KeyError):
            from rwakit.errors import ConfigError

            raise ConfigError(f"{keystore} is not a readable keystore", code="keystore_unreadable") from None
    typer.echo(Web3.to_checksum_address(address))
