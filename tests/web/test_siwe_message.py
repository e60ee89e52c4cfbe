"""EIP-4361 messages written and parsed (rwakit.web.siwe), without a chain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from rwakit.errors import InvalidInput
from rwakit.web import siwe

NOW = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
KEY = Account.create()


def message(**changes: object) -> siwe.SiweMessage:
    fields: dict[str, object] = {
        "domain": "example.com",
        "address": KEY.address,
        "uri": "https://example.com/web/sign-in",
        "chain_id": 31337,
        "nonce": "abcdef0123456789",
        "issued_at": NOW,
        "statement": "Sign in.",
        "expiration_time": NOW + timedelta(minutes=5),
        **changes,
    }
    return siwe.SiweMessage(**fields)  # type: ignore[arg-type]


def signed(text: str, key: object = KEY) -> str:
    return str(Account.sign_message(encode_defunct(text=text), key.key).signature.to_0x_hex())  # type: ignore[attr-defined]


def check(text: str, signature: str, now: datetime = NOW) -> None:
    siwe.check(siwe.parse(text), text, signature, domain="example.com", origin="https://example.com",
               chain_id=31337, now=now, max_age=timedelta(minutes=5))  # fmt: skip


def test_the_eip_example_layout_round_trips() -> None:
    full = message(not_before=NOW, request_id="req-1", resources=("ipfs://doc", "https://example.com/terms"))
    text = full.text()
    assert text.splitlines()[:5] == [
        "example.com wants you to sign in with your Ethereum account:",
        KEY.address,
        "",
        "Sign in.",
        "",
    ]
    assert "Issued At: 2026-12-05T01:00:00Z\nExpiration Time: 2026-12-05T01:05:00Z" in text
    assert text.endswith("Resources:\n- ipfs://doc\n- https://example.com/terms")
    assert siwe.parse(text) == full


def test_a_message_without_statement_has_two_blank_lines() -> None:
    bare = message(statement=None, expiration_time=None)
    assert bare.text().split("\n")[1:5] == [KEY.address, "", "", "URI: https://example.com/web/sign-in"]
    assert siwe.parse(bare.text()) == bare


@pytest.mark.parametrize(
    ("mangle", "why"),
    [
        (lambda t: t.replace(" wants you", " would like you"), "first line"),
        (lambda t: t.replace(KEY.address, KEY.address.lower()), "EIP-55"),
        (lambda t: t.replace("Version: 1", "Version: 2"), "version"),
        (lambda t: t.replace("Chain ID: 31337", "Chain ID: 0x7a69"), "chain id"),
        (lambda t: t.replace("Nonce: abcdef0123456789", "Nonce: short"), "nonce"),
        (lambda t: t.replace("Nonce: abcdef0123456789\n", ""), "missing Nonce"),
        (lambda t: t.replace("Issued At: 2026-12-05T01:00:00Z", "Issued At: yesterday"), "RFC 3339"),
        (lambda t: t.replace("2026-12-05T01:00:00Z", "2026-12-05T01:00:00"), "time zone"),
        (lambda t: t + "\nNonce: again", "unexpected line"),
        (lambda t: t.replace("URI: https://example.com/web/sign-in\nVersion: 1", "Version: 1\nURI: x"), "order"),
        (lambda t: t + "\nResources:\nipfs://no-dash", "resource"),
        (lambda t: t + "x" * siwe.MAX_MESSAGE, "longer"),
    ],
)
def test_malformed_messages_are_refused_naming_the_fault(mangle: object, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        siwe.parse(mangle(message().text()))  # type: ignore[operator]
    assert refused.value.code == "siwe_malformed"


def test_a_good_message_passes_the_checks() -> None:
    text = message().text()
    check(text, signed(text))


@pytest.mark.parametrize(
    ("changes", "now", "code"),
    [
        ({"domain": "evil.example"}, NOW, "siwe_wrong_domain"),
        ({"uri": "https://evil.example/web/sign-in"}, NOW, "siwe_wrong_uri"),
        ({"chain_id": 1}, NOW, "siwe_wrong_chain"),
        ({}, NOW + timedelta(minutes=5), "siwe_expired"),
        ({"expiration_time": None}, NOW + timedelta(minutes=6), "siwe_expired"),
        ({}, NOW - timedelta(minutes=2), "siwe_not_yet_valid"),
        ({"not_before": NOW + timedelta(minutes=3)}, NOW, "siwe_not_yet_valid"),
    ],
)
def test_messages_for_another_site_chain_or_time_are_refused(changes: dict[str, object], now: datetime,
                                                             code: str) -> None:  # fmt: skip
    text = message(**changes).text()
    with pytest.raises(siwe.SiweRefused) as refused:
        check(text, signed(text), now)
    assert refused.value.code == code


@pytest.mark.parametrize("signature", ["0x12", "0x" + "00" * 65, "0x" + "ff" * 65, "not hex"])
def test_unrecoverable_signatures_are_refused(signature: str) -> None:
    with pytest.raises(siwe.SiweRefused) as refused:
        check(message().text(), signature)
    assert refused.value.code == "siwe_bad_signature"


def test_a_signature_by_another_key_or_of_another_text_is_refused() -> None:
    text = message().text()
    for signature in (signed(text, Account.create()), signed(text + " ")):
        with pytest.raises(siwe.SiweRefused) as refused:
            check(text, signature)
        assert refused.value.code == "siwe_bad_signature"


def test_a_scheme_before_the_domain_is_parsed_and_checked_against_the_sites() -> None:
    text = message(scheme="https").text()
    assert text.startswith("https://example.com wants you to sign in with your Ethereum account:\n")
    parsed = siwe.parse(text)
    assert (parsed.scheme, parsed.domain) == ("https", "example.com") and parsed == message(scheme="https")
    check(text, signed(text))
    upper = text.replace("https://", "HTTPS://", 1)  # RFC 3986: schemes are case-insensitive
    check(upper, signed(upper))
    assert siwe.parse(message().text()).scheme is None  # no scheme: the domain alone, as before


@pytest.mark.parametrize("scheme", ["http", "wss"])
def test_a_scheme_other_than_the_sites_is_refused(scheme: str) -> None:
    text = message(scheme=scheme).text()
    with pytest.raises(siwe.SiweRefused, match=f"{scheme}://example.com") as refused:
        check(text, signed(text))
    assert refused.value.code == "siwe_wrong_domain"


@pytest.mark.parametrize("first", ["://example.com", "1http://example.com", "ht tp://example.com", "a b://example.com"])
def test_a_scheme_outside_rfc_3986_is_malformed(first: str) -> None:
    text = message().text().replace("example.com", first, 1)
    with pytest.raises(InvalidInput, match="scheme") as refused:
        siwe.parse(text)
    assert refused.value.code == "siwe_malformed"
