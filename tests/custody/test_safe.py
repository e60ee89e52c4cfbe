"""The Safe: its EIP-712 hash as the contract computes it, M-of-N parsing, and the platform's roles moved to
it so that no single owner, nor the former deployer, can call any privileged function."""

from __future__ import annotations

import secrets
from typing import Any, cast

import pytest
from eth_account.messages import encode_typed_data
from web3 import Web3
from web3.contract import Contract

from rwakit.chain.connection import Chain
from rwakit.chain.revert_data import revert_data
from rwakit.chain.signer import Signer
from rwakit.contracts import load_artifact
from rwakit.contracts.reverts import decode_revert
from rwakit.custody.handover import hand_roles_to, privileged_contracts
from rwakit.custody.safe import SafeSpec
from rwakit.custody.safe_tx import SafeTx
from rwakit.errors import InvalidInput
from tests.custody.conftest import FUND, Custodied

OWNERS = ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
          "0x90F79bf6EB2c4f870365E785982E1f101E93b906"]  # fmt: skip


def test_the_safe_tx_hash_is_the_contracts_and_the_wallets(custodied: Custodied) -> None:
    safe = custodied.safe
    for data, nonce in ((b"", 0), (secrets.token_bytes(68), 7), (secrets.token_bytes(1000), 2**64)):
        tx = safe.transaction(OWNERS[0], data, nonce)
        assert tx.hash == safe.contract_hash(tx)
        wallet = encode_typed_data(full_message=tx.typed_data())  # what eth_signTypedData_v4 signs
        assert (wallet.header, wallet.body) == (tx.domain_separator, tx.struct_hash)
        assert Web3.keccak(b"\x19" + wallet.version + wallet.header + wallet.body) == tx.hash


def test_safe_specs_are_m_of_n_distinct_owners() -> None:
    spec = SafeSpec.parse("2-of-3", OWNERS)
    assert spec.threshold == 2 and spec.owners == tuple(OWNERS)
    assert SafeSpec.parse("2-of-2", OWNERS[:2]).threshold == 2
    for m_of_n, owners in (("2of3", OWNERS), ("4-of-3", OWNERS), ("2-of-3", OWNERS[:2]),
                           ("2-of-3", [OWNERS[0], OWNERS[0], OWNERS[1]]), ("x-of-3", OWNERS),
                           ("2-of-3", [*OWNERS[:2], "0x1234"])):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            SafeSpec.parse(m_of_n, owners)
        assert refused.value.code in ("invalid_safe_spec", "invalid_address"), m_of_n


def test_a_safe_one_owner_can_drive_alone_is_refused(custodied: Custodied, chain: Chain) -> None:
    from rwakit.custody.safe import SafeAccount

    for m_of_n, owners in (("1-of-1", OWNERS[:1]), ("1-of-3", OWNERS), ("0-of-3", OWNERS)):
        with pytest.raises(InvalidInput) as refused:
            SafeSpec.parse(m_of_n, owners)
        assert refused.value.code == "safe_threshold_too_low", m_of_n
    with pytest.raises(InvalidInput):
        SafeSpec(owners=tuple(custodied.safe.owners()), threshold=1)  # built directly: the same check
    assert SafeAccount.at(chain.w3, custodied.safe.address, four_eyes=True).threshold() == 2
    custody, safe = custodied.custody, custodied.safe  # the owners lower their Safe to 1-of-3
    data = bytes.fromhex(safe.contract.encode_abi("changeThreshold", [1])[2:])
    lowered = custody.propose(safe.address, data, "1-of-3", maker="m")
    for owner in custodied.owners[:2]:
        custody.approve(lowered.id, owner, actor=f"owner {owner.address}")
    assert safe.threshold() == 1
    with pytest.raises(InvalidInput) as existing:  # `rwakit deploy --safe-address` of that Safe
        SafeAccount.at(chain.w3, safe.address, four_eyes=True)
    assert existing.value.code == "safe_threshold_too_low"


# Non-view functions anyone (or a holder, a party, an investor) may call by design: every other one is
# privileged, so a function added to a contract is checked below without being listed.
PUBLIC = {
    "InvestorRegistry": {"renounceRole", "subscribe"},  # subscribe: the registry checks the calling asset
    "AssetFactory": {"renounceRole"},
    "AssetToken": {"approve", "transfer", "transferFrom", "batchTransfer", "renounceRole", "syncWallet"},
    "DeliveryVersusPayment": {"propose", "accept", "settle", "cancel", "unwind", "renounceRole"},  # the parties
    # a holder's claim (its Merkle proof); push and reclaim: only the distribution's creator, who had to hold
    # the asset's ISSUER_ROLE to create it (create is checked below)
    "IncomeDistributor": {"claim", "push", "reclaim"},
    "FundVault": {"requestDeposit", "requestRedeem", "deposit", "mint", "redeem", "withdraw", "setOperator",
                  "cancelDepositRequest", "cancelRedeemRequest", "claimCancelDepositRequest",
                  "claimCancelRedeemRequest", "renounceRole"},  # the investors' ERC-7540 dealing
    "TestStablecoin": {"approve", "transfer", "transferFrom", "permit", "renounceRole"},
    "AssetTokenDeployer": set(),
    "FundVaultFactory": set(),
}  # fmt: skip
OPERATIONAL_CALLS = {("FundVault", "settleDealingDay"), ("TestStablecoin", "mint")}  # the deployer keeps these
DENIALS = ("AccessControlUnauthorizedAccount", "Unauthorized")  # OpenZeppelin's, or a contract's own check


