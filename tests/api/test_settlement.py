"""/trades and /distributions: investors trade from their custodial wallets, the issuer distributes,
claims with proofs; roles and wallets checked, refusals with their codes."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select
from web3.types import BlockIdentifier

from rwakit.api.services.keyed_steps import StepFaults
from rwakit.db.journal import TxLog
from rwakit.db.settlement import SettlementRequest
from rwakit.platform import Platform
from rwakit.settlement.services import Settlement
from tests.api.conftest import Api, TestClient, ok, refused
from tests.conftest import advance_time


def keyed(key: str | None = None) -> dict[str, str]:
    """The Idempotency-Key header every value-moving POST needs (a fresh key unless named)."""
    return {"Idempotency-Key": key or secrets.token_hex(8)}


@pytest.fixture
def seeded(api: Api, wallets: list[str], api_platform: Platform) -> Api:
    """HVT; HK-0001 (custodial wallet 0) holds 1,000 shares, SG-0001 (wallet 2) holds HKD 100,000."""
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0])
    api.register("SG-0001", wallets[2], country="SG")
    for wallet in (wallets[0], wallets[2]):
        ok(api.registrar.post("/custodial-wallets", json={"address": wallet}), 201)
    ok(api.issue("HVT", "HK-0001", "1000"), 201)
    cash = Settlement.open(api_platform).cash
    cash.mint(wallets[2], "100000")
    cash.mint(api_platform.chain.operator.address, "100000")
    return api


def test_a_trade_through_the_api(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    hk, sg = api.investor("HK-0001"), api.investor("SG-0001")
    body = {"asset": "HVT", "side": "sell", "wallet": wallets[0], "counterparty": "SG-0001", "quantity": "10",
            "price": "25000.5"}  # fmt: skip
    refused(sg.post("/trades", json=body, headers=keyed()), 403, "forbidden_wallet")  # not SG-0001's wallet
    trade = ok(hk.post("/trades", json=body, headers=keyed()), 201)
    assert (trade["status"], trade["quantity"], trade["price"], trade["currency"]) == (
        "proposed",
        "10",
        "25000.5",
        "HKD",
    )
    refused(
        hk.post(f"/trades/{trade['id']}/settle", json={"wallet": wallets[0]}, headers=keyed()), 409, "contract_revert"
    )
    accepted = ok(sg.post(f"/trades/{trade['id']}/accept", json={"wallet": wallets[2]}, headers=keyed()))
    assert accepted["status"] == "accepted"
    assert (
        ok(hk.post(f"/trades/{trade['id']}/settle", json={"wallet": wallets[0]}, headers=keyed()))["status"]
        == "settled"
    )
    assert [t["id"] for t in ok(api.issuer.get("/trades", params={"status": "settled"}))] == [trade["id"]]
    refused(api.issuer.get("/trades/99"), 404, "trade_not_found")
    refused(hk.post("/trades/99/accept", json={"wallet": wallets[0]}, headers=keyed()), 404, "trade_not_found")
    assert api.issuer.get("/trades", params={"status": "lost"}).status_code == 422


def test_a_sellers_two_open_trades_settle_and_a_cancel_lowers_the_allowance_through_the_api(
    seeded: Api, wallets: list[str], api_platform: Platform
) -> None:
    api, trades = seeded, Settlement.open(api_platform).trades
    hk, sg = api.investor("HK-0001"), api.investor("SG-0001")
    body = {"asset": "HVT", "side": "sell", "wallet": wallets[0], "counterparty": "SG-0001", "quantity": "10",
            "price": "100"}  # fmt: skip
    first, second, third = (ok(hk.post("/trades", json=body, headers=keyed()), 201) for _ in range(3))
    assert trades.allowance(wallets[0], "HVT") == 30 * 10**6
    ok(hk.post(f"/trades/{third['id']}/cancel", json={"wallet": wallets[0]}, headers=keyed()))
    assert trades.allowance(wallets[0], "HVT") == 20 * 10**6  # what the two live trades need
    for trade in (first, second):
        ok(sg.post(f"/trades/{trade['id']}/accept", json={"wallet": wallets[2]}, headers=keyed()))
    for trade in (first, second):
        settled = ok(hk.post(f"/trades/{trade['id']}/settle", json={"wallet": wallets[0]}, headers=keyed()))
        assert settled["status"] == "settled"
    refused(  # a trade already cancelled: nothing is sent, nothing lowered twice
        hk.post(f"/trades/{third['id']}/cancel", json={"wallet": wallets[0]}, headers=keyed()), 409, "contract_revert"
    )


def test_the_desk_matches_two_proposals_through_the_api(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    hk, sg = api.investor("HK-0001"), api.investor("SG-0001")
    sell = ok(hk.post("/trades", json={"asset": "HVT", "side": "sell", "wallet": wallets[0], "quantity": "3",
                                       "price": "30"}, headers=keyed()), 201)  # fmt: skip
    buy = ok(sg.post("/trades", json={"asset": "HVT", "side": "buy", "wallet": wallets[2], "quantity": "3",
                                      "price": "30"}, headers=keyed()), 201)  # fmt: skip
    odd = ok(sg.post("/trades", json={"asset": "HVT", "side": "buy", "wallet": wallets[2], "quantity": "4",
                                      "price": "30"}, headers=keyed()), 201)  # fmt: skip
    url = f"/trades/{sell['id']}/match"
    refused(hk.post(url, json={"buy_id": buy["id"]}, headers=keyed()), 403, "forbidden")  # the desk only
    refused(api.admin.post(url, json={"buy_id": 99}, headers=keyed()), 404, "trade_not_found")
    refused(api.admin.post(url, json={"buy_id": odd["id"]}, headers=keyed()), 409, "contract_revert")
    refused(api.admin.post(url, json={"buy_id": buy["id"]}), 422, "idempotency_key_required")
    matched = ok(api.admin.post(url, json={"buy_id": buy["id"]}, headers=keyed()))
    assert (matched["status"], matched["buyer"]) == ("accepted", wallets[2])
    assert ok(api.issuer.get(f"/trades/{buy['id']}"))["status"] == "cancelled"


def test_a_distribution_through_the_api(seeded: Api, wallets: list[str]) -> None:
    api = seeded
    refused(
        api.investor("HK-0001").post("/distributions", json={"asset": "HVT", "amount": "1"}, headers=keyed()),
        403,
        "forbidden",
    )
    d = ok(
        api.issuer.post(
            "/distributions", json={"asset": "HVT", "amount": "5000.000001", "uri": "ipfs://t"}, headers=keyed()
        ),
        201,
    )
    assert (d["amount"], d["allocated"], d["remainder"], d["claimed"]) == ("5000.000001", "5000.000001", "0", "0")
    [mine] = ok(api.investor("HK-0001").get(f"/distributions/{d['id']}/claimable/HK-0001"))
    assert mine["amount"] == "5000.000001" and not mine["claimed"] and mine["proof"] == []
    refused(api.investor("SG-0001").get(f"/distributions/{d['id']}/claimable/HK-0001"), 403, "forbidden_wallet")
    refused(api.issuer.get(f"/distributions/{d['id']}/claimable/SG-0001"), 404, "not_a_holder_of_record")
    assert ok(
        api.investor("HK-0001").post(f"/distributions/{d['id']}/claim", json={"wallet": wallets[0]}, headers=keyed())
    )[0]["claimed"]
    claim = api.investor("HK-0001").post(
        f"/distributions/{d['id']}/claim", json={"wallet": wallets[0]}, headers=keyed()
    )
    refused(claim, 409, "contract_revert")
    refused(
        api.issuer.post(f"/distributions/{d['id']}/reclaim", headers=keyed()), 409, "contract_revert"
    )  # before the deadline
    assert ok(api.issuer.get("/distributions"))[0]["claimed"] == "5000.000001"


def test_an_investor_with_two_wallets_sees_and_claims_both_leaves(
    seeded: Api, wallets: list[str], api_platform: Platform
) -> None:
    api, hk, cash = seeded, seeded.investor("HK-0001"), Settlement.open(api_platform).cash
    ok(api.registrar.post("/investors/HK-0001/wallets", json={"address": wallets[3]}), 201)
    ok(api.registrar.post("/custodial-wallets", json={"address": wallets[3]}), 201)
    ok(hk.post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": wallets[3], "amount": "250"}), 201)
    cash.mint(wallets[2], "1")  # a block after the transfer's: the default record block has it
    d = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "10.000001"}, headers=keyed()), 201)
    leaves = ok(hk.get(f"/distributions/{d['id']}/claimable/HK-0001"))
    assert {leaf["wallet"]: leaf["amount"] for leaf in leaves} == {wallets[0]: "7.5", wallets[3]: "2.5"}  # each floored
    refused(api.investor("SG-0001").get(f"/distributions/{d['id']}/claimable/HK-0001"), 403, "forbidden_wallet")
    refused(api.investor("SG-0001").post(f"/distributions/{d['id']}/claim", json={"wallet": "HK-0001"},
                                         headers=keyed()), 403, "forbidden_wallet")  # fmt: skip
    paid = ok(hk.post(f"/distributions/{d['id']}/claim", json={"wallet": "HK-0001"}, headers=keyed()))
    assert [leaf["claimed"] for leaf in paid] == [True, True] and cash.balance(wallets[3]) == 2_500_000
    (row,) = [r for r in requests(api) if r.operation == "claim"]
    assert [step["status"] for step in row.steps] == ["done", "done"]  # one transaction per leaf


def test_the_register_comes_from_the_index_as_of_the_record_block(
    seeded: Api, wallets: list[str], api_platform: Platform
) -> None:
    api = seeded
    record = api_platform.chain.w3.eth.block_number
    ok(api.investor("HK-0001").post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": "SG-0001",
                                                        "amount": "400"}), 201)  # fmt: skip
    before = ok(
        api.issuer.post(
            "/distributions", json={"asset": "HVT", "amount": "100", "record_block": record}, headers=keyed()
        ),
        201,
    )
    refused(api.issuer.get(f"/distributions/{before['id']}/claimable/SG-0001"), 404, "not_a_holder_of_record")
    now = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "100"}, headers=keyed()), 201)
    assert ok(api.issuer.get(f"/distributions/{now['id']}/claimable/SG-0001"))[0]["amount"] == "40"
    latest = api_platform.chain.w3.eth.block_number
    body = {"asset": "HVT", "amount": "1", "record_block": latest + 10}
    refused(api.issuer.post("/distributions", json=body, headers=keyed()), 422, "invalid_record_block")


def test_a_record_date_is_dated_by_the_index(seeded: Api, wallets: list[str], api_platform: Platform) -> None:
    api, w3 = seeded, api_platform.chain.w3

    def day(block: BlockIdentifier) -> str:
        return datetime.fromtimestamp(int(w3.eth.get_block(block)["timestamp"]), UTC).date().isoformat()

    record_day = day("latest")
    advance_time(api_platform.chain, 2 * 86_400)
    next_day = w3.eth.block_number
    ok(api.investor("HK-0001").post("/transfers", json={"asset": "HVT", "from": wallets[0], "to": "SG-0001",
                                                        "amount": "400"}), 201)  # fmt: skip
    d = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "100", "record_date": record_day},
                           headers=keyed()), 201)  # fmt: skip
    # the index's rule (as ?at= reads): its last block of the day, the last with a platform event, so the
    # register is the day's last (blocks with only coin mints after it are not indexed)
    assert d["record_block"] <= next_day - 1
    assert ok(api.issuer.get(f"/distributions/{d['id']}/claimable/HK-0001"))[0]["amount"] == "100"
    refused(api.issuer.get(f"/distributions/{d['id']}/claimable/SG-0001"), 404, "not_a_holder_of_record")
    for body, code in (({"record_date": day("latest")}, "record_date_in_future"),
                       ({"record_date": "2000-01-01"}, "record_date_too_early"),
                       ({"record_date": record_day, "record_block": 1}, "record_block_and_date")):  # fmt: skip
        refused(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "1", **body}, headers=keyed()), 422,
                code)  # fmt: skip
    assert api.issuer.post("/distributions", json={"asset": "HVT", "amount": "1", "record_date": "2026-13-01"},
                           headers=keyed()).status_code == 422  # fmt: skip
    assert len(ok(api.issuer.get("/distributions"))) == 1


# -- idempotency keys ---------------------------------------------------------------------------


@pytest.fixture
def short_lease(api: Api) -> Iterator[None]:
    settings = api.client.app.state.runtime.settings  # type: ignore[attr-defined]
    before, settings.issuance_lease_seconds = settings.issuance_lease_seconds, 0.001
    yield
    settings.issuance_lease_seconds = before


@pytest.fixture
def crash(api: Api) -> Iterator[Callable[[StepFaults | None], None]]:
    """Makes the API's keyed requests die where the given faults say, until called with None."""
    runtime = api.client.app.state.runtime  # type: ignore[attr-defined]

    def at(faults: StepFaults | None) -> None:
        runtime.faults = faults

    yield at
    runtime.faults = None


