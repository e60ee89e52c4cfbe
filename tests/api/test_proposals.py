"""The API when a 2-of-3 Safe holds the platform's roles: value-moving requests answer 202 with their
proposal (one per idempotency key), owners approve with a platform-held key or their wallet's signature, the
proposal executes once; a stale one shows why it would fail; hostile approvals are refused."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from sqlmodel import Session

from rwakit.api import create_app
from rwakit.chain.connection import Chain
from rwakit.config import DEV_MNEMONIC, Settings
from rwakit.custody.handover import hand_roles_to
from rwakit.custody.safe import SafeAccount, SafeSpec, deploy_safe
from rwakit.db.keys import Role, create_api_key
from rwakit.platform import Platform
from rwakit.tokenize import AssetSpec
from tests.api.conftest import Api, Caller, TestClient, clear_tables, ok, refused
from tests.conftest import advance_time, investor

WALLET_OWNER = 13  # a dev mnemonic account the API's custody does not hold: it signs in "its own wallet"


def wallet_signature(typed_data: dict[str, Any], index: int = WALLET_OWNER) -> str:
    key = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}").key
    return "0x" + bytes(Account.sign_message(encode_typed_data(full_message=typed_data), key).signature).hex()


@pytest.fixture
def safe_api(chain: Chain, platform: Platform, api_settings: Settings, db_engine: Engine) -> Iterator[Api]:
    """The session's platform with its roles on a Safe owned by dev accounts 7 and 8 (keys the API's dev
    custody holds) and 13 (one it does not)."""
    platform.registry.register(investor(chain, "HK-1", chain.signers[1], kyc_seconds=3600))
    platform.registry.register(investor(chain, "HK-2", chain.signers[2]))
    platform.assets.create(AssetSpec("Safe Tower", "SAFE", 0, "property", "1000000"))
    platform.assets.issue("SAFE", "HK-2", 50)
    platform.assets.create(AssetSpec("Safe Annex", "ANNEX", 0, "property", "1000000"))
    platform.assets.issue("ANNEX", "HK-2", 5)
    owners = (chain.signers[7].address, chain.signers[8].address, Account.from_mnemonic(
        DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{WALLET_OWNER}").address)  # fmt: skip
    safe = deploy_safe(chain, platform.txm, SafeSpec(owners, 2))
    hand_roles_to(platform, safe.address, chain.operator)
    held = Platform.open(chain, platform.deployment.held_by(safe.address))
    app: FastAPI = create_app(api_settings, platform=held, engine=db_engine)
    with TestClient(app) as client:
        yield Api(client=client, engine=db_engine, platform=held)
    clear_tables(db_engine)


def second_admin(api: Api) -> Caller:
    """An admin key besides `api.admin`: a second caller, for the second approval with a platform-held key."""
    if "second admin" not in api.keys:
        with Session(api.engine) as session:
            _, api.keys["second admin"] = create_api_key(session, role=Role.ADMIN, name="second admin")
    return Caller(api.client, {"Authorization": f"Bearer {api.keys['second admin']}"})


def balance(api: Api, wallet: str) -> int:
    return int(api.platform.assets.token("SAFE").functions.balanceOf(wallet).call())


def test_an_issuance_is_proposed_once_per_key_and_executes_on_the_second_approval(safe_api: Api, chain: Chain) -> None:
    key = secrets.token_hex(8)
    first = ok(safe_api.issue("SAFE", "HK-1", "10", key=key), 202)
    assert (first["code"], first["status"], first["approvals"], first["threshold"]) == (
        "approval_pending",
        "pending",
        0,
        2,
    )
    again = ok(safe_api.issue("SAFE", "HK-1", "10", key=key), 202)
    assert again["proposal_id"] == first["proposal_id"]
    listed = ok(safe_api.issuer.get("/proposals"))
    assert [p["id"] for p in listed] == [first["proposal_id"]]
    proposal = listed[0]
    assert proposal["maker"].startswith("api-key:") and proposal["would_fail"] is None
    url = f"/proposals/{proposal['id']}"
    refused(safe_api.issuer.post(f"{url}/approvals", json={"owner": chain.signers[7].address}), 403, "forbidden")
    one = ok(safe_api.admin.post(f"{url}/approvals", json={"owner": chain.signers[7].address}))
    assert (one["status"], len(one["approvals"])) == ("pending", 1)
    two = ok(safe_api.admin.post(f"{url}/approvals", json={"signature": wallet_signature(proposal["typed_data"])}))
    assert two["status"] == "executed" and two["tx_hash"] and balance(safe_api, chain.signers[1].address) == 10
    after = ok(safe_api.issue("SAFE", "HK-1", "10", key=key), 202)
    assert (after["proposal_id"], after["status"]) == (first["proposal_id"], "executed")
    assert balance(safe_api, chain.signers[1].address) == 10
    assert ok(safe_api.admin.post(f"{url}/execute"))["status"] == "executed"
    actions = [e["action"] for e in ok(safe_api.issuer.get("/audit", params={"action": "proposal_executed"}))]
    assert actions == ["proposal_executed"]


def test_a_batch_longer_than_one_safe_transaction_is_refused_whole(
    safe_api: Api, api_settings: Settings
) -> None:
    """Under a Safe each chunk would be its own proposal: a batch of more than one chunk is refused
    before anything is proposed, rather than half of it proposed."""
    rows = [{"to": "HK-1", "amount": "1"}] * (api_settings.issuance_chunk_size + 1)
    body = {"asset": "SAFE", "allocations": rows}
    answer = safe_api.issuer.post("/issuances/batch", json=body, headers={"Idempotency-Key": "too-big"})
    assert refused(answer, 422, "batch_exceeds_proposal")["limit"] == api_settings.issuance_chunk_size
    assert ok(safe_api.issuer.get("/proposals")) == []
    one_chunk = {"asset": "SAFE", "allocations": rows[: api_settings.issuance_chunk_size]}
    fits = safe_api.issuer.post("/issuances/batch", json=one_chunk, headers={"Idempotency-Key": "fits"})
    assert ok(fits, 202)["code"] == "approval_pending"


def test_rules_and_forced_transfers_are_proposed_too(safe_api: Api, chain: Chain) -> None:
    rules = safe_api.compliance.request("PUT", "/assets/SAFE/rules/minimum-lot", json={"amount": "5"})
    assert ok(rules, 202)["code"] == "approval_pending"
    order = {"from": chain.signers[2].address, "to": "HK-1", "amount": "5", "reason": "court order 1"}
    forced = safe_api.issuer.post("/assets/SAFE/forced-transfers", json=order, headers={"Idempotency-Key": "f-1"})
    assert ok(forced, 202)["code"] == "approval_pending"
    assert len(ok(safe_api.issuer.get("/proposals"))) == 2


def test_a_stale_proposal_shows_why_and_is_cancelled(safe_api: Api, chain: Chain) -> None:
    pending = ok(safe_api.issue("SAFE", "HK-1", "10"), 202)
    advance_time(chain, 7200)  # HK-1's KYC lapses
    shown = ok(safe_api.issuer.get(f"/proposals/{pending['proposal_id']}"))
    assert shown["would_fail"]["code"] == "compliance_refused" and shown["would_fail"]["reason_code"] > 0
    url = f"/proposals/{pending['proposal_id']}"
    ok(safe_api.admin.post(f"{url}/approvals", json={"owner": chain.signers[7].address}))
    refused(  # another admin key: one key approves once (four eyes)
        second_admin(safe_api).post(f"{url}/approvals", json={"owner": chain.signers[8].address}), 409,
        "compliance_refused",
    )
    assert ok(safe_api.admin.post(f"{url}/cancel"))["status"] == "cancelled"
    refused(safe_api.admin.post(f"{url}/cancel"), 409, "proposal_not_pending")
    assert ok(safe_api.issuer.get("/proposals")) == []


def test_hostile_approvals_are_refused(safe_api: Api, chain: Chain) -> None:
    pending = ok(safe_api.issue("SAFE", "HK-1", "10"), 202)
    url = f"/proposals/{pending['proposal_id']}/approvals"
    typed = ok(safe_api.issuer.get(f"/proposals/{pending['proposal_id']}"))["typed_data"]
    refused(safe_api.admin.post(url, json={"signature": wallet_signature(typed, 20)}), 422, "signature_not_owner")
    other_chain = {**typed, "domain": {**typed["domain"], "chainId": 1}}
    refused(safe_api.admin.post(url, json={"signature": wallet_signature(other_chain)}), 422, "signature_not_owner")
    stranger = Account.from_mnemonic(DEV_MNEMONIC, account_path="m/44'/60'/0'/0/20").address
    refused(safe_api.admin.post(url, json={"owner": stranger}), 422, "owner_key_not_held")
    refused(safe_api.admin.post(url, json={"owner": chain.signers[5].address}), 422, "signature_not_owner")  # held
    refused(safe_api.admin.post(url, json={}), 422, "invalid_request")
    refused(safe_api.admin.post(url, json={"signature": "0x12"}), 422, "invalid_request")
    ok(safe_api.admin.post(url, json={"signature": wallet_signature(typed)}))
    refused(safe_api.admin.post(url, json={"signature": wallet_signature(typed)}), 409, "already_approved")
    refused(safe_api.admin.get("/proposals/999999"), 404, "proposal_not_found")
    refused(safe_api.admin.post("/proposals/999999/execute"), 404, "proposal_not_found")


def test_without_a_safe_there_is_nothing_to_propose(api: Api) -> None:
    refused(api.issuer.get("/proposals"), 409, "no_safe")


def test_an_owner_approves_on_chain_from_their_own_wallet_then_tells_the_api(safe_api: Api, chain: Chain) -> None:
    pending = ok(safe_api.issue("SAFE", "HK-1", "3"), 202)
    url = f"/proposals/{pending['proposal_id']}/approvals"
    owner = chain.signers[8]
    body = {"approved_on_chain": owner.address}
    refused(safe_api.admin.post(url, json=body), 409, "not_approved_on_chain")
    safe = safe_api.platform.deployment.safe
    assert safe is not None
    contract = SafeAccount.at(chain.w3, safe).contract
    safe_api.platform.txm.transact(owner, contract.functions.approveHash(pending["safe_tx_hash"]), label="approve")
    assert len(ok(safe_api.admin.post(url, json=body))["approvals"]) == 1
    done = ok(safe_api.admin.post(url, json={"owner": chain.signers[7].address}))
    assert done["status"] == "executed" and balance(safe_api, chain.signers[1].address) == 3


def test_with_keys_the_platform_holds_each_api_key_approves_once_and_never_its_own(
    safe_api: Api, chain: Chain
) -> None:
    """Dev custody holds two owners' keys: one admin key alone must not approve as both (four eyes)."""
    pending = ok(safe_api.issue("SAFE", "HK-1", "4"), 202)
    url = f"/proposals/{pending['proposal_id']}/approvals"
    one = ok(safe_api.admin.post(url, json={"owner": chain.signers[7].address}))
    assert (one["status"], len(one["approvals"])) == ("pending", 1)
    twice = refused(safe_api.admin.post(url, json={"owner": chain.signers[8].address}), 409, "approval_already_given")
    assert "four eyes" in twice["message"] and balance(safe_api, chain.signers[1].address) == 0
    assert len(ok(safe_api.admin.get(f"/proposals/{pending['proposal_id']}"))["approvals"]) == 1
    second = second_admin(safe_api)
    done = ok(second.post(url, json={"owner": chain.signers[8].address}))
    assert done["status"] == "executed" and balance(safe_api, chain.signers[1].address) == 4
    own = ok(safe_api.admin.post("/issuances", json={"asset": "SAFE", "to": "HK-1", "amount": "5"},
                                 headers={"Idempotency-Key": secrets.token_hex(8)}), 202)  # fmt: skip
    mine = f"/proposals/{own['proposal_id']}/approvals"
    refused(safe_api.admin.post(mine, json={"owner": chain.signers[7].address}), 409, "maker_cannot_approve")
    trail = ok(safe_api.admin.get("/audit", params={"action": "proposal_approval_refused"}))
    refused_codes = sorted(e["details"]["code"] for e in trail if e["action"] == "proposal_approval_refused")
    assert refused_codes == ["approval_already_given", "maker_cannot_approve"], trail
    ok(second.post(mine, json={"owner": chain.signers[7].address}))  # another key: the maker's checker
    assert ok(safe_api.admin.get(f"/proposals/{own['proposal_id']}"))["status"] == "pending"


