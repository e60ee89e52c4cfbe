"""The console's audit trail page over HTTP: the API's entries, its filters, and its refusals."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, ok


@pytest.fixture
def issuer(api: Api) -> Api:
    api.create_asset("HVT")
    api.create_asset("PRIF")
    for symbol in ("HVT", "PRIF"):
        ok(api.issuer.post(f"/assets/{symbol}/pause", json={"reason": f"board meeting on {symbol}"}))
    ok(api.issuer.post("/assets/HVT/unpause", json={"reason": "meeting over"}))
    api.client.post("/web/console/sign-in", data={"api_key": api.key("issuer")})
    return api


def test_the_trail_newest_first_with_its_filters(issuer: Api) -> None:
    page = issuer.client.get("/web/console/audit")
    assert page.status_code == 200
    text = page.text
    assert text.index("meeting over") < text.index("board meeting on PRIF") < text.index("board meeting on HVT")
    only = issuer.client.get("/web/console/audit?asset=PRIF").text
    assert "board meeting on PRIF" in only and "board meeting on HVT" not in only and 'value="PRIF"' in only
    paused = issuer.client.get("/web/console/audit?action=pause&asset=hvt").text
    assert "board meeting on HVT" in paused and "meeting over" not in paused
    assert "match these filters" in issuer.client.get("/web/console/audit?actor=nobody").text
    assert "Older" not in text and "Newer" not in text  # one page


@pytest.mark.parametrize(
    ("query", "status"),
    [("asset=NOPE", 404), ("offset=-1", 422), ("offset=99999999999", 422), ("actor=" + "x" * 101, 422)],
)
def test_bad_filters_are_refused(issuer: Api, query: str, status: int) -> None:
    assert issuer.client.get(f"/web/console/audit?{query}").status_code == status


def test_strangers_are_sent_to_sign_in(api: Api) -> None:
    assert api.client.get("/web/console/audit", follow_redirects=False).headers["location"] == "/web/console/sign-in"
