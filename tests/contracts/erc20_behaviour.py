"""A reusable ERC-20 behaviour suite, in the spirit of OpenZeppelin's ``shouldBehaveLikeERC20``.

Use it by subclassing :class:`ERC20Behaviour` in a test module and providing an ``erc20``
fixture that returns an :class:`ERC20Case`::

    class TestMyTokenBehavesLikeERC20(ERC20Behaviour):
        @pytest.fixture
        def erc20(self, platform: Platform) -> ERC20Case:
            ...

The case's three signers must be funded (they pay gas) and allowed to hold and move the token
(for a permissioned token: verified investors). Only ``holder`` holds tokens, ``supply`` of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.signer import Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.errors import ContractRevert

ZERO_ADDRESS = "0x" + "00" * 20
MAX_UINT256 = 2**256 - 1


@dataclass(frozen=True)
class ERC20Case:
    """A token under test and the accounts the suite plays with."""

    token: Contract
    txm: TransactionManager
    holder: Signer  # holds the whole supply
    recipient: Signer  # holds nothing; may receive
    spender: Signer  # holds nothing; may receive and be approved
    supply: int
    name: str
    symbol: str
    decimals: int

    def send(self, signer: Signer, call: ContractFunction) -> TxReceipt:
        return self.txm.transact(signer, call, label=f"{call.fn_name} by {signer.address}")

    def balance(self, account: Signer | str) -> int:
        address = account if isinstance(account, str) else account.address
        return int(self.token.functions.balanceOf(address).call())

    def allowance(self, owner: Signer, spender: Signer) -> int:
        return int(self.token.functions.allowance(owner.address, spender.address).call())

    def events(self, name: str, receipt: TxReceipt) -> list[dict[str, Any]]:
        """The decoded arguments of every `name` event the token emitted in `receipt`."""
        logs = self.token.events[name]().process_receipt(receipt, errors=DISCARD)
        return [dict(log["args"]) for log in logs]


def assert_reverted_with(error: pytest.ExceptionInfo[ContractRevert], name: str, **args: Any) -> None:
    """The revert is the Solidity error `name` with these arguments (addresses checksummed, as web3 gives them)."""
    assert error.value.error == name
    actual = error.value.args_by_name
    for key, expected in args.items():
        assert actual[key] == expected, (key, actual[key], expected)


class ERC20Behaviour:
    """ERC-20 as EIP-20 and OpenZeppelin 5 (EIP-6093 errors) define it. Not collected on its own."""

    @pytest.fixture
    def erc20(self) -> ERC20Case:
        raise NotImplementedError("subclass ERC20Behaviour and provide the token under test as `erc20`")

    # -- metadata and supply ------------------------------------------------------------------

    def test_name_symbol_and_decimals(self, erc20: ERC20Case) -> None:
        f = erc20.token.functions
        assert (f.name().call(), f.symbol().call(), f.decimals().call()) == (erc20.name, erc20.symbol, erc20.decimals)

    def test_total_supply_is_the_initial_supply(self, erc20: ERC20Case) -> None:
        assert erc20.token.functions.totalSupply().call() == erc20.supply

    def test_balance_of_the_holder_is_the_initial_supply(self, erc20: ERC20Case) -> None:
        assert erc20.balance(erc20.holder) == erc20.supply

    def test_balance_of_an_account_without_tokens_is_zero(self, erc20: ERC20Case) -> None:
        assert erc20.balance(erc20.recipient) == 0

    # -- transfer -----------------------------------------------------------------------------

    def test_transfer_moves_the_amount_and_emits_transfer(self, erc20: ERC20Case) -> None:
        amount = erc20.supply // 4
        receipt = erc20.send(erc20.holder, erc20.token.functions.transfer(erc20.recipient.address, amount))
        assert erc20.balance(erc20.holder) == erc20.supply - amount
        assert erc20.balance(erc20.recipient) == amount
        assert erc20.token.functions.totalSupply().call() == erc20.supply
        assert erc20.events("Transfer", receipt) == [
            {"from": erc20.holder.address, "to": erc20.recipient.address, "value": amount}
        ]

    def test_transfer_of_the_whole_balance_empties_the_sender(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.transfer(erc20.recipient.address, erc20.supply))
        assert (erc20.balance(erc20.holder), erc20.balance(erc20.recipient)) == (0, erc20.supply)

    def test_transfer_of_zero_emits_transfer(self, erc20: ERC20Case) -> None:
        receipt = erc20.send(erc20.holder, erc20.token.functions.transfer(erc20.recipient.address, 0))
        assert erc20.events("Transfer", receipt) == [
            {"from": erc20.holder.address, "to": erc20.recipient.address, "value": 0}
        ]
        assert erc20.balance(erc20.holder) == erc20.supply

    def test_transfer_to_oneself_keeps_the_balance(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.transfer(erc20.holder.address, erc20.supply))
        assert erc20.balance(erc20.holder) == erc20.supply

    def test_transfer_above_the_balance_reverts_with_insufficient_balance(self, erc20: ERC20Case) -> None:
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.holder, erc20.token.functions.transfer(erc20.recipient.address, erc20.supply + 1))
        assert_reverted_with(
            refused,
            "ERC20InsufficientBalance",
            sender=erc20.holder.address,
            balance=erc20.supply,
            needed=erc20.supply + 1,
        )
        assert (erc20.balance(erc20.holder), erc20.balance(erc20.recipient)) == (erc20.supply, 0)

    def test_transfer_to_the_zero_address_reverts_with_invalid_receiver(self, erc20: ERC20Case) -> None:
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.holder, erc20.token.functions.transfer(ZERO_ADDRESS, 1))
        assert_reverted_with(refused, "ERC20InvalidReceiver", receiver=ZERO_ADDRESS)

    # -- approve and allowance ----------------------------------------------------------------

    def test_allowance_is_zero_before_any_approval(self, erc20: ERC20Case) -> None:
        assert erc20.allowance(erc20.holder, erc20.spender) == 0

    def test_approve_sets_the_allowance_and_emits_approval(self, erc20: ERC20Case) -> None:
        receipt = erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, 40))
        assert erc20.allowance(erc20.holder, erc20.spender) == 40
        assert erc20.events("Approval", receipt) == [
            {"owner": erc20.holder.address, "spender": erc20.spender.address, "value": 40}
        ]

    def test_approve_replaces_an_earlier_allowance(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, 40))
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, 7))
        assert erc20.allowance(erc20.holder, erc20.spender) == 7

    def test_approve_may_exceed_the_balance(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, erc20.supply * 10))
        assert erc20.allowance(erc20.holder, erc20.spender) == erc20.supply * 10

    def test_approve_of_the_zero_address_reverts_with_invalid_spender(self, erc20: ERC20Case) -> None:
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.holder, erc20.token.functions.approve(ZERO_ADDRESS, 1))
        assert_reverted_with(refused, "ERC20InvalidSpender", spender=ZERO_ADDRESS)

    # -- transferFrom -------------------------------------------------------------------------

    def test_transfer_from_moves_the_amount_and_spends_the_allowance(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, 100))
        call = erc20.token.functions.transferFrom(erc20.holder.address, erc20.recipient.address, 60)
        receipt = erc20.send(erc20.spender, call)
        assert erc20.allowance(erc20.holder, erc20.spender) == 40
        assert (erc20.balance(erc20.holder), erc20.balance(erc20.recipient)) == (erc20.supply - 60, 60)
        assert erc20.balance(erc20.spender) == 0
        assert erc20.events("Transfer", receipt) == [
            {"from": erc20.holder.address, "to": erc20.recipient.address, "value": 60}
        ]
        assert erc20.events("Approval", receipt) == []  # OpenZeppelin 5 spends allowances silently

    def test_transfer_from_above_the_allowance_reverts_with_insufficient_allowance(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, 10))
        call = erc20.token.functions.transferFrom(erc20.holder.address, erc20.recipient.address, 11)
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.spender, call)
        assert_reverted_with(
            refused, "ERC20InsufficientAllowance", spender=erc20.spender.address, allowance=10, needed=11
        )
        assert erc20.allowance(erc20.holder, erc20.spender) == 10
        assert erc20.balance(erc20.holder) == erc20.supply

    def test_transfer_from_without_approval_reverts_with_insufficient_allowance(self, erc20: ERC20Case) -> None:
        call = erc20.token.functions.transferFrom(erc20.holder.address, erc20.recipient.address, 1)
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.spender, call)
        assert_reverted_with(
            refused, "ERC20InsufficientAllowance", spender=erc20.spender.address, allowance=0, needed=1
        )

    def test_transfer_from_above_the_balance_reverts_with_insufficient_balance(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, MAX_UINT256))
        call = erc20.token.functions.transferFrom(erc20.holder.address, erc20.recipient.address, erc20.supply + 1)
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.spender, call)
        assert_reverted_with(
            refused,
            "ERC20InsufficientBalance",
            sender=erc20.holder.address,
            balance=erc20.supply,
            needed=erc20.supply + 1,
        )

    def test_transfer_from_to_the_zero_address_reverts_with_invalid_receiver(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, 10))
        with pytest.raises(ContractRevert) as refused:
            erc20.send(erc20.spender, erc20.token.functions.transferFrom(erc20.holder.address, ZERO_ADDRESS, 1))
        assert_reverted_with(refused, "ERC20InvalidReceiver", receiver=ZERO_ADDRESS)

    def test_an_unlimited_allowance_is_never_spent(self, erc20: ERC20Case) -> None:
        erc20.send(erc20.holder, erc20.token.functions.approve(erc20.spender.address, MAX_UINT256))
        erc20.send(erc20.spender, erc20.token.functions.transferFrom(erc20.holder.address, erc20.recipient.address, 5))
        assert erc20.allowance(erc20.holder, erc20.spender) == MAX_UINT256
