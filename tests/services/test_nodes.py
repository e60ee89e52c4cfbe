"""Local nodes: Anvil state across restarts, stop by PID, unknown kinds. (The platform on Ganache and on the
in-process chain: every test marked every_chain.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import start_node
from rwakit.chain.signer import Signer
from rwakit.config import Settings
from rwakit.errors import DeploymentMissing, InvalidInput
from rwakit.platform import Platform


def _signers() -> list[Signer]:
    return dev_signers(Settings(_env_file=None))  # type: ignore[call-arg]


def test_anvil_keeps_its_state_across_restarts(tmp_path: Path) -> None:
    state = tmp_path / "anvil-state.json"
    with start_node("anvil", state_path=state) as node:
        deployment = Platform.deploy(connect_url(node.url, _signers())).deployment
    assert state.exists()
    with start_node("anvil", state_path=state) as node:
        reopened = Platform.open(connect_url(node.url, _signers()), deployment)
        assert reopened.registry.count() == 0 and reopened.assets.list() == []


def test_a_record_from_a_wiped_chain_is_refused(tmp_path: Path) -> None:
    with start_node("anvil") as node:
        deployment = Platform.deploy(connect_url(node.url, _signers())).deployment
    with start_node("anvil") as node, pytest.raises(DeploymentMissing):
        Platform.open(connect_url(node.url, _signers()), deployment)


def test_stop_ends_the_process_by_pid() -> None:
    node = start_node("anvil")
    pid = node.pid
    node.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_an_unknown_node_kind_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        start_node("geth", state_path=tmp_path / "state")  # type: ignore[arg-type]
    assert refused.value.code == "invalid_chain_kind" and not (tmp_path / "state").exists()
