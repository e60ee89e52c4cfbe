"""Keys never show: signers sign, fail and error on purpose (bad passphrase, malformed key, reverted
transaction, node down, a public chain refusing the development mnemonic) with logging at DEBUG, and
every log line, error message and traceback is scanned for the key (with and without 0x) and the mnemonic."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from rwakit.chain.connection import Chain, connect_url, dev_signers
from rwakit.chain.node import LocalNode, start_node
from rwakit.chain.signer import DevKeySigner, KeystoreSigner, LocalKeySigner, read_passphrase, write_keystore
from rwakit.chain.transactions import TransactionManager
from rwakit.config import DEV_MNEMONIC, Settings
from rwakit.errors import AccessDenied, ChainUnavailable, ConfigError, InvalidInput, RwakitError
from rwakit.platform import Platform
from tests.conftest import investor
from tests.custody.secrets import assert_no_secret, dev_key, exception_text

KEY = dev_key(7)  # funded on the local chain, never an operator or investor of the session's platform
PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def keystore(tmp_path: Path) -> Path:
    path = tmp_path / "owner.json"
    write_keystore(path, PASSPHRASE, KEY)
    return path


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def scan(caplog: pytest.LogCaptureFixture, *errors: BaseException) -> None:
    for record in caplog.records:
        assert_no_secret(record.getMessage(), KEY)
    assert_no_secret(caplog.text, KEY)  # formatted, with any exception info the record carries
    for exc in errors:
        assert_no_secret(exception_text(exc), KEY)
        assert_no_secret(repr(exc), KEY)


def test_a_keystore_opens_with_its_passphrase_only_and_is_private(
    keystore: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    assert stat.S_IMODE(keystore.stat().st_mode) == 0o600
    assert KEY not in keystore.read_text()
    signer = KeystoreSigner.load(keystore, PASSPHRASE)
    assert signer.address == DevKeySigner.from_mnemonic(DEV_MNEMONIC, 7).address
    assert repr(signer) == str(signer) == f"KeystoreSigner({signer.address})"
    with pytest.raises(ConfigError) as wrong:
        KeystoreSigner.load(keystore, "not the passphrase")
    assert wrong.value.code == "keystore_passphrase_wrong"
    scan(debug_logs, wrong.value)


def test_keystores_are_never_overwritten_nor_empty_passphrased(keystore: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as exists:
        write_keystore(keystore, PASSPHRASE)
    assert exists.value.code == "keystore_exists"
    with pytest.raises(InvalidInput) as empty:
        write_keystore(tmp_path / "other.json", "")
    assert empty.value.code == "keystore_passphrase_empty"
    (tmp_path / "garbage.json").write_text("{not json")
    with pytest.raises(ConfigError) as garbage:
        KeystoreSigner.load(tmp_path / "garbage.json", PASSPHRASE)
    assert garbage.value.code == "keystore_unreadable"


def test_the_passphrase_comes_from_a_file_the_environment_or_a_prompt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pass").write_text(f"{PASSPHRASE}\nignored\n")
    assert read_passphrase(file=tmp_path / "pass") == PASSPHRASE
    monkeypatch.setenv("RWAKIT_KEYSTORE_PASSPHRASE", "from env")
    assert read_passphrase() == "from env"
    monkeypatch.delenv("RWAKIT_KEYSTORE_PASSPHRASE")
    assert read_passphrase(prompt=lambda: "typed") == "typed"
    with pytest.raises(ConfigError) as missing:
        read_passphrase()
    assert missing.value.code == "keystore_passphrase_missing"
    with pytest.raises(ConfigError) as unreadable:
        read_passphrase(file=tmp_path / "absent")
    assert unreadable.value.code == "keystore_unreadable"


def test_a_malformed_key_is_refused_without_quoting_it(debug_logs: pytest.LogCaptureFixture) -> None:
    for malformed in (KEY[:-2], f"0x{KEY}00", KEY[:-1] + "g"):
        with pytest.raises(InvalidInput) as refused:
            LocalKeySigner.from_private_key(malformed)
        assert refused.value.code == "invalid_key"
        assert refused.value.__cause__ is None and refused.value.__suppress_context__
        assert_no_secret(exception_text(refused.value), KEY[:-2])
    scan(debug_logs)


def test_a_reverted_transaction_and_a_dead_node_show_no_key(
    platform: Platform, chain: Chain, keystore: Path, debug_logs: pytest.LogCaptureFixture
) -> None:
    signer = KeystoreSigner.load(keystore, PASSPHRASE)
    registry = platform.registry.contract
    call = registry.functions.registerInvestor(platform.registry._encode(investor(chain, "HK-7", signer)))
    with pytest.raises(AccessDenied) as denied:  # the keystore's account holds no registrar role
        platform.txm.transact(signer, call, label="register as a stranger")
    assert signer.sign_digest(b"\x01" * 32) != b""
    with pytest.raises(InvalidInput):
        signer.sign_digest(b"short")

    node: LocalNode = start_node("anvil")
    dead = connect_url(node.url, [signer], timeout=1.0)
    node.stop()
    with pytest.raises(ChainUnavailable) as down:
        TransactionManager(dead.w3).transact(signer, call, label="register on a dead node")
    scan(debug_logs, denied.value, down.value)


def test_the_dev_mnemonic_is_refused_on_a_chain_that_is_not_local(
    debug_logs: pytest.LogCaptureFixture, keystore: Path
) -> None:
    with start_node("anvil") as node:
        node_w3 = connect_url(node.url, [KeystoreSigner.load(keystore, PASSPHRASE)]).w3
        node_w3.provider.make_request("anvil_setChainId", [11155111])  # type: ignore[arg-type]
        with pytest.raises(ConfigError) as refused:
            connect_url(node.url, dev_signers(Settings(_env_file=None)))
        assert refused.value.code == "dev_key_on_public_chain"
        settings = Settings(_env_file=None, keystore=keystore)
        with pytest.MonkeyPatch.context() as env:
            env.setenv("RWAKIT_KEYSTORE_PASSPHRASE", PASSPHRASE)
            chain = connect_url(node.url, dev_signers(settings))
        assert [type(s) for s in chain.signers] == [KeystoreSigner]  # the mnemonic's accounts dropped
    scan(debug_logs, refused.value)
    assert isinstance(refused.value, RwakitError)