def dummy(kind: str, components: list[dict[str, Any]], ctx: dict[str, Any]) -> Any:
    """A plausible argument of ABI type `kind`: a role check comes before any check of the arguments."""
    if kind.endswith("[]"):
        return [dummy(kind[:-2], components, ctx)]
    if kind == "tuple":
        return tuple(dummy(c["type"], c.get("components", []), ctx) for c in components)
    if kind == "address":
        return ctx["address"]
    if kind == "bool":
        return True
    if kind == "string":
        return "x"
    if kind == "bytes":
        return b""
    if kind.startswith("bytes"):
        return b"\1" * int(kind[5:])
    return 1  # uint*, int*


def kind_of(contract: Contract) -> str:
    return next(n for n in PUBLIC if contract.abi == load_artifact(n).abi)


def privileged_functions(custodied: Custodied) -> list[tuple[str, Contract, dict[str, Any]]]:
    """Every non-view function of every deployed contract that is not public by design, from the ABIs."""
    found = []
    for contract in platform_contracts(custodied):
        kind = kind_of(contract)
        for entry in cast(list[dict[str, Any]], contract.abi):
            writes = entry["type"] == "function" and entry["stateMutability"] in ("nonpayable", "payable")
            if writes and entry["name"] not in PUBLIC[kind]:
                found.append((kind, contract, entry))
    return found


def test_no_single_owner_nor_the_former_deployer_can_call_a_privileged_function(
    custodied: Custodied, chain: Chain
) -> None:
    callers: list[Signer] = [*custodied.owners, chain.operator]
    for contract, names in privileged_contracts(custodied.platform):
        for name in names:
            role = contract.functions[name]().call()
            assert contract.functions.hasRole(role, custodied.safe.address).call(), (contract.address, name)
            assert not any(contract.functions.hasRole(role, c.address).call() for c in callers), name
    fund = custodied.platform.assets.token(FUND).address
    checked = set()
    for kind, contract, entry in privileged_functions(custodied):
        for caller in callers:
            if caller is chain.operator and (kind, entry["name"]) in OPERATIONAL_CALLS:
                continue
            ctx = {"address": fund if kind in ("FundVaultFactory", "IncomeDistributor") else custodied.safe.address}
            args = [dummy(i["type"], i.get("components", []), ctx) for i in entry["inputs"]]
            signature = f"{entry['name']}({','.join(i['type'] for i in entry['inputs'])})"
            call = contract.get_function_by_signature(signature)(*args) if "tuple" not in signature else (
                contract.functions[entry["name"]](*args))  # fmt: skip
            try:
                call.call({"from": caller.address})
            except Exception as exc:
                decoded = decode_revert(revert_data(exc))
                assert decoded is not None and decoded.name.endswith(DENIALS), (kind, signature, caller, exc)
            else:
                raise AssertionError(f"{caller} may call {kind}.{signature}")
            checked.add((kind, entry["name"]))
    expected = {("AssetToken", n) for n in ("recoveryAddress", "unpause", "freezePartialTokens", "setDocument",
                                             "batchFreezePartialTokens", "removeDocument", "revokeRole", "mint")}
    expected |= {("InvestorRegistry", n) for n in ("addWallet", "removeWallet", "reinstateInvestor", "revokeRole")}
    expected |= {("DeliveryVersusPayment", n) for n in ("setFee", "withdrawFees", "matchTrades")}
    expected |= {("FundVault", "setTerms"), ("IncomeDistributor", "create"), ("FundVaultFactory", "createVault")}
    assert expected <= checked, expected - checked
    assert len(checked) >= 50, len(checked)


def platform_contracts(custodied: Custodied) -> list[Contract]:
    """Every contract the deployment names or created (not only those the handover knows of)."""
    platform, w3 = custodied.platform, custodied.platform.chain.w3
    d = platform.deployment
    assert d.dvp and d.distributor and d.fund_vaults and d.settlement_token, "a local deployment's money leg"
    vaults = load_artifact("FundVaultFactory").at(w3, d.fund_vaults)
    return [
        platform.registry.contract, platform.assets.factory, load_artifact("AssetTokenDeployer").at(w3, d.deployer),
        *(load_artifact("AssetToken").at(w3, a) for a in platform.assets.factory.functions.assets().call()),
        load_artifact("DeliveryVersusPayment").at(w3, d.dvp), load_artifact("IncomeDistributor").at(w3, d.distributor),
        vaults, *(load_artifact("FundVault").at(w3, v) for v in vaults.functions.vaults().call()),
        load_artifact("TestStablecoin").at(w3, d.settlement_token),
    ]  # fmt: skip


