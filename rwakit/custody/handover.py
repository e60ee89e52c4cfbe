"""Hand the platform's roles to a Safe: the registry's admin and registrar roles, the factory's admin and
issuer roles, every asset's admin, issuer (agent) and compliance roles, the DvP contract's admin (fees) and
OTC desk roles, every fund vault's admin and valuer roles, and the test coin's admin role are granted to
the Safe, then renounced by their holder, so no single key holds any of them afterwards.

Two roles stay operational, with the key that held them: a vault's MANAGER_ROLE (settling a dealing day
applies the latest NAV, which the valuer, now the Safe, published after the cut-off, and the terms the
Safe set: the manager chooses no price and no recipient), and the test coin's MINTER_ROLE (a local
chain's faucet of fake money, which `rwakit cash mint` sends from the operator's key; the coin's admin
being the Safe, no key alone can make another minter). The IncomeDistributor and the FundVaultFactory
hold no roles: they check the asset's own (ISSUER_ROLE, DEFAULT_ADMIN_ROLE), which the Safe holds."""

from __future__ import annotations

from web3.contract import Contract

from rwakit.chain.signer import Signer
from rwakit.contracts import load_artifact
from rwakit.platform import Platform

DEFAULT_ADMIN_ROLE = "DEFAULT_ADMIN_ROLE"
# Per contract, the roles the platform's operator holds; the admin role comes last, since renouncing it
# first would leave nothing able to grant the others.
REGISTRY_ROLES = ("REGISTRAR_ROLE", DEFAULT_ADMIN_ROLE)
FACTORY_ROLES = ("ISSUER_ROLE", DEFAULT_ADMIN_ROLE)
ASSET_ROLES = ("ISSUER_ROLE", "COMPLIANCE_ROLE", DEFAULT_ADMIN_ROLE)
DVP_ROLES = ("OTC_DESK_ROLE", DEFAULT_ADMIN_ROLE)
VAULT_ROLES = ("VALUER_ROLE", DEFAULT_ADMIN_ROLE)  # MANAGER_ROLE stays (see above)
TEST_COIN_ROLES = (DEFAULT_ADMIN_ROLE,)  # MINTER_ROLE stays (see above)


def privileged_contracts(platform: Platform) -> list[tuple[Contract, tuple[str, ...]]]:
    """Every contract of the platform with the roles its operator holds."""
    w3, deployment = platform.chain.w3, platform.deployment
    assets = [load_artifact("AssetToken").at(w3, a) for a in platform.assets.factory.functions.assets().call()]
    held: list[tuple[Contract, tuple[str, ...]]] = [
        (platform.registry.contract, REGISTRY_ROLES),
        (platform.assets.factory, FACTORY_ROLES),
        *((asset, ASSET_ROLES) for asset in assets),
    ]
    if deployment.dvp is not None:
        held.append((load_artifact("DeliveryVersusPayment").at(w3, deployment.dvp), DVP_ROLES))
    if deployment.fund_vaults is not None:
        vaults = load_artifact("FundVaultFactory").at(w3, deployment.fund_vaults).functions.vaults().call()
        held.extend((load_artifact("FundVault").at(w3, v), VAULT_ROLES) for v in vaults)
    if deployment.test_coin and deployment.settlement_token is not None:
        held.append((load_artifact("TestStablecoin").at(w3, deployment.settlement_token), TEST_COIN_ROLES))
    return held


def hand_roles_to(platform: Platform, safe: str, holder: Signer) -> int:
    """Grant every role `holder` has on the platform's contracts to `safe`, then renounce it; return the number
    of roles moved. Roles `holder` no longer has are skipped, so an interrupted handover can be run again."""
    moved = 0
    for contract, names in privileged_contracts(platform):
        for name in names:
            role = contract.functions[name]().call()
            if not contract.functions.hasRole(role, holder.address).call():
                continue
            where = f"{name} on {contract.address}"
            if not contract.functions.hasRole(role, safe).call():
                platform.txm.transact(
                    holder, contract.functions.grantRole(role, safe), label=f"grant {where} to {safe}"
                )
            platform.txm.transact(
                holder, contract.functions.renounceRole(role, holder.address), label=f"renounce {where}"
            )
            moved += 1
    return moved
