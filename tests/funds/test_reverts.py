"""Every error FundVault and FundVaultFactory declare has its own code and message (none is left as a bare
contract_revert), and the names mapped are the contracts' own, so the two cannot drift apart."""

from __future__ import annotations

from typing import Any

import pytest

from rwakit.contracts import load_artifact
from rwakit.errors import AccessDenied, ComplianceError, ContractRevert
from rwakit.funds.reverts import fund_error

ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
SAMPLE: dict[str, Any] = {"uint256": 20_792, "address": ADDRESS, "uint8": 17, "bool": True}


def declared() -> list[tuple[str, dict[str, Any]]]:
    errors = []
    for name in ("FundVault", "FundVaultFactory"):
        for entry in load_artifact(name).abi:
            if entry["type"] == "error" and entry["name"].startswith(("Fund", "VaultFactory")):
                errors.append((entry["name"], {p["name"]: SAMPLE[p["type"]] for p in entry["inputs"]}))
    return errors


@pytest.mark.parametrize(("name", "args"), declared(), ids=lambda value: value if isinstance(value, str) else "")
def test_every_vault_error_has_a_code_of_its_own(name: str, args: dict[str, Any]) -> None:
    if name == "FundNavUnconfirmed":
        args = {"navId": 3, "status": 1, "stale": True}
    error = fund_error(ContractRevert(f"x refused: {name}()", error=name, args=args), "settle HMMF")
    assert error.code != "contract_revert" and error.message.startswith("settle HMMF refused: ")
    assert error.error == name and error.args_by_name == args


def test_refusals_keep_their_kind() -> None:
    both = {"caller": ADDRESS, "controller": ADDRESS}
    stranger = fund_error(ContractRevert("x", error="FundUnauthorized", args=both), "cancel")
    assert isinstance(stranger, AccessDenied) and stranger.code == "access_denied"
    held = fund_error(ContractRevert("x", error="FundNavUnconfirmed", args={"navId": 2, "status": 2, "stale": False}),
                      "settle")  # fmt: skip
    assert held.code == "nav_held"
    ineligible = fund_error(ContractRevert("x", error="FundIneligible", args={"account": ADDRESS, "code": 17}), "sub")
    assert isinstance(ineligible, ComplianceError) and (ineligible.reason, ineligible.reason_code) == (
        "class_not_allowed", 17)  # fmt: skip
    assert ineligible.code == "fund_ineligible"
    other = fund_error(ContractRevert("x refused: Panic(code=17)", error="Panic", args={"code": 17}), "claim")
    assert other.code == "contract_revert" and other.message == "claim refused: Panic(code=17)"
