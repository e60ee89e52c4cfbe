"""NodeProvider: Anvil's BlockOutOfRangeError, answered to a call made while it mines a block, is asked
again; any other error, and a race that does not end, come back as the node gave them."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from web3.types import RPCEndpoint

from rwakit.chain.connection import MINING_RACE_ATTEMPTS, NodeProvider

RACE = {"code": -32602, "message": "BlockOutOfRangeError: block height is 15 but requested was 14"}


class FakeNode:
    """Answers each JSON-RPC request (or batch) with the next planned error, then with a result."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []
        self.requests = 0


@pytest.fixture
def node() -> Iterator[tuple[FakeNode, str]]:
    fake = FakeNode()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the http.server hook
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests += 1
            error = fake.errors.pop(0) if fake.errors else None

            def answer(request: dict[str, Any]) -> dict[str, Any]:
                reply = {"error": error} if error else {"result": "0x01"}
                return {"jsonrpc": "2.0", "id": request["id"], **reply}

            data = json.dumps([answer(r) for r in body] if isinstance(body, list) else answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_mining_race_is_asked_again(node: tuple[FakeNode, str]) -> None:
    fake, url = node
    fake.errors = [RACE, RACE]
    assert NodeProvider(url).make_request(RPCEndpoint("eth_call"), [])["result"] == "0x01"
    assert fake.requests == 3
    fake.errors, fake.requests = [RACE], 0
    batch = NodeProvider(url).make_batch_request([(RPCEndpoint("eth_call"), []), (RPCEndpoint("eth_call"), [])])
    assert [r["result"] for r in batch] == ["0x01", "0x01"] and fake.requests == 2  # type: ignore[index]


def test_other_errors_and_an_endless_race_come_back_as_given(node: tuple[FakeNode, str]) -> None:
    fake, url = node
    fake.errors = [{"code": 3, "message": "execution reverted"}]
    assert NodeProvider(url).make_request(RPCEndpoint("eth_call"), [])["error"]["code"] == 3
    assert fake.requests == 1
    fake.errors, fake.requests = [RACE] * 10, 0
    assert "BlockOutOfRangeError" in NodeProvider(url).make_request(RPCEndpoint("eth_call"), [])["error"]["message"]
    assert fake.requests == MINING_RACE_ATTEMPTS
