"""Throughput of the HTTP API on one Anvil, printed as a table (a benchmark, never a timed test).

    python bench/api.py                      # 1,000 investors, SQLite
    python bench/api.py --investors 300 --database-url postgresql://postgres@127.0.0.1/test

One run: start Anvil, deploy, start `rwakit serve` (uvicorn, its own process) over that
deployment, register the investors through the API (batches of 100), then measure

- batch issuance through the API: one request of N rows (batchMint chunks), investors per second;
- single issuances through the API: one request (one mint) per investor;
- the same count of direct web3 mint() calls on the same node, one at a time (estimate, sign,
  send, wait for the receipt) and pipelined (all sent, then all receipts awaited);
- holdings reads through the API (an investor holding three assets), one client and several.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import free_port, start_node
from rwakit.config import Settings
from rwakit.platform import Platform

Row = tuple[str, int, float, str]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--investors", type=int, default=1000, help="investors issued to (default 1000)")
    parser.add_argument("--singles", type=int, default=200, help="single-issuance requests (default 200)")
    parser.add_argument("--reads", type=int, default=500, help="holdings requests per client (default 500)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients for the second read run")
    parser.add_argument("--database-url", default=None, help="the API's database (default: a temporary SQLite file)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rwakit-bench-") as tmp, start_node("anvil") as node:
        data_dir = Path(tmp)
        chain = connect_url(node.url, dev_signers(Settings(_env_file=None)))  # type: ignore[call-arg]
        platform = Platform.deploy(chain)
        platform.deployment.save(data_dir / "deployment.json")
        database = args.database_url or f"sqlite:///{data_dir / 'api.db'}"
        server, base, admin = start_api(node.url, data_dir, database)
        try:
            rows = run(platform, base, admin, args)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(30)
        backend = database.split(":", 1)[0]
        print(f"\nrwakit API throughput: Anvil on 127.0.0.1, API (uvicorn, 1 process) with {backend}, "
              f"issuance_chunk_size 200, {os.cpu_count()} CPUs")  # fmt: skip
        print_table(rows)


def start_api(rpc_url: str, data_dir: Path, database: str) -> tuple[subprocess.Popen[bytes], str, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}
    env.update(RWAKIT_DATA_DIR=str(data_dir), RWAKIT_RPC_URL=rpc_url, RWAKIT_DATABASE_URL=database)
    log = data_dir / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "rwakit.cli", "serve", "--port", str(port)], env=env,
                                  stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    deadline = time.monotonic() + 60
    while "Uvicorn running" not in log.read_text():
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"rwakit serve did not start:\n{log.read_text()}")
        time.sleep(0.1)
    admin = re.search(r"^  admin\s+(rwk_\S+)$", log.read_text(), re.MULTILINE)
    if admin is None:
        raise SystemExit(f"no admin key printed (is RWAKIT_DATABASE_URL an old database?):\n{log.read_text()}")
    return server, f"http://127.0.0.1:{port}", admin.group(1)


def run(platform: Platform, base: str, admin_key: str, args: argparse.Namespace) -> list[Row]:
    n = args.investors
    admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin_key}"}, timeout=600)
    key = {r: check(admin.post("/api-keys", json={"role": r}))["key"] for r in ("issuer", "registrar")}
    issuer = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key['issuer']}"}, timeout=600)
    registrar = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key['registrar']}"}, timeout=600)

    wallets = [Account.create().address for _ in range(n)]
    ids = [f"B-{i:05d}" for i in range(n)]
    for start in range(0, n, 100):
        batch = [{"investor_id": ids[i], "wallets": [wallets[i]], "country": "SG", "kyc_expiry": "2099-01-01"}
                 for i in range(start, min(start + 100, n))]  # fmt: skip
        check(registrar.post("/investors/batch", json={"investors": batch}))
    for symbol in ("BATCH", "SINGLE", "DIRECT", "PIPE"):
        check(issuer.post("/assets", json={"name": symbol, "symbol": symbol, "shares_authorised": "1000000000"}))
    rows: list[Row] = []

    allocations = [{"to": ids[i], "amount": "10.5"} for i in range(n)]
    started = time.perf_counter()
    result = check(issuer.post("/issuances/batch", json={"asset": "BATCH", "allocations": allocations},
                               headers={"Idempotency-Key": secrets.token_hex(8)}))  # fmt: skip
    elapsed = time.perf_counter() - started
    assert result["issued_rows"] == n, result["status"]
    rows.append((f"API batch issuance: 1 request, {len(result['chunks'])} batchMint txs", n, elapsed, "investors"))

    singles = min(args.singles, n)
    started = time.perf_counter()
    for i in range(singles):
        check(issuer.post("/issuances", json={"asset": "SINGLE", "to": ids[i], "amount": "1"},
                          headers={"Idempotency-Key": secrets.token_hex(8)}))  # fmt: skip
    rows.append(("API single issuances: 1 request (1 mint tx) each", singles, time.perf_counter() - started,
                 "investors"))  # fmt: skip

    rows.append(("direct web3 mint(): estimate, sign, send, wait; one by one", n,
                 direct_mints(platform, "DIRECT", wallets, pipelined=False), "investors"))  # fmt: skip
    rows.append(("direct web3 mint(): signed locally, nonces pipelined", n,
                 direct_mints(platform, "PIPE", wallets, pipelined=True), "investors"))  # fmt: skip

    reader = ids[0]  # holds BATCH, SINGLE, DIRECT and PIPE
    read_key = check(admin.post("/api-keys", json={"role": "investor", "investor_id": reader}))["key"]
    path = f"/investors/{reader}/holdings"
    # The direct mints were not this API's writes: the read names their block to wait for the index.
    fresh = f"{base}{path}?min_block={platform.chain.w3.eth.block_number}"
    probe = check(httpx.get(fresh, headers={"X-API-Key": read_key}))
    assert len(probe["holdings"]) == 4, probe
    for clients in (1, args.clients):
        elapsed, latencies = read_load(base, path, read_key, clients, args.reads)
        p50 = statistics.median(latencies) * 1000
        rows.append((f"holdings reads (4 assets, 1 block), {clients} client(s), p50 {p50:.1f} ms",
                     clients * args.reads, elapsed, "requests"))  # fmt: skip
    return rows


def direct_mints(platform: Platform, symbol: str, wallets: list[str], *, pipelined: bool) -> float:
    """mint() once per wallet from the operator's key, straight through web3 (no rwakit services)."""
    w3 = platform.chain.w3
    token = platform.assets.token(symbol)
    account = Account.from_key(_operator_key())
    nonce = w3.eth.get_transaction_count(account.address, "pending")
    chain_id = w3.eth.chain_id
    base: dict[str, Any] = {"from": account.address, "chainId": chain_id}
    if pipelined:  # estimating against a state the pending transactions are changing is refused by Anvil
        base["gas"] = int(token.functions.mint(wallets[0], 10**6).estimate_gas({"from": account.address}) * 1.2)
    started = time.perf_counter()
    sent = []
    for i, wallet in enumerate(wallets):
        tx = token.functions.mint(wallet, 10**6).build_transaction({**base, "nonce": nonce + i})  # type: ignore[arg-type]
        tx_hash = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
        if pipelined:
            sent.append(tx_hash)
        else:
            assert w3.eth.wait_for_transaction_receipt(tx_hash, 60, 0.01)["status"] == 1
    for tx_hash in sent:
        assert w3.eth.wait_for_transaction_receipt(tx_hash, 60, 0.01)["status"] == 1
    return time.perf_counter() - started


def _operator_key() -> str:
    from rwakit.config import DEV_MNEMONIC

    Account.enable_unaudited_hdwallet_features()
    return Account.from_mnemonic(DEV_MNEMONIC, account_path="m/44'/60'/0'/0/0").key.hex()


def read_load(base: str, path: str, key: str, clients: int, per_client: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def reader() -> None:
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as client:
            mine = []
            barrier.wait()
            for _ in range(per_client):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=reader) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response.json()


def print_table(rows: list[Row], say: Callable[[str], None] = print) -> None:
    width = max(len(r[0]) for r in rows)
    say(f"\n{'what':<{width}}  {'count':>6}  {'seconds':>8}  {'per second':>12}")
    for what, count, seconds, unit in rows:
        say(f"{what:<{width}}  {count:>6}  {seconds:>8.2f}  {count / seconds:>8.1f} {unit[:3]}")


if __name__ == "__main__":
    main()
