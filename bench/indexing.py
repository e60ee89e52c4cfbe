"""Throughput of the indexer from one Anvil into SQLite and PostgreSQL, printed as a table.

    python bench/indexing.py                                   # 1,000 wallets x 5 rounds, SQLite
    python bench/indexing.py --rounds 10 --database-url postgresql://postgres@127.0.0.1/bench_index

One run: start Anvil, deploy, register the wallets' investors (batches of 100), create an asset,
issue to every wallet `rounds` times (batchMint of 200), then index from the deployment block
into each database (its index rows dropped first) and report logs per second, where the logs are
the registrations, wallet additions, role and document events and every Transfer.
"""

from __future__ import annotations

import argparse
import secrets
import time

from sqlalchemy import func, select
from web3 import Web3

from rwakit.chain.connection import connect_url, dev_signers
from rwakit.chain.node import start_node
from rwakit.config import Settings
from rwakit.db import create_tables, make_engine
from rwakit.indexer import store
from rwakit.indexer.follower import Indexer, IndexerOptions
from rwakit.indexer.projection import table
from rwakit.platform import Platform
from rwakit.registry import InvestorInput
from rwakit.tokenize.models import AssetSpec

LOG_TABLES = ("index_transfer", "index_investor_history", "index_wallet_history", "index_setting_history")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wallets", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", action="append", help="default: a SQLite file in /tmp; repeatable")
    args = parser.parse_args()
    urls = args.database_url or [f"sqlite:////tmp/rwakit-bench-index-{secrets.token_hex(3)}.db"]
    node = start_node("anvil")
    try:
        platform = Platform.deploy(connect_url(node.url, dev_signers(Settings(_env_file=None))))
        chain = platform.chain
        expiry = int(chain.w3.eth.get_block("latest")["timestamp"]) + 10 * 365 * 86400
        wallets = [Web3.to_checksum_address("0x" + secrets.token_hex(20)) for _ in range(args.wallets)]
        for first in range(0, len(wallets), 100):
            platform.registry.register_batch([
                InvestorInput(f"B-{n}", [wallets[n]], "HK", "professional", expiry)
                for n in range(first, min(first + 100, len(wallets)))
            ])  # fmt: skip
        asset = platform.assets.create(AssetSpec("Bench Fund", "BEN", 0, "fund", 10**15)).address
        started = time.perf_counter()
        for round_ in range(args.rounds):
            for first in range(0, len(wallets), 200):
                platform.assets.issue_batch(asset, [(w, 1 + round_) for w in wallets[first : first + 200]])
        print(f"chain ready in {time.perf_counter() - started:.0f} s, head {chain.w3.eth.block_number}")
        print("| database | seconds | logs | logs/s |\n|---|---:|---:|---:|")
        for url in urls:
            engine = make_engine(url)
            create_tables(engine)
            store.drop(engine, chain.chain_id)
            indexer = Indexer(chain.w3, engine, platform.deployment, IndexerOptions(log_range=2000))
            started = time.perf_counter()
            indexer.catch_up()
            seconds = time.perf_counter() - started
            indexer.close()
            with engine.connect() as connection:
                counted = sum(
                    int(
                        connection.execute(select(func.count()).where(table(n).c.chain_id == chain.chain_id)).scalar()
                        or 0
                    )
                    for n in LOG_TABLES
                )
            print(f"| {engine.url.get_backend_name()} | {seconds:.2f} | {counted:,} | {counted / seconds:,.0f} |")
            engine.dispose()
    finally:
        node.stop()


if __name__ == "__main__":
    main()
