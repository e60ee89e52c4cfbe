"""What the money leg's command groups (cash, trade, distribution) share: its services over the
platform, and the local key that signs for a wallet or investor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rwakit.cli.common import platform
from rwakit.errors import ConfigError

if TYPE_CHECKING:
    from rwakit.chain.signer import Signer
    from rwakit.settlement.services import Settlement


def settlement() -> Settlement:
    from rwakit.settlement.services import Settlement

    return Settlement.open(platform())


def signer_for(s: Settlement, who: str | None) -> Signer:
    """The key rwakit holds for `who` (an investor id or wallet; None: the operator, who is the issuer,
    the OTC desk and the fee admin)."""
    chain = s.trades.chain
    if who is None:
        return chain.operator
    address = s.trades.assets.recipient(who)
    for signer in chain.signers:
        if signer.address == address:
            return signer
    raise ConfigError(
        f"rwakit holds no key for {who} ({address}): on a local chain use one of its funded accounts; "
        "elsewhere the investor signs with their own wallet",
        code="no_key_for_wallet",
    )