def requests(api: Api) -> list[SettlementRequest]:
    with Session(api.engine) as session:
        return list(session.exec(select(SettlementRequest).order_by(SettlementRequest.id)).all())  # type: ignore[arg-type]


def money_txs(api: Api) -> list[TxLog]:
    with Session(api.engine) as session:
        query = select(TxLog).where(TxLog.ref.startswith("settlement:"))  # type: ignore[union-attr]
        return list(session.exec(query).all())


def test_every_value_moving_post_needs_an_idempotency_key(seeded: Api, wallets: list[str]) -> None:
    api, hk = seeded, seeded.investor("HK-0001")
    sell = {"asset": "HVT", "side": "sell", "wallet": wallets[0], "counterparty": "SG-0001", "quantity": "1",
            "price": "1"}  # fmt: skip
    calls = [(hk, "/trades", sell), (hk, "/trades/1/accept", {"wallet": wallets[0]}),
             (hk, "/trades/1/settle", {"wallet": wallets[0]}), (hk, "/trades/1/cancel", {"wallet": wallets[0]}),
             (api.admin, "/trades/1/match", {"buy_id": 2}),
             (api.issuer, "/distributions", {"asset": "HVT", "amount": "1"}),
             (hk, "/distributions/1/claim", {"wallet": wallets[0]}),
             (api.issuer, "/distributions/1/reclaim", None)]  # fmt: skip
    for client, url, body in calls:
        refused(client.post(url, json=body), 422, "idempotency_key_required")
        refused(client.post(url, json=body, headers={"Idempotency-Key": " "}), 422, "idempotency_key_required")
        refused(client.post(url, json=body, headers=keyed("x" * 256)), 422, "invalid_idempotency_key")
    assert requests(api) == [] and money_txs(api) == []
    assert ok(api.issuer.get("/trades")) == [] and ok(api.issuer.get("/distributions")) == []
    paths = ok(api.anonymous.get("/openapi.json"))["paths"]
    for _, url, _ in calls:
        operation = paths[url.replace("/1/", "/{trade_id}/" if "trades" in url else "/{distribution_id}/")]["post"]
        (header,) = [p for p in operation["parameters"] if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key" and header["required"] is True, url


def test_a_retried_distribution_funds_once(seeded: Api, api_platform: Platform) -> None:
    api, cash = seeded, Settlement.open(api_platform).cash
    issuer = api_platform.chain.operator.address
    body = {"asset": "HVT", "amount": "250", "uri": "ipfs://q1"}
    first = api.issuer.post("/distributions", json=body, headers=keyed("q1-income"))
    d = ok(first, 201)
    assert "Idempotent-Replayed" not in first.headers and cash.balance(issuer) == 99_750 * 10**6
    again = api.issuer.post("/distributions", json=body, headers=keyed("q1-income"))
    assert ok(again, 201) == d and again.headers["Idempotent-Replayed"] == "true"
    assert cash.balance(issuer) == 99_750 * 10**6 and len(ok(api.issuer.get("/distributions"))) == 1
    other = {**body, "amount": "251"}  # the same key for another distribution
    reused = refused(api.issuer.post("/distributions", json=other, headers=keyed("q1-income")), 422,
                     "idempotency_key_reused")  # fmt: skip
    assert reused["settlement_id"] == requests(api)[0].id
    # keys are global: a control's or an issuance's key names that request, not a new one
    refused(api.issue("HVT", "HK-0001", "1", key="q1-income"), 422, "idempotency_key_reused")
    assert cash.balance(issuer) == 99_750 * 10**6 and [r.status for r in requests(api)] == ["completed"]


def test_a_retried_claim_pays_once(seeded: Api, wallets: list[str], api_platform: Platform) -> None:
    api, hk, cash = seeded, seeded.investor("HK-0001"), Settlement.open(api_platform).cash
    d = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "30"}, headers=keyed()), 201)
    url = f"/distributions/{d['id']}/claim"
    paid = ok(hk.post(url, json={"wallet": wallets[0]}, headers=keyed("claim-1")))
    assert paid[0]["claimed"] and cash.balance(wallets[0]) == 30 * 10**6
    again = hk.post(url, json={"wallet": wallets[0]}, headers=keyed("claim-1"))
    assert ok(again) == paid and again.headers["Idempotent-Replayed"] == "true"
    assert cash.balance(wallets[0]) == 30 * 10**6
    refused(hk.post(url, json={"wallet": "HK-0001"}, headers=keyed("claim-1")), 422, "idempotency_key_reused")
    # another investor's key cannot claim for HK-0001, and a refused request leaves no row: its key is free
    refused(api.investor("SG-0001").post(url, json={"wallet": wallets[0]}, headers=keyed("sg")), 403,
            "forbidden_wallet")  # fmt: skip
    refused(hk.post(url, json={"wallet": wallets[0]}, headers=keyed("claim-2")), 409, "contract_revert")  # paid
    assert [r.idempotency_key for r in requests(api)][1:] == ["claim-1"]
    refused(hk.post("/distributions/99/claim", json={"wallet": wallets[0]}, headers=keyed()), 404,
            "distribution_not_found")  # fmt: skip


