"""The API never answers with key material: a refused issuance, a revert, the platform's description
and its health, with logging at DEBUG, scanned for the operator's key and the mnemonic."""

from __future__ import annotations

import logging

import pytest

from tests.api.conftest import Api
from tests.custody.secrets import assert_no_secret, dev_key

OPERATOR_KEY = dev_key(0)  # the session platform's operator signs every API transaction
STRANGER = "0x976EA74026E726554dB657fA54763abd0C3a0aa9"


def test_responses_and_logs_carry_no_key(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.create_asset("KEY")
    responses = [
        api.issue("KEY", STRANGER, "1"),  # refused by compliance: the wallet is not registered
        api.issue("KEY", "not-an-investor", "1"),
        api.issuer.get("/transactions"),
        api.anonymous.get("/health"),
    ]
    assert responses[0].json()["code"] == "compliance_refused", responses[0].text
    for response in responses:
        assert_no_secret(response.text, OPERATOR_KEY)
        assert_no_secret(str(response.headers), OPERATOR_KEY)
    assert caplog.records
    assert_no_secret(caplog.text, OPERATOR_KEY)