def roles_of(contract: Contract) -> list[str]:
    """The role constants in a contract's ABI (its ..._ROLE() getters), if it has AccessControl's hasRole."""
    names = {f["name"] for f in contract.abi if f["type"] == "function"}
    if "hasRole" not in names:
        return []
    return sorted(n for n in names if n.endswith("_ROLE"))


OPERATIONAL = {("TestStablecoin", "MINTER_ROLE"), ("FundVault", "MANAGER_ROLE")}  # why: docs/custody.md


def test_the_deployer_holds_no_role_on_any_contract_after_the_handover(custodied: Custodied, chain: Chain) -> None:
    safe, operator = custodied.safe.address, chain.operator.address
    checked = {}
    for contract in platform_contracts(custodied):
        kind = kind_of(contract)
        for name in roles_of(contract):
            role = contract.functions[name]().call()
            checked[(kind, name)] = True
            if (kind, name) in OPERATIONAL:
                assert contract.functions.hasRole(role, operator).call(), name
                continue
            assert not contract.functions.hasRole(role, operator).call(), (kind, name)
            for owner in custodied.owners:
                assert not contract.functions.hasRole(role, owner.address).call(), (kind, name)
    assert {("DeliveryVersusPayment", "DEFAULT_ADMIN_ROLE"), ("DeliveryVersusPayment", "OTC_DESK_ROLE"),
            ("FundVault", "VALUER_ROLE"), ("FundVault", "DEFAULT_ADMIN_ROLE"), ("TestStablecoin", "DEFAULT_ADMIN_ROLE"),
            ("AssetToken", "COMPLIANCE_ROLE")} <= checked.keys()  # fmt: skip
    dvp = load_artifact("DeliveryVersusPayment").at(chain.w3, custodied.platform.deployment.dvp or "")
    for name in ("DEFAULT_ADMIN_ROLE", "OTC_DESK_ROLE"):
        assert dvp.functions.hasRole(dvp.functions[name]().call(), safe).call(), name


def test_a_handover_run_again_moves_nothing_and_a_stranger_moves_nothing(custodied: Custodied, chain: Chain) -> None:
    assert hand_roles_to(custodied.platform, custodied.safe.address, chain.operator) == 0
    assert hand_roles_to(custodied.platform, custodied.safe.address, custodied.owners[0]) == 0


def test_a_safe_is_found_by_address_and_nothing_else_passes_for_one(custodied: Custodied, chain: Chain) -> None:
    from rwakit.custody.safe import SafeAccount
    from rwakit.errors import NotFound

    assert SafeAccount.at(chain.w3, custodied.safe.address).owners() == [o.address for o in custodied.owners]
    assert custodied.safe.threshold() == 2 and custodied.safe.nonce() == 0
    for not_a_safe in (chain.operator.address, custodied.platform.deployment.registry):
        with pytest.raises(NotFound):
            SafeAccount.at(chain.w3, not_a_safe)
    assert load_artifact("safe/Safe").compiler_version.startswith("0.7.6")
    assert isinstance(custodied.safe.transaction(OWNERS[0], b"", 0), SafeTx)


def test_a_safe_of_another_version_is_refused(custodied: Custodied, chain: Chain) -> None:
    """The same Safe pointed at a copy of its singleton whose VERSION reads 1.3.9: rwakit computes 1.4.1's
    hashes only, so it is refused before anything is proposed to it."""
    from rwakit.custody.safe import SafeAccount

    w3, safe = chain.w3, custodied.safe.address
    singleton = Web3.to_checksum_address(w3.eth.get_storage_at(safe, 0)[-20:])  # the proxy's masterCopy
    code = bytes(w3.eth.get_code(singleton))
    assert code.count(b"1.4.1") == 1
    other = Web3.to_checksum_address("0x" + "13" * 20)
    w3.provider.make_request("anvil_setCode", [other, "0x" + code.replace(b"1.4.1", b"1.3.9").hex()])  # type: ignore[arg-type]
    w3.provider.make_request("anvil_setStorageAt", [safe, "0x0", "0x" + other[2:].lower().rjust(64, "0")])  # type: ignore[arg-type]
    assert custodied.safe.contract.functions.VERSION().call() == "1.3.9"
    with pytest.raises(InvalidInput) as refused:
        SafeAccount.at(w3, safe)
    assert refused.value.code == "safe_version_unsupported" and refused.value.details["version"] == "1.3.9"


def test_the_shipped_safe_artifacts_are_node_modules_ones() -> None:
    import json

    from rwakit.contracts.safe_artifacts import SAFE_ARTIFACTS_DIR, SAFE_CONTRACTS, safe_artifacts_from_npm

    fresh = safe_artifacts_from_npm()
    assert fresh.keys() == SAFE_CONTRACTS.keys()
    assert {p.stem for p in SAFE_ARTIFACTS_DIR.glob("*.json")} == set(SAFE_CONTRACTS)
    for name, artifact in fresh.items():
        assert json.loads((SAFE_ARTIFACTS_DIR / f"{name}.json").read_text()) == artifact, "rerun `rwakit compile`"
