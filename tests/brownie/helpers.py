"""Constants and helpers shared by the Brownie tests (`from helpers import ...`)."""

from __future__ import annotations

import brownie

YEAR = 365 * 24 * 3600
HK, SG, GB = 344, 702, 826  # ISO 3166-1 numeric
RETAIL, PROFESSIONAL, INSTITUTIONAL = 0, 1, 2
PROPERTY, FUND = 0, 1
# Reason codes (contracts/token/TransferRestrictions.sol)
SUCCESS, PAUSED, SENDER_NOT_REGISTERED, RECEIVER_NOT_REGISTERED = 0, 1, 2, 3
SENDER_KYC_EXPIRED, RECEIVER_KYC_EXPIRED, SENDER_REVOKED, RECEIVER_REVOKED = 4, 5, 6, 7
INSUFFICIENT_BALANCE, EXCEEDS_AUTHORISED = 8, 9


def investor_id(text):
    """The registry's bytes32 id for a readable id (ASCII, zero-padded on the right)."""
    return text.encode().ljust(32, b"\0")


def investor_data(text, wallets, country, investor_class, kyc_expiry):
    return (investor_id(text), list(wallets), country, investor_class, kyc_expiry)


def refused(sender, receiver, amount, code):
    """brownie.reverts() for AssetTransferRestricted(from, to, amount, code)."""
    return brownie.reverts(f"AssetTransferRestricted: {_addr(sender)}, {_addr(receiver)}, {amount}, {code}")


def _addr(account):
    return str(account).lower()
