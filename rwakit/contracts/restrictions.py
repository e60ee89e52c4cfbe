"""Transfer restriction codes, mirroring contracts/token/TransferRestrictions.sol.

A test asks the deployed token for each code's message, so the two cannot drift apart.
"""

from __future__ import annotations

from enum import IntEnum


class Restriction(IntEnum):
    """Why a move of shares is refused; the name (lower case) is the API's machine-readable reason."""

    SUCCESS = 0
    PAUSED = 1
    SENDER_NOT_REGISTERED = 2
    RECEIVER_NOT_REGISTERED = 3
    SENDER_KYC_EXPIRED = 4
    RECEIVER_KYC_EXPIRED = 5
    SENDER_REVOKED = 6
    RECEIVER_REVOKED = 7
    INSUFFICIENT_BALANCE = 8
    EXCEEDS_AUTHORISED = 9
    SENDER_FROZEN = 10
    RECEIVER_FROZEN = 11
    INSUFFICIENT_UNFROZEN_BALANCE = 12
    LOCKED_UP = 13
    BELOW_MINIMUM_LOT = 14
    COUNTRY_NOT_ALLOWED = 15
    COUNTRY_BLOCKED = 16
    CLASS_NOT_ALLOWED = 17
    MAX_HOLDERS_REACHED = 18
    MAX_BALANCE_EXCEEDED = 19
    WALLET_REASSIGNED = 20
    SENDER_WALLET_REASSIGNED = 21

    @property
    def reason(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, code: int) -> Restriction | int:
        try:
            return cls(code)
        except ValueError:
            return code