def test_a_retried_trade_step_acts_once(seeded: Api, wallets: list[str], api_platform: Platform) -> None:
    api, cash = seeded, Settlement.open(api_platform).cash
    hk, sg = api.investor("HK-0001"), api.investor("SG-0001")
    body = {"asset": "HVT", "side": "sell", "wallet": wallets[0], "counterparty": "SG-0001", "quantity": "10",
            "price": "1000"}  # fmt: skip
    trade = ok(hk.post("/trades", json=body, headers=keyed("sell-10")), 201)
    assert ok(hk.post("/trades", json=body, headers=keyed("sell-10")), 201) == trade
    assert len(ok(api.issuer.get("/trades"))) == 1
    accept = f"/trades/{trade['id']}/accept"
    assert ok(sg.post(accept, json={"wallet": wallets[2]}, headers=keyed("buy-10")))["status"] == "accepted"
    assert ok(sg.post(accept, json={"wallet": wallets[2]}, headers=keyed("buy-10")))["status"] == "accepted"
    assert cash.balance(wallets[2]) == 99_000 * 10**6  # escrowed once
    settle = f"/trades/{trade['id']}/settle"
    settled = ok(hk.post(settle, json={"wallet": wallets[0]}, headers=keyed("settle-10")))
    replay = hk.post(settle, json={"wallet": wallets[0]}, headers=keyed("settle-10"))
    assert ok(replay) == settled and replay.headers["Idempotent-Replayed"] == "true"
    assert settled["status"] == "settled" and cash.balance(wallets[2]) == 99_000 * 10**6
    # the same key on another trade's path is another request
    refused(hk.post("/trades/1/cancel", json={"wallet": wallets[0]}, headers=keyed("settle-10")), 422,
            "idempotency_key_reused")  # fmt: skip


