"""Issuances: single and batch, idempotency keys, refusals with nothing half-written."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from eth_account import Account
from sqlmodel import Session, select

from rwakit.api.services.keyed_steps import StepFaults
from rwakit.contracts.restrictions import Restriction
from rwakit.db.issuances import Issuance
from rwakit.db.journal import TxLog
from rwakit.db.keys import Role, create_api_key
from tests.api.conftest import Api, iso, ok, refused


def issuance_rows(api: Api) -> list[Issuance]:
    with Session(api.engine) as session:
        return list(session.exec(select(Issuance)).all())


def tx_log(api: Api) -> list[TxLog]:
    with Session(api.engine) as session:
        return list(session.exec(select(TxLog).order_by(TxLog.id)).all())  # type: ignore[arg-type]


def setup_hvt(api: Api, wallets: list[str]) -> None:
    api.create_asset("HVT", "1000000", 6)
    api.register("HK-0001", wallets[0], wallets[1])
    api.register("SG-0001", wallets[2], country="SG")


def test_issue_to_an_investor_exactly_and_journal_it(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    result = ok(api.issue("HVT", "HK-0001", "12.500001", key="first"), 201)
    assert result["status"] == "completed" and result["kind"] == "single" and result["asset"] == "HVT"
    assert result["issued_rows"] == 1 and result["refused_rows"] == 0 and result["tx_hash"].startswith("0x")
    (row,) = result["rows"]
    assert row == {"index": 0, "to": "HK-0001", "wallet": wallets[0], "amount": "12.500001", "chunk": 0,
                   "status": "issued", "error": None}  # fmt: skip
    assert api.total_supply("HVT") == 12_500_001
    (stored,) = issuance_rows(api)
    assert stored.idempotency_key == "first" and stored.status == "completed" and stored.tx_hash == result["tx_hash"]
    journalled = [t for t in tx_log(api) if t.ref == f"issuance:{result['id']}/0"]
    assert [(t.status, t.tx_hash) for t in journalled] == [("mined", result["tx_hash"])]
    assert ok(api.issuer.get(f"/issuances/{result['id']}")) == result
    assert [i["id"] for i in ok(api.registrar.get("/issuances", params={"asset": "HVT"}))] == [result["id"]]


def test_the_staff_share_idempotency_keys(api: Api, wallets: list[str]) -> None:
    """Another staff key retrying the same key and body gets the first answer, replayed, and mints nothing
    more (an investor's keys are its own: tests/api/test_fund_dealing.py)."""
    setup_hvt(api, wallets)
    first = ok(api.issue("HVT", "SG-0001", "100", key="ours"), 201)
    with Session(api.engine) as session:
        _, other = create_api_key(session, role=Role.ISSUER, name="another issuer")
    again = api.client.post("/issuances", json={"asset": "HVT", "to": "SG-0001", "amount": "100"},
                            headers={"Idempotency-Key": "ours", "Authorization": f"Bearer {other}"})  # fmt: skip
    assert again.json() == first and again.headers["Idempotent-Replayed"] == "true"
    assert api.total_supply("HVT") == 100 * 10**6 and len(issuance_rows(api)) == 1


def test_the_same_key_twice_mints_once(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    first = api.issue("HVT", "SG-0001", "100", key="retry-me")
    second = api.issue("HVT", "SG-0001", "100", key="retry-me")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert api.total_supply("HVT") == 100 * 10**6
    assert len(issuance_rows(api)) == 1
    assert len([t for t in tx_log(api) if (t.ref or "").startswith("issuance:")]) == 1


def test_the_same_key_with_another_body_is_422(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    ok(api.issue("HVT", "SG-0001", "100", key="k1"), 201)
    body = refused(api.issue("HVT", "SG-0001", "101", key="k1"), 422, "idempotency_key_reused")
    assert body["issuance_id"] == issuance_rows(api)[0].id
    refused(api.issue("HVT", "HK-0001", "100", key="k1"), 422, "idempotency_key_reused")
    batch = {"asset": "HVT", "allocations": [{"to": "SG-0001", "amount": "100"}]}
    refused(api.issuer.post("/issuances/batch", json=batch, headers={"Idempotency-Key": "k1"}), 422,
            "idempotency_key_reused")  # fmt: skip
    assert api.total_supply("HVT") == 100 * 10**6


def test_an_idempotency_key_is_required(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    body = {"asset": "HVT", "to": "SG-0001", "amount": "1"}
    refused(api.issuer.post("/issuances", json=body), 422, "idempotency_key_required")
    refused(api.issuer.post("/issuances", json=body, headers={"Idempotency-Key": " "}), 422, "idempotency_key_required")
    refused(api.issuer.post("/issuances", json=body, headers={"Idempotency-Key": "x" * 256}), 422,
            "invalid_idempotency_key")  # fmt: skip
    assert api.total_supply("HVT") == 0


def test_a_duplicate_still_in_progress_is_409(api: Api, wallets: list[str]) -> None:
    """A pending row with the key (another request is minting right now) answers 409, mints nothing."""
    from rwakit.api.schemas.issuances import IssuanceCreate
    from rwakit.api.services.issuances import _request_hash

    setup_hvt(api, wallets)
    body = IssuanceCreate(asset="HVT", to="SG-0001", amount="5")
    with Session(api.engine) as session:
        session.add(Issuance(idempotency_key="busy", request_hash=_request_hash("single", body), kind="single",
                             asset_symbol="HVT", asset_address=api.platform.assets.resolve("HVT"),
                             api_key_prefix=api.key("issuer").split("_")[1]))  # fmt: skip
        session.commit()
    refused(api.issue("HVT", "SG-0001", "5", key="busy"), 409, "idempotency_key_in_progress")
    refused(api.issue("HVT", "SG-0001", "6", key="busy"), 422, "idempotency_key_reused")
    assert api.total_supply("HVT") == 0


def test_concurrent_duplicates_mint_once(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    results: list[Any] = []
    start = threading.Barrier(4)

    def send() -> None:
        start.wait()
        results.append(api.issue("HVT", "HK-0001", "7", key="racing"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(r.status_code for r in results)
    assert set(statuses) <= {201, 409} and 201 in statuses, [r.text for r in results]
    assert all(r.json()["code"] == "idempotency_key_in_progress" for r in results if r.status_code == 409)
    assert len({r.json()["id"] for r in results if r.status_code == 201}) == 1
    assert api.total_supply("HVT") == 7 * 10**6 and len(issuance_rows(api)) == 1


def test_too_many_decimals_is_422_and_writes_nothing(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    body = refused(api.issue("HVT", "HK-0001", "1.0000001"), 422, "too_many_decimals")
    assert body["decimals"] == 6
    refused(api.issue("HVT", "HK-0001", "0"), 422, "invalid_amount")
    refused(api.issue("HVT", "HK-0001", "-1"), 422, "invalid_amount")
    refused(api.issue("HVT", "HK-0001", "1e3"), 422, "invalid_amount")
    number = api.issuer.post("/issuances", json={"asset": "HVT", "to": "HK-0001", "amount": 1.5},
                             headers={"Idempotency-Key": "float"})  # fmt: skip
    refused(number, 422, "invalid_request")
    assert issuance_rows(api) == [] and api.total_supply("HVT") == 0


def test_unverified_investors_are_409_with_the_reason_and_leave_no_row(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    stranger = Account.create().address
    body = refused(api.issue("HVT", stranger, "1", key="to-stranger"), 409, "compliance_refused")
    assert body["reason_code"] == Restriction.RECEIVER_NOT_REGISTERED and body["reason"] == "receiver_not_registered"
    assert body["args"]["to"] == stranger
    ok(api.registrar.post("/investors/SG-0001/revoke"))
    body = refused(api.issue("HVT", "SG-0001", "1"), 409, "compliance_refused")
    assert (body["reason_code"], body["reason"]) == (Restriction.RECEIVER_REVOKED, "receiver_revoked")
    ok(api.registrar.patch("/investors/HK-0001", json={"kyc_expiry": iso(api.now() - 10)}))
    body = refused(api.issue("HVT", "HK-0001", "1"), 409, "compliance_refused")
    assert body["reason"] == "receiver_kyc_expired"
    refused(api.issue("HVT", "NOBODY", "1"), 404, "investor_not_found")
    refused(api.issue("HVT", "0x1234", "1"), 422, "invalid_address")
    assert issuance_rows(api) == [] and api.total_supply("HVT") == 0
    # a refused key was never used: once the investor is registered, the same key issues
    api.register("LATE", stranger)
    assert ok(api.issue("HVT", stranger, "1", key="to-stranger"), 201)["status"] == "completed"


def test_a_refusal_names_the_amount_in_shares_as_given(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    stranger = Account.create().address
    body = refused(api.issue("HVT", stranger, "1.5"), 409, "compliance_refused")
    assert body["message"] == f"issue 1.5 HVT to {stranger} refused: receiver_not_registered"


def test_over_the_authorised_shares_is_409(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    ok(api.issue("HVT", "HK-0001", "999999.999999"), 201)
    body = refused(api.issue("HVT", "SG-0001", "0.000002"), 409, "compliance_refused")
    assert (body["reason_code"], body["reason"]) == (Restriction.EXCEEDS_AUTHORISED, "exceeds_authorised")
    assert len(issuance_rows(api)) == 1 and api.total_supply("HVT") == 999_999_999_999


def test_issuing_to_a_paused_asset_follows_the_contract(api: Api, wallets: list[str]) -> None:
    """Pausing stops holder transfers, not the issuer (see docs/compliance-and-controls.md): issuance still succeeds."""
    setup_hvt(api, wallets)
    ok(api.issuer.post("/assets/HVT/pause"))
    assert ok(api.issue("HVT", "HK-0001", "1"), 201)["status"] == "completed"


def test_batch_issuance_reports_every_row(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    allocations = [{"to": "HK-0001", "amount": "1.5"}, {"to": wallets[1], "amount": "2"},
                   {"to": "SG-0001", "amount": "0.000001"}]  # fmt: skip
    result = ok(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": allocations},
                                headers={"Idempotency-Key": "b1"}), 201)  # fmt: skip
    assert result["status"] == "completed" and result["kind"] == "batch" and result["issued_rows"] == 3
    assert [r["wallet"] for r in result["rows"]] == [wallets[0], wallets[1], wallets[2]]
    assert [c["status"] for c in result["chunks"]] == ["issued"]
    assert api.total_supply("HVT") == 3_500_001
    holdings = ok(api.issuer.get("/investors/HK-0001/holdings"))["holdings"]
    assert holdings[0]["amount"] == "3.5"


def test_a_refused_chunk_is_all_or_nothing_and_the_others_go_through(api: Api, wallets: list[str]) -> None:
    """Chunks of 2 rows, all fitting the authorised shares when checked; another issuer's mint then takes
    most of them before the second chunk is sent, so it is refused whole and the third still goes."""
    setup_hvt(api, wallets)
    allocations = [{"to": "HK-0001", "amount": "1"}, {"to": "SG-0001", "amount": "1"},
                   {"to": "SG-0001", "amount": "300000"}, {"to": wallets[1], "amount": "300000"},
                   {"to": wallets[1], "amount": "4"}]  # fmt: skip
    with chunk_size(api, 2), another_mint(api, before_chunk=1, amount="500000"):
        result = ok(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": allocations},
                                    headers={"Idempotency-Key": "partial"}), 201)  # fmt: skip
    assert result["status"] == "partial" and result["issued_rows"] == 3 and result["refused_rows"] == 2
    assert [c["status"] for c in result["chunks"]] == ["issued", "refused", "issued"]
    assert result["chunks"][1]["error"]["reason"] == "exceeds_authorised"
    rows = result["rows"]
    assert [r["status"] for r in rows] == ["issued", "issued", "not_issued", "not_issued", "issued"]
    assert rows[2]["error"]["code"] == rows[3]["error"]["code"] == "chunk_refused"
    assert api.total_supply("HVT") == 500_006 * 10**6
    again = api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": allocations},
                            headers={"Idempotency-Key": "partial"})  # fmt: skip
    assert ok(again, 201) == result and api.total_supply("HVT") == 500_006 * 10**6


def test_a_batch_with_every_chunk_refused_is_409_and_leaves_no_row(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    allocations = [{"to": "HK-0001", "amount": "400000"}, {"to": "SG-0001", "amount": "400000"}]
    with another_mint(api, before_chunk=0, amount="300000"):  # checked, then the room is taken
        body = refused(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": allocations},
                                       headers={"Idempotency-Key": "none"}), 409, "batch_refused")  # fmt: skip
    assert [r["status"] for r in body["rows"]] == ["not_issued", "not_issued"] and body["refused_rows"] == 2
    assert body["chunks"][0]["error"]["reason"] == "exceeds_authorised"
    assert body["chunks"][0]["error"]["message"] == "issue HVT to rows 0-1 refused: exceeds_authorised"
    assert issuance_rows(api) == [] and api.total_supply("HVT") == 300_000 * 10**6


def test_a_batch_the_rules_would_refuse_is_409_before_anything_is_sent(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    ok(api.registrar.post("/investors/SG-0001/revoke"))
    strangers = [Account.create().address for _ in range(150)]
    allocations = [{"to": "HK-0001", "amount": "1"}, {"to": "SG-0001", "amount": "1"}]
    allocations += [{"to": stranger, "amount": "1"} for stranger in strangers]
    body = refused(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": allocations},
                                   headers={"Idempotency-Key": "strangers"}), 409, "batch_ineligible")  # fmt: skip
    assert body["refused_rows"] == 151 and len(body["rows"]) == 100 and "first 100" in body["message"]
    assert body["rows"][:2] == [
        {"index": 1, "to": "SG-0001", "reason_code": Restriction.RECEIVER_REVOKED, "reason": "receiver_revoked",
         "message": "The asset's rules refuse this wallet (reason code 7, receiver_revoked)"},
        {"index": 2, "to": strangers[0], "reason_code": Restriction.RECEIVER_NOT_REGISTERED,
         "reason": "receiver_not_registered",
         "message": "The asset's rules refuse this wallet (reason code 3, receiver_not_registered)"}]  # fmt: skip
    assert issuance_rows(api) == [] and api.total_supply("HVT") == 0
    assert not [t for t in tx_log(api) if t.ref and t.ref.startswith("issuance:")]


def test_invalid_rows_reject_the_whole_batch_with_each_row_named(api: Api, wallets: list[str]) -> None:
    setup_hvt(api, wallets)
    allocations = [{"to": "HK-0001", "amount": "1"}, {"to": "NOBODY", "amount": "1"},
                   {"to": "SG-0001", "amount": "0.0000001"}, {"to": "SG-0001", "amount": "0"}]  # fmt: skip
    body = refused(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": allocations},
                                   headers={"Idempotency-Key": "bad"}), 422, "invalid_rows")  # fmt: skip
    assert [(r["index"], r["code"]) for r in body["rows"]] == [
        (1, "investor_not_found"), (2, "too_many_decimals"), (3, "invalid_amount")]  # fmt: skip
    nobody = [{"to": f"NOBODY-{i}", "amount": "1"} for i in range(150)]
    many = refused(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": nobody},
                                   headers={"Idempotency-Key": "bad1"}), 422, "invalid_rows")  # fmt: skip
    assert many["invalid_rows"] == 150 and len(many["rows"]) == 100
    bad_address = [{"to": "0xnope", "amount": "1"}]
    refused(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": bad_address},
                            headers={"Idempotency-Key": "bad2"}), 422, "invalid_address")  # fmt: skip
    refused(api.issuer.post("/issuances/batch", json={"asset": "HVT", "allocations": []},
                            headers={"Idempotency-Key": "bad3"}), 422, "invalid_request")  # fmt: skip
    assert issuance_rows(api) == [] and api.total_supply("HVT") == 0


class chunk_size:  # a context manager, named like one
    """Temporarily change the app's issuance chunk size."""

    def __init__(self, api: Api, size: int) -> None:
        self.settings = api.client.app.state.runtime.settings  # type: ignore[attr-defined]
        self.size = size

    def __enter__(self) -> None:
        self.before = self.settings.issuance_chunk_size
        self.settings.issuance_chunk_size = self.size

    def __exit__(self, *_: object) -> None:
        self.settings.issuance_chunk_size = self.before


@contextmanager
def another_mint(api: Api, *, before_chunk: int, amount: str) -> Iterator[None]:
    """Another issuer's mint of `amount` HVT lands after a batch was checked, just before its chunk
    `before_chunk` is sent: the chain has moved on from the state the check read."""
    runtime = api.client.app.state.runtime  # type: ignore[attr-defined]
    minted: list[str] = []

    def mint(ref: str) -> None:
        if ref.endswith(f"/{before_chunk}") and not minted:
            minted.append(ref)
            api.platform.assets.issue("HVT", "HK-0001", amount)

    runtime.faults = StepFaults(before_send=mint)
    try:
        yield
    finally:
        runtime.faults = None
    assert minted, "the batch never reached the chunk"
