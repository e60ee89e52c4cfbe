"""Gas and time benchmark of the money leg: DvP settlement against its budget, distribution creation
at 10 / 1,000 / 10,000 holders, claims, and building the tree.

Run from the repository root with the virtualenv active:

    python bench/settlement.py [--json PATH]

One Anvil is started for the run (and stopped at the end). The platform is deployed with its money
leg (the test HKD coin, DeliveryVersusPayment, IncomeDistributor); every gas figure is the ``gasUsed``
of one real transaction's receipt, measured in steady state (not the first trade or claim ever):

- the budget: one rwakit transfer between two existing holders plus one HKD transfer between two
  existing holders, measured in the same run, plus 40,000; DvP settlement (trades between the same
  existing holders, the buyer's payment escrowed at acceptance) with no fee and with a fee;
- creating a distribution over registers of 10, 1,000 and 10,000 holders (the allocation and the
  Merkle root built in Python from a synthetic register; creation publishes only the root, so it must
  not grow with the register);
- claims from the 10,000-holder tree (proofs of 13-14 hashes) by 2 x CLAIMANTS registered investors at
  consecutive indices: CLAIMANTS who already hold HKD (the goal's case) and CLAIMANTS whose claim is
  their first HKD (the coin's new balance slot, about 17,000 more: the coin's cost); the median of each
  and of all, and the max;
- the time to allocate and build the tree for 10,000 holders, in Python;
- what the other ways of locking the shares at acceptance would add (the issue: "escrowed or frozen,
  decide by the gas table"): the asset's partial freeze at acceptance and unfreeze at settlement, and a
  transfer into a registered escrow holder; beside the seller's approve, which this design's lock is;
- T-REX 4.1.6's DVDTransferManager beside DvP (bench/trex.py, from its npm artifacts): a trade of T-REX
  shares (DefaultCompliance) for the same HKD, initiated and taken between two existing holders.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gas import fresh_wallet, gas, table
from trex import measure_dvd
from web3.contract import Contract
from web3.logs import DISCARD

from rwakit.chain.connection import Chain, connect_url
from rwakit.chain.node import start_node
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.config import DEV_MNEMONIC
from rwakit.platform import Platform
from rwakit.registry.models import InvestorInput
from rwakit.settlement.merkle import StandardMerkleTree
from rwakit.settlement.register import LEAF_TYPES, allocate
from rwakit.settlement.services import Settlement
from rwakit.tokenize import AssetSpec

YEAR = 365 * 24 * 3600
HOLDER_COUNTS = (10, 1_000, 10_000)
CLAIMANTS = 150
BUDGET_SLACK = 40_000
CLAIM_TARGET = 65_000
AMOUNT = 2_500_000 * 10**6  # a month's rent, HKD 2.5 million


class Bench:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.platform = Platform.deploy(chain)
        self.money = Settlement.open(self.platform)
        self.operator = chain.operator
        self.alice, self.bob = chain.signers[1], chain.signers[2]
        self.expiry = int(chain.w3.eth.get_block("latest")["timestamp"]) + YEAR
        self.platform.registry.register_batch([
            InvestorInput("ALICE", [self.alice.address], "HK", "professional", self.expiry),
            InvestorInput("BOB", [self.bob.address], "HK", "professional", self.expiry),
        ])  # fmt: skip
        self.platform.assets.create(AssetSpec("Harbour View Tower", "HVT", 6, "property", "1000000"))
        self.token: Contract = self.platform.assets.token("HVT")
        self.platform.assets.issue_batch("HVT", [(self.alice.address, 10**11), (self.bob.address, 10**11)])
        for who in (self.operator, self.alice, self.bob):
            self.money.cash.mint(who.address, 10**15)
        # The register of 10,000 holders; those at the first CLAIMANTS indices become real holders.
        self.register: dict[str, int] = {fresh_wallet(i): 10**6 + i for i in range(max(HOLDER_COUNTS))}

    def holders(self, leaves: Sequence[tuple[int, str, int]]) -> None:
        """Register and issue shares to the wallets of `leaves` (holders of record hold shares)."""
        wallets = [wallet for _, wallet, _ in leaves]
        for start in range(0, len(wallets), 100):
            batch = wallets[start : start + 100]
            self.platform.registry.register_batch(
                [
                    InvestorInput(f"H-{start + i:05d}", [w], "HK", "professional", self.expiry)
                    for i, w in enumerate(batch)
                ]
            )
            self.platform.assets.issue_batch("HVT", [(w, self.register[w]) for w in batch])

    def send(self, signer: Signer, call: Any) -> int:
        return gas(self.platform.txm.transact(signer, call, label=f"bench {call.fn_name}"))

    def budget(self) -> tuple[int, int]:
        share = self.send(self.alice, self.token.functions.transfer(self.bob.address, 10**6))
        coin = self.send(self.bob, self.money.cash.token.functions.transfer(self.alice.address, 10**6))
        return share, coin

    def trade(self) -> dict[str, int]:
        """One trade, alice selling to bob, each step's gas."""
        trades = self.money.trades
        dvp = trades.dvp
        expiry = int(self.chain.w3.eth.get_block("latest")["timestamp"]) + 3600
        approve = self.send(self.alice, self.token.functions.approve(dvp.address, 10**6))
        self.send(self.bob, self.money.cash.token.functions.approve(dvp.address, 10**9))
        receipt = self.platform.txm.transact(
            self.alice, dvp.functions.propose(self.bob.address, True, self.token.address, 10**6, 10**9, expiry),
            label="bench propose",
        )  # fmt: skip
        trade_id = dvp.events.TransferIncepted().process_receipt(receipt, errors=DISCARD)[0]["args"]["id"]
        return {
            "approve": approve,
            "propose": gas(receipt),
            "accept": self.send(self.bob, dvp.functions.accept(trade_id)),
            "settle": self.send(self.alice, dvp.functions.settle(trade_id)),
        }

    def locks(self) -> dict[str, int]:
        """What locking the shares at acceptance would cost otherwise: freezing them on the asset (its
        ISSUER_ROLE: a partial freeze at acceptance, the unfreeze at settlement), or escrowing them with a
        registered holder (a transfer in at acceptance; settlement's transfer out replaces seller -> buyer)."""
        escrow = self.chain.signers[5]
        self.platform.registry.register_batch(
            [InvestorInput("ESCROW", [escrow.address], "HK", "professional", self.expiry)]
        )
        freeze = self.token.functions.freezePartialTokens(self.alice.address, 10**6)
        unfreeze = self.token.functions.unfreezePartialTokens(self.alice.address, 10**6)
        self.send(self.operator, freeze)  # warm-up: the account's first frozen amount
        self.send(self.operator, unfreeze)
        return {
            "freeze": self.send(self.operator, freeze),
            "unfreeze": self.send(self.operator, unfreeze),
            "escrow_new": self.send(self.alice, self.token.functions.transfer(escrow.address, 10**6)),
            "escrow_existing": self.send(self.alice, self.token.functions.transfer(escrow.address, 10**6)),
        }

    def create(self, holders: int) -> tuple[int, StandardMerkleTree]:
        """A distribution over the first `holders` wallets of the register."""
        register = dict(list(self.register.items())[:holders])
        allocation = allocate(register, AMOUNT)
        tree = StandardMerkleTree.of(allocation.leaves, LEAF_TYPES)
        distributor = self.money.distributions.distributor
        record = self.chain.w3.eth.block_number - 1
        deadline = int(self.chain.w3.eth.get_block("latest")["timestamp"]) + YEAR
        self.money.cash.approve(self.operator, distributor.address, allocation.allocated)
        call = distributor.functions.create(self.token.address, record, tree.root, AMOUNT, allocation.allocated,
                                            deadline, "ipfs://bench")  # fmt: skip
        return self.send(self.operator, call), tree

    def claims(self, distribution_id: int, tree: StandardMerkleTree, leaves: Sequence[int]) -> list[int]:
        """Claims of the leaves at tree positions `leaves`, in index order, sent by the operator."""
        claim = self.money.distributions.distributor.functions.claim
        return [self.send(self.operator, claim(distribution_id, *tree.values[i], tree.proof(i))) for i in leaves]

    def claims_with_access_list(self, distribution_id: int, tree: StandardMerkleTree,
                                leaves: Sequence[int]) -> list[int]:  # fmt: skip
        """The same claims sent with an EIP-2930 access list of the asset and the coin and the slots the claim
        reads in them (from eth_createAccessList), paid up front at 2,400 an address and 1,900 a slot instead
        of 2,600 and 2,100 at first touch. A sender's choice, not the contract's; sent by an account the
        transaction manager does not use, so its nonces stay its own."""
        w3, sender = self.chain.w3, self.chain.signers[6]
        claim = self.money.distributions.distributor.functions.claim
        used = []
        for i in leaves:
            tx: dict[str, Any] = dict(claim(distribution_id, *tree.values[i], tree.proof(i)).build_transaction(
                {"from": sender.address, "chainId": self.chain.chain_id}))  # fmt: skip
            request = {"from": sender.address, "to": tx["to"], "data": tx["data"]}
            listed = w3.provider.make_request("eth_createAccessList", [request, "latest"])["result"]  # type: ignore[arg-type]
            # The node lists the distributor too, but a transaction's `to` is warm already: listed, it would
            # cost 2,400 more and its slots 1,900 each against 2,100 cold.
            entries = [e for e in listed["accessList"] if e["address"].lower() != tx["to"].lower()]
            tx |= {"accessList": entries, "gas": int(listed["gasUsed"], 16) + 20_000,
                   "nonce": w3.eth.get_transaction_count(sender.address)}  # fmt: skip
            used.append(gas(w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(sender.sign_transaction(tx)))))
        return used

    def run(self) -> dict[str, Any]:
        self.trade()  # warm-up: the first trade ever writes the trade counter from zero
        share, coin = self.budget()
        plain = self.trade()
        self.money.trades.set_fee(self.operator, 25)
        self.trade()  # the first fee ever writes feesAccrued from zero
        with_fee = self.trade()
        locks = self.locks()
        self.create(10)  # warm-up: the first distribution ever writes the counter from zero
        creation = {}
        for count in HOLDER_COUNTS:
            creation[count], tree = self.create(count)
        distribution_id = 1 + len(HOLDER_COUNTS)
        by_index = sorted(range(len(tree.values)), key=lambda i: tree.values[i][0])[: 3 * CLAIMANTS]
        self.holders([tree.values[i] for i in by_index])
        first, second, third = (by_index[k * CLAIMANTS : (k + 1) * CLAIMANTS] for k in range(3))
        for i in second + third:  # these holders already hold some HKD
            self.money.cash.mint(tree.values[i][1], 1)
        no_cash, with_cash = self.claims(distribution_id, tree, first), self.claims(distribution_id, tree, second)
        listed = self.claims_with_access_list(distribution_id, tree, third)
        seller, buyer = self.chain.signers[3], self.chain.signers[4]
        self.money.cash.mint(buyer.address, 10**15)
        trex = measure_dvd(self.chain.w3, self.platform.txm, self.operator, seller, buyer, self.money.cash.token,
                           10**18, 10**9)  # fmt: skip
        started = time.perf_counter()
        StandardMerkleTree.of(allocate(self.register, AMOUNT).leaves, LEAF_TYPES)
        build = time.perf_counter() - started
        return {"transfer": share, "erc20_transfer": coin, "budget": share + coin + BUDGET_SLACK, "trade": plain,
                "trade_with_fee": with_fee, "locks": locks, "creation": creation, "claims_no_hkd": no_cash,
                "claims_holding_hkd": with_cash, "claims_access_list": listed, "tree_seconds": build,
                "trex_dvd": trex}  # fmt: skip