def through_the_safe(api: Api, answer: Any) -> None:
    """Approve a 202's proposal with a platform-held key (owner 7) and a wallet's signature (owner 13)."""
    assert answer.status_code == 202, answer.text
    url = f"/proposals/{answer.json()['proposal_id']}"
    typed = ok(api.admin.get(url))["typed_data"]
    ok(api.admin.post(f"{url}/approvals", json={"owner": api.platform.chain.signers[7].address}))
    assert ok(api.admin.post(f"{url}/approvals", json={"signature": wallet_signature(typed)}))["status"] == "executed"


def test_a_recovery_in_several_assets_is_refused_whole_under_a_safe(safe_api: Api, chain: Chain) -> None:
    lost, new = chain.signers[2].address, chain.signers[6].address
    everywhere = {"lost": lost, "new": new, "reason": "lost phone"}
    answer = refused(safe_api.issuer.post("/investors/HK-2/recover-wallet", json=everywhere,
                                          headers={"Idempotency-Key": secrets.token_hex(8)}), 422,
                     "recovery_exceeds_proposal")  # fmt: skip
    assert answer["assets"] == ["SAFE", "ANNEX"] and ok(safe_api.admin.get("/proposals")) == []
    through_the_safe(safe_api, safe_api.registrar.post("/investors/HK-2/wallets", json={"address": new}))
    through_the_safe(safe_api, safe_api.registrar.delete(f"/investors/HK-2/wallets/{lost}"))
    one = {"lost": lost, "new": new, "investor_id": "HK-2", "reason": "lost phone"}
    through_the_safe(safe_api, safe_api.issuer.post("/assets/SAFE/recover-wallet", json=one,
                                                    headers={"Idempotency-Key": secrets.token_hex(8)}))  # fmt: skip
    through_the_safe(safe_api, safe_api.issuer.post("/investors/HK-2/recover-wallet", json=everywhere,
                                                    headers={"Idempotency-Key": secrets.token_hex(8)}))  # fmt: skip
    assert (balance(safe_api, new), balance(safe_api, lost)) == (50, 0)
    annex = safe_api.platform.assets.token("ANNEX").functions
    assert (annex.balanceOf(new).call(), annex.balanceOf(lost).call()) == (5, 0)
