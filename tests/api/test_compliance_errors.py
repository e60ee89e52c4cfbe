"""The API's mapping of refusals to HTTP: every restriction code of a refused move is 409
``compliance_refused`` with its ``reason_code`` and ``reason``; the contract errors a caller can cause
have their own status and code. Pure mapping: no chain, no database."""

from __future__ import annotations

import pytest

from rwakit.api.errors import REVERTS, error_body
from rwakit.contracts.artifacts import all_abis
from rwakit.contracts.restrictions import Restriction
from rwakit.contracts.reverts import DecodedRevert, revert_error
from rwakit.errors import RwakitError

ZERO = "0x" + "00" * 20
WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
REFUSALS = [r for r in Restriction if r is not Restriction.SUCCESS]


def body_of(error_name: str, **args: object) -> tuple[int, dict[str, object]]:
    error = revert_error(DecodedRevert(error_name, dict(args)), "transfer 1 HVT to X")
    assert isinstance(error, RwakitError)
    return error_body(error)


@pytest.mark.parametrize("restriction", REFUSALS, ids=[r.reason for r in REFUSALS])
def test_every_restriction_code_is_a_409_compliance_refusal(restriction: Restriction) -> None:
    status, body = body_of("AssetTransferRestricted", **{"from": WALLET, "to": WALLET, "amount": 1,
                                                          "code": int(restriction)})  # fmt: skip
    assert status == 409 and body["code"] == "compliance_refused"
    assert (body["reason_code"], body["reason"]) == (int(restriction), restriction.reason)
    assert restriction.reason in str(body["message"])


def test_refusals_with_errors_of_their_own_carry_their_restriction_code() -> None:
    status, body = body_of("ERC20InsufficientBalance", sender=WALLET, balance=1, needed=2)
    assert (status, body["code"], body["reason_code"], body["reason"]) == (
        409, "compliance_refused", Restriction.INSUFFICIENT_BALANCE, "insufficient_balance"
    )
    assert body["error"] == "ERC20InsufficientBalance"
    assert body["message"] == "transfer 1 HVT to X refused: insufficient_balance"
    status, body = body_of("AssetExceedsAuthorised", supply=2, authorised=1)
    assert (status, body["code"], body["reason_code"]) == (409, "compliance_refused", Restriction.EXCEEDS_AUTHORISED)
    status, body = body_of("AssetWalletReassigned", wallet=WALLET, holdingInvestor=1, registryInvestor=2)
    assert (status, body["code"], body["reason"]) == (409, "compliance_refused", "wallet_reassigned")


CONTRACT_ERRORS = [
    ("AssetInvestorLimitsDisabled", {}, 409, "investor_limits_disabled"),
    ("AssetLimitBelowCurrent", {"limit": 1, "current": 2}, 409, "limit_below_current"),
    ("AssetUnfreezeExceedsFrozen", {"account": WALLET, "amount": 2, "frozen": 1}, 409, "unfreeze_exceeds_frozen"),
    ("AssetRecoveryInvalid", {"lostWallet": WALLET, "newWallet": WALLET, "investorId": "0x00"}, 409,
     "recovery_invalid"),
    ("AssetUnknownDocument", {"name": "0x00"}, 404, "document_not_found"),
    ("AssetPaused", {"paused": True}, 409, "pause_unchanged"),
    ("ERC20InvalidReceiver", {"receiver": ZERO}, 422, "invalid_receiver"),
    ("SomethingNew", {}, 409, "contract_revert"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "args", "status", "code"), CONTRACT_ERRORS, ids=[c[0] for c in CONTRACT_ERRORS])
def test_contract_errors_map_to_clear_4xx_codes(name: str, args: dict[str, object], status: int, code: str) -> None:
    got_status, body = body_of(name, **args)
    assert (got_status, body["code"]) == (status, code)
    assert body["error"] == name and body["message"]


def test_every_mapped_contract_error_exists_in_the_shipped_abis() -> None:
    declared = {entry["name"] for abi in all_abis() for entry in abi if entry["type"] == "error"}
    assert set(REVERTS) <= declared, sorted(set(REVERTS) - declared)