def report(r: dict[str, Any], client: str) -> str:
    f = "{:,}".format
    claims = r["claims_no_hkd"] + r["claims_holding_hkd"]
    dry, held, listed = (int(statistics.median(r[k])) for k in ("claims_no_hkd", "claims_holding_hkd",
                                                                  "claims_access_list"))  # fmt: skip
    rows = [
        ["rwakit transfer (existing holders)", f(r["transfer"]), ""],
        ["HKD transfer (existing holders)", f(r["erc20_transfer"]), ""],
        ["budget: the two + 40,000", f(r["budget"]), ""],
        ["DvP settle, no fee", f(r["trade"]["settle"]), "ok" if r["trade"]["settle"] <= r["budget"] else "OVER"],
        [
            "DvP settle, 25 bps fee",
            f(r["trade_with_fee"]["settle"]),
            "ok" if r["trade_with_fee"]["settle"] <= r["budget"] else "OVER",
        ],
        ["T-REX 4.1.6 DVDTransferManager take (no lock)", f(r["trex_dvd"]["take"]), ""],
        ["DvP propose", f(r["trade"]["propose"]), ""],
        ["DvP accept (payment escrowed)", f(r["trade"]["accept"]), ""],
        ["T-REX 4.1.6 DVDTransferManager initiate", f(r["trex_dvd"]["initiate"]), ""],
        ["lock, this design: the seller's approve", f(r["trade"]["approve"]), ""],
        ["lock by freezing: freezePartialTokens (accept)", f(r["locks"]["freeze"]), ""],
        ["lock by freezing: unfreezePartialTokens (settle)", f(r["locks"]["unfreeze"]), ""],
        ["lock by escrow: shares in, escrow held none", f(r["locks"]["escrow_new"]), ""],
        ["lock by escrow: shares in, escrow held some", f(r["locks"]["escrow_existing"]), ""],
        *[[f"distribution create, {n:,} holders", f(g), ""] for n, g in r["creation"].items()],
        [
            f"claim, median, holder already holding HKD ({len(r['claims_holding_hkd'])})",
            f(held),
            "ok" if held <= CLAIM_TARGET else "OVER",
        ],
        [
            f"claim with an access list, median, holding HKD ({len(r['claims_access_list'])})",
            f(listed),
            "ok" if listed <= CLAIM_TARGET else "OVER",
        ],
        [f"claim, median, holder's first HKD ({len(r['claims_no_hkd'])})", f(dry), ""],
        [f"claim, median of all {len(claims)}", f(int(statistics.median(claims))), ""],
        ["claim, max", f(max(claims)), ""],
        ["tree for 10,000 holders, Python (allocate + build)", f"{r['tree_seconds']:.2f} s", ""],
    ]
    flat = len(set(r["creation"].values())) == 1
    return "\n".join([
        f"Money leg on {client}",
        "",
        table(["operation", "gas", "goal"], rows),
        "",
        f"Distribution creation flat across register sizes: {'yes' if flat else 'NO'}",
    ])  # fmt: skip


def dev_signers(count: int = 10) -> list[Signer]:
    """The development mnemonic's first `count` accounts, which Anvil funds."""
    return [DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in range(count)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the measurements as JSON")
    args = parser.parse_args(argv)
    with start_node("anvil") as node:
        chain = connect_url(node.url, dev_signers())
        result = Bench(chain).run()
        print(report(result, chain.w3.client_version))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
