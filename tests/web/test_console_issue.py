"""The console's CSV issuance over HTTP: the preview names every row the API would refuse and sends
nothing; a clean preview issues once through the API's IssuanceService, however often its form is sent."""

from __future__ import annotations

import re

import pytest
from eth_account import Account

from tests.api.conftest import Api


def words(html: str) -> str:
    return " ".join(html.split())


@pytest.fixture
def issuer(api: Api) -> Api:
    api.create_asset("HVT")
    signed_in = api.client.post("/web/console/sign-in", data={"api_key": api.key("issuer")}, follow_redirects=False)
    assert signed_in.status_code == 303
    return api


def test_the_preview_names_every_refused_row_and_sends_nothing(issuer: Api, wallets: list[str]) -> None:
    issuer.register("HK-0101", wallets[0])
    stranger = Account.create().address
    rows = [
        "to,amount",
        "HK-0101,10",
        "HK-9999,1",
        "0x12,1",
        "HK-0101,1.1234567",
        "HK-0101,0",
        "a,b,c",
        f"{stranger},1",
        "bad id!,1",
        "",
    ]
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVT", "csv": "\n".join(rows)})
    assert page.status_code == 200, page.text
    refused = dict(re.findall(r"<tr class=\"refused\">\s*<td>(\d+)</td>.*?Refused: ([a-z_]+)", page.text, re.DOTALL))
    assert refused == {
        "3": "investor_not_found",
        "4": "invalid_address",
        "5": "too_many_decimals",
        "6": "invalid_amount",
        "7": "invalid_row",
        "8": "receiver_not_registered",
        "9": "invalid_investor_id",
    }
    assert "7 of 8 rows would be refused" in words(page.text) and 'id="issue-confirm"' not in page.text
    assert issuer.total_supply("HVT") == 0


def test_a_clean_preview_issues_once(issuer: Api, wallets: list[str]) -> None:
    issuer.register("HK-0101", wallets[0])
    issuer.register("HK-0102", wallets[1])
    text = f"HK-0101,10\n{wallets[1].lower()},2.5\n"
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVT", "csv": text})
    assert "All 2 rows pass the checks" in words(page.text) and wallets[1] in page.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)  # type: ignore[union-attr]
    form = {"asset": "HVT", "csv": text, "idempotency_key": key}
    done = issuer.client.post("/web/console/issue", data=form)
    assert done.status_code == 200 and "2 rows of HVT issued" in words(done.text), done.text
    again = issuer.client.post("/web/console/issue", data=form)  # the form sent twice: a double click, a reload
    assert "nothing was issued again" in words(again.text)
    assert issuer.total_supply("HVT") == 12_500_000
    reused = issuer.client.post("/web/console/issue", data={**form, "csv": "HK-0101,1"})
    assert reused.status_code == 422 and "idempotency_key_reused" in reused.text


def test_a_batch_refused_by_the_time_it_is_sent_is_previewed_again_not_issued(issuer: Api, wallets: list[str]) -> None:
    issuer.register("HK-0101", wallets[0])
    form = {"asset": "HVT", "csv": "HK-0101,1\nHK-0102,1", "idempotency_key": "k" * 32}
    page = issuer.client.post("/web/console/issue", data=form)
    assert page.status_code == 409 and "investor_not_found" in page.text
    assert issuer.total_supply("HVT") == 0


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        ({"asset": "HVT", "csv": "\n\n"}, 422, "empty_csv"),
        ({"asset": "HVT", "csv": "to,amount\n"}, 422, "empty_csv"),
        ({"asset": "NOPE", "csv": "HK-0101,1"}, 404, "asset_not_found"),
    ],
)
def test_an_empty_file_or_unknown_asset_is_an_error_page(issuer: Api, form: dict[str, str], status: int,
                                                         code: str) -> None:  # fmt: skip
    page = issuer.client.post("/web/console/issue/preview", data=form)
    assert page.status_code == status and code in page.text and page.text.startswith("<!doctype html>")


def test_only_issuer_and_admin_keys_issue(api: Api) -> None:
    api.create_asset("HVT")
    api.client.post("/web/console/sign-in", data={"api_key": api.key("registrar")})
    for answer in (
        api.client.get("/web/console/issue"),
        api.client.post("/web/console/issue/preview", data={"asset": "HVT", "csv": "HK-0101,1"}),
        api.client.post("/web/console/issue", data={"asset": "HVT", "csv": "HK-0101,1", "idempotency_key": "k" * 8}),
    ):
        assert answer.status_code == 403 and "needs an issuer or admin key" in words(answer.text)
    api.client.cookies.clear()
    api.client.post("/web/console/sign-in", data={"api_key": api.key("admin")})
    assert api.client.get("/web/console/issue").status_code == 200


