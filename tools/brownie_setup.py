"""Prepare Brownie for this checkout (run by `make brownie` with .venv-brownie's python; idempotent).

1. solc: Brownie (through py-solc-x) only uses compilers in py-solc-x's install folder
   (~/.solcx, or $SOLCX_BINARY_PATH), and cannot download one here. Link tools/solc there as
   solc-v0.8.28, unless a working solc of that version already sits there.
2. anvil and ganache: Brownie picks its launcher by the first word of a network's `cmd`, so the
   commands must be called `anvil` and `ganache`; link the npm-pinned ones into the venv's bin/.
3. networks: `rwakit-anvil` and `rwakit-ganache` in ~/.brownie/network-config.yaml, added or
   modified with `brownie networks add|modify` only when they differ from what is wanted.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from pathlib import Path

import solcx
import yaml

ROOT = Path(__file__).resolve().parents[1]
SOLC_VERSION = "0.8.28"
DEV_MNEMONIC = "test test test test test test test test test test test junk"  # = rwakit.config.DEV_MNEMONIC


def link(target: Path, link_path: Path) -> None:
    """Point `link_path` at `target`, replacing an older link; never replace a real file."""
    if link_path.is_symlink():
        if link_path.resolve() == target.resolve():
            return
        link_path.unlink()
    elif link_path.exists():
        print(f"kept {link_path}: a real file, not a link of ours (remove it to use {target})")
        return
    link_path.parent.mkdir(parents=True, exist_ok=True)
    link_path.symlink_to(target)
    print(f"linked {link_path} -> {target}")


def link_solc() -> None:
    """Keep a solc-v0.8.28 that answers as one (a native solc, or another checkout's wrapper: same
    pinned solc-js), so CI in a fresh clone on this machine leaves a developer's link alone; else
    point it at this checkout's wrapper (replacing a dangling link, e.g. to a deleted clone)."""
    path = solcx.get_solcx_install_folder() / f"solc-v{SOLC_VERSION}"
    if path.exists() and _answers_version(path):
        return
    link(ROOT / "tools" / "solc", path)


def _answers_version(solc: Path) -> bool:
    try:
        answer = subprocess.run([str(solc), "--version"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return f"Version: {SOLC_VERSION}+" in answer


def link_nodes() -> None:
    arch = {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine(), "amd64")
    modules = ROOT / "node_modules"
    anvil = modules / "@foundry-rs" / f"anvil-linux-{arch}" / "bin" / "anvil"
    ganache = modules / "ganache" / "dist" / "node" / "cli.js"
    for target in (anvil, ganache):
        if not target.exists():
            sys.exit(f"{target} is missing: run `npm ci` (or `make deps`)")
    bin_dir = Path(sys.prefix) / "bin"
    link(anvil, bin_dir / "anvil")
    link(ganache, bin_dir / "ganache")


def wanted_networks(anvil_port: int, ganache_port: int) -> dict[str, dict[str, object]]:
    """The project's development networks, as `brownie networks add Development` records them."""
    return {
        "rwakit-anvil": {
            "name": "rwakit Anvil",
            "cmd": "anvil --prune-history",  # keep no per-block state on disk (see DESIGN.md)
            "host": "http://127.0.0.1",
            "cmd_settings": {
                "port": anvil_port, "chain_id": 31337, "accounts": 10, "mnemonic": DEV_MNEMONIC,
                "base_fee": 0,
            },
        },
        "rwakit-ganache": {
            "name": "rwakit Ganache",
            "cmd": "ganache",
            "host": "http://127.0.0.1",
            "cmd_settings": {
                "port": ganache_port, "chain_id": 1337, "accounts": 10, "mnemonic": DEV_MNEMONIC,
                "evm_version": "shanghai",
            },
        },
    }  # fmt: skip


def current_networks() -> dict[str, dict[str, object]]:
    from brownie._config import _get_data_folder  # creates ~/.brownie on first use

    path = _get_data_folder() / "network-config.yaml"
    config = yaml.safe_load(path.read_text()) or {}
    return {net["id"]: net for net in config.get("development", [])}


def cli_args(network: dict[str, object], stale: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    settings = network["cmd_settings"]
    assert isinstance(settings, dict)
    fields = {k: v for k, v in network.items() if k != "cmd_settings"} | settings
    return [f"{key}={value}" for key, value in fields.items()] + [f"{key}=None" for key in sorted(stale)]


def sync_networks(anvil_port: int, ganache_port: int) -> None:
    brownie = str(Path(sys.prefix) / "bin" / "brownie")
    existing = current_networks()
    for net_id, want in wanted_networks(anvil_port, ganache_port).items():
        have = existing.get(net_id)
        if have is None:
            command = [brownie, "networks", "add", "Development", net_id, *cli_args(want)]
        elif any(have.get(key) != value for key, value in want.items()):
            stale = set(have.get("cmd_settings") or {}) - set(want["cmd_settings"])  # type: ignore[arg-type]
            command = [brownie, "networks", "modify", net_id, *cli_args(want, stale)]
        else:
            continue
        subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"brownie network {net_id}: {' '.join(cli_args(want))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--anvil-port", type=int, default=8545)
    parser.add_argument("--ganache-port", type=int, default=8555)
    args = parser.parse_args()
    os.chdir(ROOT)
    link_solc()
    link_nodes()
    sync_networks(args.anvil_port, args.ganache_port)


if __name__ == "__main__":
    main()