def test_a_crash_after_the_funding_is_reconciled_from_the_journal(
    seeded: Api, api_platform: Platform, short_lease: None, crash: Callable[[StepFaults | None], None]
) -> None:
    api, cash = seeded, Settlement.open(api_platform).cash
    issuer = api_platform.chain.operator.address

    def died(_ref: str) -> None:
        raise RuntimeError("the process died after the funding was mined, before it was saved")

    crash(StepFaults(before_save=died))
    body = {"asset": "HVT", "amount": "40"}
    with pytest.raises(RuntimeError):
        api.issuer.post("/distributions", json=body, headers=keyed("crashed"))
    crash(None)
    (row,) = requests(api)
    assert row.status == "pending" and cash.balance(issuer) == 99_960 * 10**6  # funded; the row does not say so
    assert {t.ref for t in money_txs(api)} == {f"settlement:{row.api_key_prefix}/{row.id}/0",
                                               f"settlement:{row.api_key_prefix}/{row.id}/0/approve"}  # fmt: skip
    retry = api.issuer.post("/distributions", json=body, headers=keyed("crashed"))  # the lease has passed
    d = ok(retry, 201)
    assert retry.headers["Idempotent-Replayed"] == "true" and (d["id"], d["amount"]) == (1, "40")
    assert cash.balance(issuer) == 99_960 * 10**6 and len(ok(api.issuer.get("/distributions"))) == 1
    assert [r.status for r in requests(api)] == ["completed"]


