"""Hand the platform's roles to a Safe: the registry's admin and registrar roles, the factory's admin and
issuer roles, and every asset's admin, issuer (agent) and compliance roles are granted to the Safe, then
renounced by their holder, so no single key holds any of them afterwards."""

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


def privileged_contracts(platform: Platform) -> list[tuple[Contract, tuple[str, ...]]]:
    """Every contract of the platform with the roles its operator holds."""
    w3 = platform.chain.w3
    assets = [load_artifact("AssetToken").at(w3, a) for a in platform.assets.factory.functions.assets().call()]
    return [
        (platform.registry.contract, REGISTRY_ROLES),
        (platform.assets.factory, FACTORY_ROLES),
        *((asset, ASSET_ROLES) for asset in assets),
    ]


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