def refused_rows(html: str) -> dict[str, str]:
    """Line number -> code of each refused row of a preview page."""
    return dict(re.findall(r"<tr class=\"refused\">\s*<td>(\d+)</td>.*?Refused: ([a-z_]+)", html, re.DOTALL))


def issued(api: Api, asset: str, text: str) -> str:
    """Preview `text`, then send the preview's form; the result page."""
    page = api.client.post("/web/console/issue/preview", data={"asset": asset, "csv": text})
    assert 'id="issue-confirm"' in page.text, page.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)  # type: ignore[union-attr]
    done = api.client.post("/web/console/issue", data={"asset": asset, "csv": text, "idempotency_key": key})
    assert done.status_code == 200, done.text
    return str(done.text)


def test_rows_that_together_pass_the_authorised_shares_are_refused(issuer: Api, wallets: list[str]) -> None:
    for number, wallet in enumerate(wallets[:3], start=1):
        issuer.register(f"HK-010{number}", wallet)
    # 1,000,000 authorised: each row fits alone; the second takes the batch past them, the third fits after it
    text = "HK-0101,600000\nHK-0102,600000\nHK-0103,400000"
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVT", "csv": text})
    assert refused_rows(page.text) == {"2": "exceeds_authorised"} and 'id="issue-confirm"' not in page.text
    assert "400000 left for it" in page.text
    sent = issuer.client.post("/web/console/issue", data={"asset": "HVT", "csv": text, "idempotency_key": "k" * 32})
    assert sent.status_code == 409 and "exceeds_authorised" in sent.text and "batch_refused" not in sent.text
    assert issuer.total_supply("HVT") == 0
    assert "2 rows of HVT issued" in words(issued(issuer, "HVT", "HK-0101,600000\nHK-0103,400000"))
    assert issuer.total_supply("HVT") == 1_000_000 * 10**6


def test_new_holders_of_a_batch_are_counted_against_the_maximum(issuer: Api, wallets: list[str]) -> None:
    issuer.create_asset("HVL", investor_limits=True)
    for number, wallet in enumerate(wallets[:3], start=1):
        issuer.register(f"HK-010{number}", wallet)
    assert issuer.issue("HVL", "HK-0101", "1").status_code == 201
    assert issuer.compliance.request("PUT", "/assets/HVL/rules/max-holders", json={"max_holders": 2}).status_code == 200
    # HK-0101 holds already; HK-0102 is the one new holder that fits (twice: still one holder); HK-0103 is not
    text = "HK-0101,5\nHK-0102,1\nHK-0102,1\nHK-0103,1"
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVL", "csv": text})
    assert refused_rows(page.text) == {"4": "max_holders_reached"}, page.text
    assert "1 new holders fit" in page.text
    assert "3 rows of HVL issued" in words(issued(issuer, "HVL", "HK-0101,5\nHK-0102,1\nHK-0102,1"))
    assert issuer.total_supply("HVL") == 8 * 10**6


def test_an_investors_rows_are_summed_against_the_maximum_balance(issuer: Api, wallets: list[str]) -> None:
    issuer.create_asset("HVL", investor_limits=True)
    issuer.register("HK-0101", wallets[0], wallets[1])
    issuer.register("HK-0102", wallets[2])
    assert issuer.compliance.request("PUT", "/assets/HVL/rules/max-balance", json={"amount": "100"}).status_code == 200
    assert issuer.issue("HVL", "HK-0101", "60").status_code == 201
    # HK-0101 holds 60 over two wallets' rows: 30 and 10 fit, 0.000001 more does not; HK-0102's 100 fits
    text = f"HK-0101,30\n{wallets[1]},10\nHK-0102,100\n{wallets[0]},0.000001"
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVL", "csv": text})
    assert refused_rows(page.text) == {"4": "max_balance_exceeded"}, page.text
    assert "3 rows of HVL issued" in words(issued(issuer, "HVL", text.rsplit("\n", 1)[0]))
    assert issuer.total_supply("HVL") == 200 * 10**6


def test_a_field_past_the_csv_size_limit_is_refused(issuer: Api) -> None:
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVT", "csv": "HK-0301," + "1" * 140000})
    assert page.status_code == 422 and "invalid_csv" in page.text and page.text.startswith("<!doctype html>")
    assert "cannot be read at line 1" in page.text