def test_a_crash_before_the_funding_was_sent_frees_the_key_at_startup(
    seeded: Api, api_platform: Platform, short_lease: None, crash: Callable[[StepFaults | None], None]
) -> None:
    api, cash = seeded, Settlement.open(api_platform).cash

    def died(_ref: str) -> None:
        raise RuntimeError("the process died after claiming the key, before signing")

    crash(StepFaults(before_send=died))
    with pytest.raises(RuntimeError):
        api.issuer.post("/distributions", json={"asset": "HVT", "amount": "40"}, headers=keyed("early"))
    crash(None)
    assert [r.status for r in requests(api)] == ["pending"]
    with TestClient(api.client.app):  # a restart: the lifespan reconciles what was left pending
        pass
    assert requests(api) == [] and cash.balance(api_platform.chain.operator.address) == 100_000 * 10**6
    ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "41"}, headers=keyed("early")), 201)


def test_a_settlement_the_asset_refuses_answers_its_refusal_again(
    seeded: Api, wallets: list[str], api_platform: Platform
) -> None:
    api, cash = seeded, Settlement.open(api_platform).cash
    hk, sg = api.investor("HK-0001"), api.investor("SG-0001")
    body = {"asset": "HVT", "side": "sell", "wallet": wallets[0], "counterparty": "SG-0001", "quantity": "5",
            "price": "500"}  # fmt: skip
    trade = ok(hk.post("/trades", json=body, headers=keyed()), 201)
    ok(sg.post(f"/trades/{trade['id']}/accept", json={"wallet": wallets[2]}, headers=keyed()))
    ok(api.issuer.post("/assets/HVT/freeze", json={"wallet": wallets[0], "reason": "court order"}))
    settle = f"/trades/{trade['id']}/settle"
    first = refused(hk.post(settle, json={"wallet": wallets[0]}, headers=keyed("settle-5")), 409, "compliance_refused")
    assert first["trade_status"] == "failed" and cash.balance(wallets[2]) == 100_000 * 10**6  # refunded
    again = hk.post(settle, json={"wallet": wallets[0]}, headers=keyed("settle-5"))
    assert refused(again, 409, "compliance_refused") == first and again.headers["Idempotent-Replayed"] == "true"
    assert ok(api.issuer.get(f"/trades/{trade['id']}"))["status"] == "failed"
    assert [r.status for r in requests(api)] == ["completed", "completed", "completed"]


