"""The CLI on a PostgreSQL database that API processes share: it sends through the same sender lock and
nonce count as they do (rwakit.db.send_gate), so an operator's command never takes a worker's nonce."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg2
from web3 import HTTPProvider, Web3

from tests.cli.test_cli import env, running_chain, rwakit  # noqa: F401 - fixtures
from tests.postgres import fresh_database


def test_cli_writes_count_their_nonces_with_the_api_processes(
    env: dict[str, str],  # noqa: F811
    running_chain: subprocess.Popen[str],  # noqa: F811
) -> None:
    with fresh_database("rwakit_cli") as url:
        shared = {**env, "RWAKIT_DATABASE_URL": url}
        rwakit(shared, "deploy")
        rwakit(shared, "asset", "create", "--name", "Harbour View Tower", "--symbol", "HVT", "--shares", "1000")
        node = json.loads((Path(env["RWAKIT_DATA_DIR"]) / "node.json").read_text())
        w3 = Web3(HTTPProvider(node["url"]))
        operator = w3.eth.accounts[0]
        with psycopg2.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute("SELECT address, next_nonce FROM sender_nonce")
            counted = cursor.fetchall()
        connection.close()
        assert counted == [(operator, w3.eth.get_transaction_count(operator))]
