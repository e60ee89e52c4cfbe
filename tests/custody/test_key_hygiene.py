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
    for open_mode in (0o644, 0o640, 0o604, 0o660):  # readable by the group or others: refused, as ssh does
        (tmp_path / "pass").chmod(open_mode)
        with pytest.raises(ConfigError) as too_open:
            read_passphrase(file=tmp_path / "pass")
        assert too_open.value.code == "passphrase_file_too_open" and PASSPHRASE not in too_open.value.message
    (tmp_path / "pass").chmod(0o600)
    assert read_passphrase(file=tmp_path / "pass") == PASSPHRASE
    (tmp_path / "pass").chmod(0o400)
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


def test_development_accounts_are_numbered_as_bip32_allows() -> None:
    assert DevKeySigner.from_mnemonic(DEV_MNEMONIC, 2**31 - 1).address
    for index in (-1, 2**31, 99999999999):
        with pytest.raises(InvalidInput) as refused:
            DevKeySigner.from_mnemonic(DEV_MNEMONIC, index)
        assert refused.value.code == "invalid_dev_account"


OPERATOR_ADDRESS = """
from rwakit.chain.connection import dev_signers
from rwakit.config import get_settings
print("operator", dev_signers(get_settings(), count=0)[0].address)
"""


def test_on_a_terminal_the_operator_keystore_asks_its_passphrase_unechoed(keystore: Path, tmp_path: Path) -> None:
    """A pseudo-terminal as stdin and no passphrase source: asked (hidden); without a terminal: refused."""
    import os
    import pty
    import select
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
    env |= {"RWAKIT_KEYSTORE": str(keystore), "RWAKIT_DATA_DIR": str(tmp_path)}
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", OPERATOR_ADDRESS], stdin=secondary, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env, cwd=tmp_path, start_new_session=True)  # fmt: skip
    os.close(secondary)
    assert process.stderr is not None
    asked = b""
    while b"Passphrase of" not in asked:  # with no controlling terminal, getpass prompts on stderr
        chunk = os.read(process.stderr.fileno(), 1024)
        assert chunk, "the process ended without asking"
        asked += chunk
    os.write(primary, f"{PASSPHRASE}\n".encode())
    out, err = process.communicate(timeout=60)
    try:  # what the terminal echoed back (Linux answers EIO once the other side closed and nothing is left)
        echoed = os.read(primary, 4096) if select.select([primary], [], [], 0.5)[0] else b""
    except OSError:
        echoed = b""
    os.close(primary)
    assert process.returncode == 0, err
    assert f"operator {DevKeySigner.from_mnemonic(DEV_MNEMONIC, 7).address}" in out.decode()
    assert b"operator's keystore" in asked and PASSPHRASE.encode() not in asked + out + err + echoed  # hidden
    piped = subprocess.run([sys.executable, "-c", OPERATOR_ADDRESS], stdin=subprocess.DEVNULL, capture_output=True,
                           env=env, cwd=tmp_path, text=True, timeout=60)  # fmt: skip
    assert piped.returncode != 0 and "ConfigError: No keystore passphrase" in piped.stderr, piped.stderr
