"""Every way a revert reaches web3 from each supported chain decodes to the same typed error.

Anvil gives the revert data as a hex string; Ganache 7.9 as ``{"result": ...}`` at gas estimation,
and inside a JSON-RPC error for an ``Error(string)`` replayed by ``eth_call``; eth-tester as the text
of its own exception. A stub contract reverts with exactly the bytes each case needs, whatever
is called, so the cases do not depend on the state of the platform's contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_tester.exceptions import ValidationError
from web3 import Web3
from web3.contract.contract import ContractFunction
from web3.exceptions import Web3RPCError

from rwakit.chain.connection import Chain
from rwakit.chain.revert_data import revert_data
from rwakit.chain.transactions import MemoryJournal, TransactionManager
from rwakit.errors import ComplianceError, ContractRevert, TransactionFailed

pytestmark = pytest.mark.every_chain

OPERATOR = "0x" + "11" * 20
STRANGER = "0x" + "22" * 20
POKE_ABI = [{"type": "function", "name": "poke", "inputs": [], "outputs": [], "stateMutability": "nonpayable"}]


def _error(signature: str, types: list[str], values: list[Any]) -> bytes:
    return bytes(Web3.keccak(text=signature)[:4]) + encode(types, values)


@dataclass(frozen=True)
class Case:
    data: bytes
    raised: type[TransactionFailed]
    error: str | None = None  # the decoded Solidity error's name
    args: tuple[tuple[str, Any], ...] = ()


CASES = {
    "refusal": Case(
        _error("AssetTransferRestricted(address,address,uint256,uint8)", ["address", "address", "uint256", "uint8"],
               [OPERATOR, STRANGER, 5, 3]),
        ComplianceError, "AssetTransferRestricted", (("code", 3), ("amount", 5)),
    ),
    # eth-tester decodes any revert whose first word reads as a string offset as Error(string): "HVT"
    "string_argument": Case(
        _error("FactorySymbolTaken(string,address)", ["string", "address"], ["HVT", STRANGER]),
        ContractRevert, "FactorySymbolTaken", (("symbol", "HVT"),),
    ),
    "error_string": Case(_error("Error(string)", ["string"], ["not now"]), ContractRevert, "Error",
                         (("message", "not now"),)),
    "panic": Case(_error("Panic(uint256)", ["uint256"], [0x11]), ContractRevert, "Panic", (("code", 0x11),)),
    "no_data": Case(b"", TransactionFailed),
    "unknown_error": Case(bytes.fromhex("deadbeef"), TransactionFailed),
}  # fmt: skip


def reverter(chain: Chain, txm: TransactionManager, data: bytes) -> ContractFunction:
    """A contract whose every call reverts with `data`: runtime = CODECOPY(data) then REVERT."""
    runtime_head = 13
    size = len(data).to_bytes(2, "big")
    runtime = b"\x61" + size + b"\x61" + runtime_head.to_bytes(2, "big") + b"\x5f\x39\x61" + size + b"\x5f\xfd" + data
    init_size = 13
    length = len(runtime).to_bytes(2, "big")
    init = b"\x61" + length + b"\x61" + init_size.to_bytes(2, "big") + b"\x5f\x39\x61" + length + b"\x5f\xf3"
    constructor = chain.w3.eth.contract(abi=[], bytecode=init + runtime).constructor()
    address, _ = txm.deploy(chain.operator, constructor, label="reverter")
    return chain.w3.eth.contract(address=address, abi=POKE_ABI).functions.poke()


def assert_decoded(refused: pytest.ExceptionInfo[TransactionFailed], case: Case) -> None:
    assert type(refused.value) is case.raised, refused.value
    if case.error is None:
        assert refused.value.code == "transaction_failed"
        return
    assert isinstance(refused.value, ContractRevert)
    assert refused.value.error == case.error
    assert {k: refused.value.args_by_name[k] for k, _ in case.args} == dict(case.args)


@pytest.mark.parametrize("name", CASES)
def test_a_revert_at_gas_estimation_is_decoded(chain: Chain, name: str) -> None:
    case, txm = CASES[name], TransactionManager(chain.w3)
    call = reverter(chain, txm, case.data)
    with pytest.raises(TransactionFailed) as refused:
        txm.transact(chain.operator, call, label="poke")
    assert_decoded(refused, case)


@pytest.mark.parametrize("name", CASES)
def test_a_revert_inside_a_mined_transaction_is_replayed_and_decoded(chain: Chain, name: str) -> None:
    """Gas is given, so nothing is estimated: the node mines the failing transaction, and its reason is replayed."""
    case, journal = CASES[name], MemoryJournal()
    txm = TransactionManager(chain.w3, journal=journal)
    call = reverter(chain, txm, case.data)
    tx = dict(call.build_transaction({"from": chain.operator.address, "gas": 100_000, "chainId": chain.chain_id}))
    with pytest.raises(TransactionFailed) as refused:
        txm._send(chain.operator, tx, "poke")
    assert_decoded(refused, case)
    assert journal.records[-1].status == "reverted"


@pytest.mark.parametrize(
    "exc",
    [
        Web3RPCError("nonce too low", rpc_response={"error": {"code": -32003, "message": "nonce too low"}}),
        Web3RPCError("pruned", rpc_response={"error": {"code": -32602, "message": "BlockOutOfRangeError: ..."}}),
        ValidationError("Transaction is missing the required keys: 'from'"),
        ValueError("execution reverted"),
    ],
    ids=["node-refusal", "state-gone", "eth-tester-validation", "not-from-web3"],
)
def test_an_error_that_is_not_a_revert_is_not_read_as_one(exc: Exception) -> None:
    """These must propagate (or be retried) as they are, not become a contract's refusal."""
    assert revert_data(exc) is None
