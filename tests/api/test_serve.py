"""`rwakit serve --demo` (what `make run` runs) end to end, serving over an existing deployment,
and the `rwakit api-key` commands."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rwakit.chain.node import LocalNode, free_port
from rwakit.platform import Platform

RWAKIT = [sys.executable, "-m", "rwakit.cli"]


def start_serving(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen([*RWAKIT, "serve", *args], env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_for(log: Path, pattern: str, process: subprocess.Popen[bytes], timeout: float = 90) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text()
        if re.search(pattern, text):
            return text
        assert process.poll() is None, f"rwakit serve exited early:\n{text}"
        time.sleep(0.2)
    raise AssertionError(f"no {pattern!r} within {timeout} s:\n{log.read_text()}")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
    return {**clean, "RWAKIT_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def stop_at_end() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_serve_demo_prints_keys_serves_the_api_and_ctrl_c_stops_the_chain(
    env: dict[str, str], tmp_path: Path, stop_at_end: list[subprocess.Popen[bytes]]
) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serving(["--demo", "--port", str(port)], env, log)
    stop_at_end.append(process)
    text = wait_for(log, r"Uvicorn running on", process)
    keys = dict(re.findall(r"^  (admin|issuer|registrar|investor HK-0001)\s+(rwk_\S+)$", text, re.MULTILINE))
    assert set(keys) == {"admin", "issuer", "registrar", "investor HK-0001"}
    assert f"http://127.0.0.1:{port}/docs" in text and "Cap table of Harbour View Tower" in text
    anvil_pid = int(re.search(r"Started anvil \(pid (\d+)\)", text).group(1))  # type: ignore[union-attr]

    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/health").json()["status"] == "ok"
    investor = {"Authorization": f"Bearer {keys['investor HK-0001']}"}
    holdings = httpx.get(f"{base}/investors/HK-0001/holdings", headers=investor).json()
    assert [(h["symbol"], h["amount"]) for h in holdings["holdings"]] == [("HVT", "250000.5")]
    assert httpx.get(f"{base}/investors/HK-0002/holdings", headers=investor).status_code == 403
    asset = httpx.get(f"{base}/assets/HVT", headers={"Authorization": f"Bearer {keys['issuer']}"}).json()
    assert asset["description"].startswith("A 42-storey") and asset["holders"] == 4
    moved = httpx.post(
        f"{base}/transfers",
        headers=investor,
        json={"asset": "HVT", "from": holdings["holdings"][0]["wallets"].popitem()[0], "to": "SG-0001", "amount": "1"},
    )
    assert moved.status_code == 201, moved.text
    assert (tmp_path / "data" / "demo" / "node.json").exists()

    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0, log.read_text()
    assert not pid_alive(anvil_pid), "Ctrl-C left Anvil running"
    assert "stopped" in log.read_text() and not (tmp_path / "data" / "demo" / "node.json").exists()


def test_serve_over_an_existing_deployment_creates_a_first_admin_key(
    env: dict[str, str],
    tmp_path: Path,
    anvil: LocalNode,
    platform: Platform,
    stop_at_end: list[subprocess.Popen[bytes]],
) -> None:
    platform.deployment.save(tmp_path / "data" / "deployment.json")
    env = {**env, "RWAKIT_RPC_URL": anvil.url}
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serving(["--port", str(port)], env, log)
    stop_at_end.append(process)
    text = wait_for(log, r"Uvicorn running on", process)
    admin = re.search(r"^  admin\s+(rwk_\S+)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/health").json()["contracts"]["deployed"] is True
    assert httpx.get(f"{base}/assets", headers={"X-API-Key": admin}).status_code == 200
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) in (0, 143)
    again = start_serving(["--port", str(port)], env, log)  # the database has an admin key now: none printed
    stop_at_end.append(again)
    assert "admin " not in wait_for(log, r"Uvicorn running on", again).split("rwakit API on")[1]
    again.send_signal(signal.SIGINT)
    again.wait(30)


def test_a_deeply_nested_body_is_422_and_the_server_lives_on(
    env: dict[str, str], tmp_path: Path, stop_at_end: list[subprocess.Popen[bytes]]
) -> None:
    port, log = free_port(), tmp_path / "serve.log"
    process = start_serving(["--port", str(port)], env, log)  # no chain: the body is parsed before any key check
    stop_at_end.append(process)
    wait_for(log, r"Uvicorn running on", process)
    base = f"http://127.0.0.1:{port}"
    nested = b"[" * 100_000 + b"]" * 100_000
    answer = httpx.post(
        f"{base}/transfers/check", content=nested, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert answer.status_code == 422 and answer.json()["code"] == "json_too_deep", answer.text
    assert httpx.get(f"{base}/health", timeout=30).status_code == 503  # still serving (there is no chain)
    assert process.poll() is None


def test_api_key_commands(env: dict[str, str]) -> None:
    def rwakit(*args: str) -> str:
        done = subprocess.run([*RWAKIT, "api-key", *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    created = rwakit("create", "--role", "investor", "--investor", "HK-0001", "--name", "app")
    key = created.split()[-1]
    prefix = key.split("_")[1]
    assert key.startswith("rwk_") and f"investor key {prefix} for HK-0001" in created
    assert re.search(rf"{prefix}\s+investor\s+HK-0001\s+active\s+app", rwakit("list"))
    assert f"revoked {prefix}" in rwakit("revoke", prefix)
    assert re.search(rf"{prefix}\s+investor\s+HK-0001\s+revoked", rwakit("list"))
    refused = subprocess.run([*RWAKIT, "api-key", "create", "--role", "investor"], env=env, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
    assert refused.returncode == 1 and "error [invalid_role]" in refused.stderr