def test_a_claim_that_crashed_after_paying_is_settled_at_startup(
    seeded: Api, wallets: list[str], api_platform: Platform, short_lease: None,
    crash: Callable[[StepFaults | None], None],
) -> None:  # fmt: skip
    api, hk, cash = seeded, seeded.investor("HK-0001"), Settlement.open(api_platform).cash
    d = ok(api.issuer.post("/distributions", json={"asset": "HVT", "amount": "7"}, headers=keyed()), 201)

    def died(_ref: str) -> None:
        raise RuntimeError("the process died after the claim was mined")

    crash(StepFaults(before_save=died))
    url = f"/distributions/{d['id']}/claim"
    with pytest.raises(RuntimeError):
        hk.post(url, json={"wallet": wallets[0]}, headers=keyed("paid-crash"))
    crash(None)
    assert cash.balance(wallets[0]) == 7 * 10**6 and requests(api)[-1].status == "pending"
    with TestClient(api.client.app):  # a restart: the lifespan reconciles what was left pending
        pass
    assert requests(api)[-1].status == "completed"
    replay = hk.post(url, json={"wallet": wallets[0]}, headers=keyed("paid-crash"))
    assert ok(replay)[0]["claimed"] and replay.headers["Idempotent-Replayed"] == "true"
    assert cash.balance(wallets[0]) == 7 * 10**6