def test_one_investor_is_previewed_then_issued_as_a_one_row_batch(issuer: Api, wallets: list[str]) -> None:
    issuer.register("HK-0101", wallets[0])
    form = issuer.client.get("/web/console/issue")
    assert 'id="issue-one"' in form.text and "Issue to one investor" in form.text
    one = {"one_investor": "1", "asset": "HVT", "to": " HK-0101 ", "amount": "2.5"}
    page = issuer.client.post("/web/console/issue/preview", data=one)
    assert page.status_code == 200 and "The row passes the checks" in words(page.text), page.text
    assert wallets[0] in page.text and 'name="csv" value="HK-0101,2.5' in page.text
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page.text).group(1)  # type: ignore[union-attr]
    form = {"asset": "HVT", "csv": "HK-0101,2.5\n", "idempotency_key": key}  # as the preview's form sends it
    done = issuer.client.post("/web/console/issue", data=form)
    assert done.status_code == 200 and "1 row of HVT issued" in words(done.text), done.text
    assert issuer.total_supply("HVT") == 2_500_000


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "HK-9999", "amount": "1"}, "investor_not_found"),
        ({"to": "HK-0101,5", "amount": "1"}, "invalid_investor_id"),  # a comma stays in the one cell
        ({"to": "HK-0101", "amount": "1000001"}, "exceeds_authorised"),
    ],
)
def test_one_investor_refused_in_the_preview(issuer: Api, wallets: list[str], fields: dict[str, str],
                                             code: str) -> None:  # fmt: skip
    issuer.register("HK-0101", wallets[0])
    page = issuer.client.post("/web/console/issue/preview", data={"one_investor": "1", "asset": "HVT", **fields})
    assert page.status_code == 200 and refused_rows(page.text) == {"1": code}, page.text
    assert 'id="issue-confirm"' not in page.text and issuer.total_supply("HVT") == 0


@pytest.mark.parametrize(
    "fields",
    [
        {"to": "HK-0101"},
        {"amount": "1"},
        {"to": " ", "amount": "1"},
        {"to": "HK-0101", "amount": "1", "csv": "HK-0102,1"},
    ],
)
def test_a_half_filled_or_mixed_one_investor_form_is_refused(issuer: Api, fields: dict[str, str]) -> None:
    page = issuer.client.post("/web/console/issue/preview", data={"one_investor": "1", "asset": "HVT", **fields})
    assert page.status_code == 422 and "invalid_form" in page.text and issuer.total_supply("HVT") == 0


def test_the_preview_and_the_api_refuse_the_same_rows(issuer: Api, wallets: list[str]) -> None:
    """One check (rwakit.tokenize.batch_checks) for both: the rows a preview refuses are the rows the API's
    batch issuance names, with the same codes, and nothing is sent by either."""
    issuer.create_asset("HVL", "300", investor_limits=True)
    issuer.register("HK-0101", wallets[0], wallets[1])
    issuer.register("HK-0102", wallets[2])
    issuer.register("HK-0103", wallets[3])
    assert issuer.compliance.request("PUT", "/assets/HVL/rules/max-holders", json={"max_holders": 2}).status_code == 200
    assert issuer.compliance.request("PUT", "/assets/HVL/rules/max-balance", json={"amount": "100"}).status_code == 200
    stranger = Account.create().address
    rows = [("HK-0101", "60"), (wallets[1], "50"), (stranger, "1"), ("HK-0102", "100"), ("HK-0103", "1"),
            (wallets[1], "40")]  # fmt: skip
    text = "\n".join(f"{to},{amount}" for to, amount in rows)
    page = issuer.client.post("/web/console/issue/preview", data={"asset": "HVL", "csv": text})
    previewed = refused_rows(page.text)
    assert previewed == {"2": "max_balance_exceeded", "3": "receiver_not_registered", "5": "max_holders_reached"}
    body = {"asset": "HVL", "allocations": [{"to": to, "amount": amount} for to, amount in rows]}
    answer = issuer.issuer.post("/issuances/batch", json=body, headers={"Idempotency-Key": "same-rows"})
    assert answer.status_code == 409 and answer.json()["code"] == "batch_ineligible"
    assert {str(row["index"] + 1): row["reason"] for row in answer.json()["rows"]} == previewed
    assert issuer.total_supply("HVL") == 0
