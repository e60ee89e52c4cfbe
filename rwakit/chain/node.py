"""Launch a local development chain (Anvil or Ganache) and stop it by PID.

Binaries come from the project's node_modules (npm-pinned) or PATH; nothing is downloaded.
"""

from __future__ import annotations

import ctypes
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, get_args

import requests

from rwakit.config import DEV_MNEMONIC
from rwakit.contracts.compiler import PACKAGE_ROOT
from rwakit.errors import InvalidInput, ToolchainError

NodeKind = Literal["anvil", "ganache"]
NODE_KINDS: tuple[NodeKind, ...] = get_args(NodeKind)
ANVIL_CHAIN_ID = 31337
GANACHE_CHAIN_ID = 1337
PR_SET_PDEATHSIG = 1  # linux/prctl.h


@dataclass
class LocalNode:
    """A running node this process started; ``stop()`` (or leaving a ``with`` block) ends it."""

    kind: NodeKind
    port: int
    process: subprocess.Popen[bytes]
    state_path: Path | None = None
    log_path: Path | None = field(default=None)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the node (SIGINT first, so Anvil and Ganache write their state), then wait."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> LocalNode:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_binary(kind: NodeKind, project_root: Path = PACKAGE_ROOT) -> list[str]:
    """The command that starts `kind`: from node_modules first, then PATH."""
    modules = project_root / "node_modules"
    if kind == "anvil":
        arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "amd64")
        native = modules / "@foundry-rs" / f"anvil-linux-{arch}" / "bin" / "anvil"
        if native.exists():
            return [str(native)]
    else:
        script = modules / "ganache" / "dist" / "node" / "cli.js"
        if script.exists() and (node := shutil.which("node")):
            return [node, str(script)]
    if on_path := shutil.which(kind):
        return [on_path]
    raise ToolchainError(
        f"{kind} not found in {modules} or on PATH: run `npm ci` in {project_root}",
        code=f"{kind}_missing",
    )


def start_node(
    kind: NodeKind = "anvil",
    *,
    port: int | None = None,
    state_path: Path | None = None,
    mnemonic: str = DEV_MNEMONIC,
    log_path: Path | None = None,
    project_root: Path = PACKAGE_ROOT,
    timeout: float = 30.0,
    keep_history: bool = False,
) -> LocalNode:
    """Start a node on a free port and wait until it answers JSON-RPC.

    ``state_path`` keeps the chain across restarts: Anvil's state file, Ganache's database folder.
    Anvil keeps only the latest state unless ``keep_history`` (reads at past blocks, ``anvil_reorg``).
    """
    if kind not in NODE_KINDS:  # any other name would start Ganache
        raise InvalidInput(f"Unknown chain kind {kind!r}: use {' or '.join(NODE_KINDS)}", code="invalid_chain_kind")
    port = port or free_port()
    command = find_binary(kind, project_root)
    if kind == "anvil":
        command += ["--host", "127.0.0.1", "--port", str(port), "--mnemonic", mnemonic]
        command += [] if keep_history else ["--prune-history"]
        command += ["--chain-id", str(ANVIL_CHAIN_ID)]
        if state_path is not None:
            state_path.parent.mkdir(parents=True, exist_ok=True)
            command += ["--state", str(state_path)]
    else:
        command += [
            "--server.host", "127.0.0.1", "--server.port", str(port), "--chain.hardfork", "shanghai",
            "--chain.chainId", str(GANACHE_CHAIN_ID), "--wallet.mnemonic", mnemonic,
            "--wallet.totalAccounts", "10", "--logging.quiet",
        ]  # fmt: skip
        if state_path is not None:
            state_path.mkdir(parents=True, exist_ok=True)
            command += ["--database.dbPath", str(state_path)]
    log = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    process = subprocess.Popen(
        command,
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_ends_with_parent(),  # only prctl and getppid run between fork and exec
    )
    node = LocalNode(kind=kind, port=port, process=process, state_path=state_path, log_path=log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ToolchainError(f"{kind} exited with code {process.returncode} on start: {' '.join(command)}")
        if _answers(node.url):
            return node
        time.sleep(0.05)
    node.stop()
    raise ToolchainError(f"{kind} did not answer on {node.url} within {timeout:.0f} s", code="node_timeout")


def _ends_with_parent() -> Callable[[], None] | None:
    """Run in the child before exec (Linux): the kernel sends it SIGTERM when the thread that started it
    ends, even by SIGKILL or a crash, so no node outlives the platform. A parent already gone by then
    ends it at once. Elsewhere, `stop()` (and leaving a `with` block) remain the way to end a node."""
    if sys.platform != "linux":
        return None
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getpid()

    def in_child() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGTERM)

    return in_child


def _answers(url: str) -> bool:
    try:
        reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1)
        return reply.ok
    except requests.RequestException:
        return False
