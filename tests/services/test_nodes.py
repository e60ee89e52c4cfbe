"""Local nodes: Anvil state across restarts, stop by PID, unknown kinds. (The platform on Ganache and on the
in-process chain: every test marked every_chain.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import start_node
from rwakit.chain.signer import Signer
from rwakit.config import Settings
from rwakit.errors import DeploymentMissing, InvalidInput
from rwakit.platform import Platform


def _signers() -> list[Signer]:
    return dev_signers(Settings(_env_file=None))


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


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie stays until whoever adopted it reaps it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
def test_a_node_ends_when_the_process_that_started_it_is_killed() -> None:
    script = "import time; from rwakit.chain.node import start_node; print(start_node().pid, flush=True); time.sleep(9)"
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.kill()  # SIGKILL: no cleanup code runs in the parent
    parent.wait()
    try:
        deadline = time.monotonic() + 30
        while _running(pid):
            assert time.monotonic() < deadline, "Anvil outlived the process that started it"
            time.sleep(0.05)
    finally:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def test_an_unknown_node_kind_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as refused:
        start_node("geth", state_path=tmp_path / "state")  # type: ignore[arg-type]
    assert refused.value.code == "invalid_chain_kind" and not (tmp_path / "state").exists()
