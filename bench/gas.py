"""Gas benchmark: rwakit's compliant asset token against a plain OpenZeppelin ERC20 and T-REX 4.1.6.

Run from the repository root with the virtualenv active:

    python bench/gas.py [--json PATH] [--assets 1,10,100,1000]

One Anvil is started for the run (and stopped at the end, also on error). On it the platform
(registry with its deployer, factory), the baseline ``PlainERC20`` (an unrestricted OZ ERC20) and
T-REX 4.1.6 from its npm artifacts (bench/trex.py: DefaultCompliance, and ModularCompliance with no
module) are deployed, and every figure is the ``gasUsed`` of one real transaction's receipt:

- for three assets — no rules; the typical read-only rules (country allow-list, professional
  investors only, a lock-up that has ended, a minimum lot, KYC expiry); every rule (those, plus a
  country block-list, maximum holders and maximum balance per investor, which count investors)
  — transfers to a new holder (receiver's balance was zero) and to an existing holder (both held),
  and mints to a new and to an existing holder; with every rule also a transfer to a new investor
  with two wallets (whose total is stored, unlike a single-wallet investor's);
- batch minting 50 and batch registering 100 investors (per investor), registering one investor,
  updating one, forced transfer, wallet recovery, creating an asset through the factory (plain:
  deploying PlainERC20);
- the clone question: an EIP-1167 clone of PlainERC20 (CloneFactoryMock) against PlainERC20
  itself, giving the DELEGATECALL overhead per transfer and the creation cost of a clone;
- T-REX 4.1.6 on the same chain with the same calldata (the every-rule wallets and amounts);
- what a record change costs as the platform grows: a KYC renewal and a revocation of an investor
  holding in one asset, with 1, 10, 100 and 1,000 assets on the platform (--assets).

Steady state is measured, not first-use: a warm-up mint precedes "mint to a new holder" on every
token (the first mint ever also writes totalSupply from zero), the measured registration and
asset creation are not the registry's or the factory's first. All tokens see identical calldata.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from eth_typing import ChecksumAddress
from trex import MINT_EXISTING, MINT_NEW, TRANSFER_EXISTING, TRANSFER_NEW, TrexWallets, measure_trex
from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD
from web3.types import TxReceipt

from rwakit.chain.connection import Chain, connect_url
from rwakit.chain.node import start_node
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.config import DEV_MNEMONIC
from rwakit.contracts import load_artifact
from rwakit.platform import Platform
from rwakit.registry.models import InvestorInput

N = 50  # batch mint
BATCH_REGISTER = 100  # batch registration, as T-REX's batchRegisterIdentity is measured
AMOUNT = 10**20  # 100 shares of 18 decimals: the same calldata for both tokens
YEAR = 365 * 24 * 3600
TARGETS = {"typical rules": 1.30, "every rule": 1.60}  # transfer to an existing holder, x plain
TREX_MIN = 3.0  # T-REX (DefaultCompliance) / rwakit, every transfer and mint row
ONBOARD_MAX = 60_000  # batch registration, per investor
ASSET_COUNTS = (1, 10, 100, 1000)


@dataclass
class Row:
    operation: str
    plain: int | None
    rwakit: int

    @property
    def ratio(self) -> float | None:
        return None if self.plain is None else self.rwakit / self.plain


def gas(receipt: TxReceipt) -> int:
    return int(receipt["gasUsed"])


def fmt(value: int | float | None, ratio: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}x" if ratio else f"{int(value):,}"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A markdown table, columns padded to line up (text left, numbers right)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        padded = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def fresh_wallet(i: int) -> ChecksumAddress:
    """A deterministic address with realistic (mostly non-zero) bytes; nobody needs its key."""
    return Web3.to_checksum_address(Web3.keccak(text=f"rwakit-bench-wallet-{i}")[12:])


class Bench:
    def __init__(self, chain: Chain) -> None:
        self.chain = chain
        self.platform = Platform.deploy(chain)
        self.txm = self.platform.txm
        self.operator = chain.operator
        self.holders = chain.signers[1:]  # funded dev accounts: they sign transfers
        self.expiry = int(chain.w3.eth.get_block("latest")["timestamp"]) + YEAR
        self.investors = 0
        self.plain_deploy, self.plain = self.deploy("PlainERC20")

    def deploy(self, name: str) -> tuple[int, Contract]:
        address, receipt = self.txm.deploy(
            self.operator, load_artifact(name).factory(self.chain.w3).constructor(), label=f"deploy {name}"
        )
        return gas(receipt), load_artifact(name).at(self.chain.w3, address)

    def send(self, signer: Signer, call: Any, label: str) -> TxReceipt:
        return self.txm.transact(signer, call, label=label)

    def investor(self, *wallets: str) -> InvestorInput:
        self.investors += 1
        country = "HK" if self.investors % 2 else "SG"
        return InvestorInput(f"BENCH-{self.investors:04d}", list(wallets), country, "professional", self.expiry)

    def create_asset(self, symbol: str, investor_limits: bool = False) -> tuple[int, Contract]:
        params = (f"Bench {symbol}", symbol, 18, 0, 10**28, "ipfs://bench", b"\x01" * 32, investor_limits)
        factory = self.platform.assets.factory
        receipt = self.send(self.operator, factory.functions.createAsset(params), f"create {symbol}")
        created = factory.events.AssetCreated().process_receipt(receipt, errors=DISCARD)
        return gas(receipt), load_artifact("AssetToken").at(self.chain.w3, created[0]["args"]["asset"])

    def both(self, signer: Signer, token: Contract, fn: str, *args: Any) -> tuple[int, int]:
        """The same call on the plain token, then on rwakit's: (plain gas, rwakit gas)."""
        plain_gas = gas(self.send(signer, getattr(self.plain.functions, fn)(*args), f"plain {fn}"))
        return plain_gas, gas(self.send(signer, getattr(token.functions, fn)(*args), f"rwakit {fn}"))

    def rules(self, token: Contract, scenario: str) -> None:
        """Switch on the rules of `scenario` (as the compliance officer)."""
        if scenario == "no rules":
            return
        compliance, symbol = self.platform.compliance, token.address
        compliance.allow_countries(symbol, ["HK", "SG"])
        compliance.enable_allow_list(symbol)
        compliance.allow_classes(symbol, ["professional", "institutional"])
        compliance.set_lockup(symbol, int(self.chain.w3.eth.get_block("latest")["timestamp"]) - 1)
        compliance.set_minimum_lot(symbol, 1)
        if scenario == "every rule":
            compliance.block_countries(symbol, ["KP"])
            compliance.set_max_holders(symbol, 1_000)
            compliance.set_max_balance(symbol, 10**26)

    def run(self) -> tuple[list[Row], dict[str, dict[str, int]], dict[str, int]]:
        registry = self.platform.registry
        op, sender = self.operator, self.holders[0]
        wallets = iter(fresh_wallet(i) for i in range(10_000))
        # Setup: the registry's first registrations, the factory's first asset.
        registry.register_batch([self.investor(sender.address), self.investor(next(wallets))])
        self.create_asset("WARM")
        register = gas(registry.register(self.investor(next(wallets))))
        rows: list[Row] = []
        tokens: dict[str, Contract] = {}
        create = 0
        trex_wallets: TrexWallets | None = None
        for scenario in ("no rules", "typical rules", "every rule"):
            create, token = self.create_asset(scenario.split()[0].upper(), investor_limits=scenario == "every rule")
            tokens[scenario] = token
            self.rules(token, scenario)
            minted, moved = next(wallets), next(wallets)
            registry.register_batch([self.investor(minted), self.investor(moved)])
            self.both(op, token, "mint", sender.address, 10 * AMOUNT)  # warm-up: totalSupply leaves zero
            mint_new = self.both(op, token, "mint", minted, AMOUNT)
            mint_existing = self.both(op, token, "mint", minted, AMOUNT)
            to_new = self.both(sender, token, "transfer", moved, AMOUNT)
            to_existing = self.both(sender, token, "transfer", minted, AMOUNT)
            rows += [
                Row(f"{scenario}: {TRANSFER_NEW}", *to_new),
                Row(f"{scenario}: {TRANSFER_EXISTING}", *to_existing),
                Row(f"{scenario}: {MINT_NEW}", *mint_new),
                Row(f"{scenario}: {MINT_EXISTING}", *mint_existing),
            ]
            trex_wallets = TrexWallets(sender, holder=next(wallets), new_transfer=moved, new_mint=minted)
        # An investor with two wallets has a stored total, which their first share writes from zero.
        pooled = next(wallets)
        registry.register(self.investor(pooled, next(wallets)))
        to_pooled = self.both(sender, tokens["every rule"], "transfer", pooled, AMOUNT)
        rows.append(Row(f"every rule: {TRANSFER_NEW} with two wallets", *to_pooled))
        batch_register = gas(registry.register_batch([self.investor(next(wallets)) for _ in range(BATCH_REGISTER)]))
        batch = [next(wallets) for _ in range(N)]
        registry.register_batch([self.investor(w) for w in batch])
        batch_mint = gas(self.send(op, tokens["no rules"].functions.batchMint(batch, [AMOUNT] * N), "batchMint"))
        plain_mints = [gas(self.send(op, self.plain.functions.mint(w, AMOUNT), "plain mint")) for w in batch]
        every = tokens["every rule"]
        forced = gas(self.send(op, every.functions.forcedTransfer(sender.address, batch[0], AMOUNT), "forced"))
        investor_id = registry.investor_of(sender.address) or ""
        new_wallet = next(wallets)
        second_wallet = gas(registry.add_wallet(investor_id, new_wallet))
        registry.remove_wallet(sender.address)  # a lost wallet leaves the investor before its recovery
        recovery = gas(
            self.platform.controls.recover_wallet(
                every.address, sender.address, new_wallet, investor_id, reason="bench"
            )
        )
        update = gas(registry.update(investor_id, kyc_expiry=self.expiry + YEAR))
        assets = len(registry.contract.functions.subscriptionsOf(new_wallet).call())
        rows += [
            Row(f"batch mint, per investor (N={N})", sum(plain_mints) // N, batch_mint // N),
            Row("forced transfer (every rule)", None, forced),
            Row("wallet recovery (every rule)", None, recovery),
            Row("register an investor (1 wallet)", None, register),
            Row(f"batch register, per investor (N={BATCH_REGISTER})", None, batch_register // BATCH_REGISTER),
            Row(f"update an investor's KYC (copies in {assets} assets)", None, update),
            Row("add an investor's second wallet (copies in 1 asset)", None, second_wallet),
            Row("create an asset (plain: deploy PlainERC20)", self.plain_deploy, create),
        ]
        assert trex_wallets is not None
        trex = measure_trex(self.chain.w3, self.operator, trex_wallets, AMOUNT, batch=BATCH_REGISTER, txm=self.txm)
        return rows, trex, self.clones(create)

    def scaling(self, counts: Sequence[int]) -> list[dict[str, int]]:
        """A KYC renewal and a revocation of investors holding in one asset, as the platform grows to
        `counts` assets: one investor with one wallet, one with 16 wallets (all holding)."""
        self.platform = Platform.deploy(self.chain)  # a platform of its own, so its asset counts are exact
        self.txm = self.platform.txm
        registry = self.platform.registry
        wallets = iter(fresh_wallet(100_000 + i) for i in range(100))
        single = self.investor(next(wallets))
        many = self.investor(*(next(wallets) for _ in range(16)))
        registry.register_batch([single, many])
        _, held = self.create_asset("HELD")
        self.send(self.operator, held.functions.batchMint([*single.wallets, *many.wallets], [AMOUNT] * 17), "mint")
        existing = int(self.platform.assets.factory.functions.assetCount().call())
        out = []
        for count in counts:
            for i in range(existing, count):
                self.create_asset(f"S{i}")
            existing = max(existing, count)
            expiry = self.expiry + YEAR + count
            row = {"assets": existing}
            for name, investor in (("one wallet", single), ("16 wallets", many)):
                row[f"renew, {name}"] = gas(registry.update(investor.investor_id, kyc_expiry=expiry))
                row[f"revoke, {name}"] = gas(registry.revoke(investor.investor_id))
                registry.reinstate(investor.investor_id)
            out.append(row)
        return out

    def clones(self, asset_create: int) -> dict[str, int]:
        """Transfer to an existing holder through an EIP-1167 clone of PlainERC20, against PlainERC20."""
        _, cloner = self.deploy("CloneFactoryMock")
        receipt = self.send(self.operator, cloner.functions.clone(self.plain.address), "clone PlainERC20")
        address = cloner.events.Cloned().process_receipt(receipt, errors=DISCARD)[0]["args"]["clone"]
        clone = load_artifact("PlainERC20").at(self.chain.w3, address)
        sender, receiver = self.holders[3], self.holders[4]
        for token in (clone, self.plain):  # the plain figure is re-measured on the clone's pair of accounts
            for holder in (sender, receiver):
                self.send(self.operator, token.functions.mint(holder.address, 10 * AMOUNT), "mint")
        direct = gas(self.send(sender, self.plain.functions.transfer(receiver.address, AMOUNT), "plain transfer"))
        cloned = gas(self.send(sender, clone.functions.transfer(receiver.address, AMOUNT), "clone transfer"))
        return {
            "plain_transfer_existing": direct,
            "clone_transfer_existing": cloned,
            "delegatecall_overhead_per_transfer": cloned - direct,
            "clone_create": gas(receipt),
            "asset_token_create_via_factory": asset_create,
        }


def report(
    rows: list[Row],
    trex: dict[str, dict[str, int]],
    clone: dict[str, int],
    scaling: list[dict[str, int]],
    client: str,
) -> tuple[str, dict[str, Any]]:
    out = [f"# rwakit gas benchmark ({client}; gasUsed of one transaction per figure)", ""]
    cells = [[r.operation, fmt(r.plain), fmt(r.rwakit), fmt(r.ratio, True)] for r in rows]
    out += [table(["operation", "plain ERC20", "rwakit", "ratio"], cells), ""]
    out += [
        "ratio = rwakit / plain. Batch mint: the plain column averages N separate mint calls (PlainERC20 has no",
        "batch), so each pays the 21,000 intrinsic gas a batch shares: that ratio shows what batching saves an",
        "issuer, not the cost of the compliance check (the single-mint row does).",
        "",
        "## The clone question (EIP-1167 clone of PlainERC20 vs PlainERC20 itself)",
        "",
    ]
    overhead = clone["delegatecall_overhead_per_transfer"]
    saved = clone["asset_token_create_via_factory"] - clone["clone_create"]
    cells = [
        ["transfer to an existing holder, PlainERC20 directly", fmt(clone["plain_transfer_existing"])],
        ["transfer to an existing holder, through a clone", fmt(clone["clone_transfer_existing"])],
        ["DELEGATECALL overhead per transfer", fmt(overhead)],
        ["create an EIP-1167 clone (no initializer)", fmt(clone["clone_create"])],
        ["create a full AssetToken through AssetFactory", fmt(clone["asset_token_create_via_factory"])],
    ]
    out += [table(["measurement", "gas"], cells), ""]
    out += [
        f"A clone would save at most {saved:,} gas once per asset (less its initializer, which must write to",
        f"storage what AssetToken keeps in immutables) and cost {overhead:,} gas on every transfer, paid by the",
        f"investors: past at most ~{saved // max(overhead, 1):,} transfers of an asset, a full deployment is cheaper.",
        "",
        "## Against T-REX 4.1.6, measured on the same chain with the same calldata (bench/trex.py)",
        "",
    ]
    by_name = {r.operation: r.rwakit for r in rows}
    default, modular = (trex[v] for v in trex)
    scenarios = ("typical rules", "every rule")
    compared = []
    cells = []
    for operation in (TRANSFER_NEW, TRANSFER_EXISTING, MINT_NEW, MINT_EXISTING):
        entry: dict[str, Any] = {"operation": operation, "trex": default[operation], "trex_modular": modular[operation]}
        cell = [operation, fmt(default[operation]), fmt(modular[operation])]
        for scenario in scenarios:
            ours = by_name[f"{scenario}: {operation}"]
            entry[scenario], entry[f"{scenario} ratio"] = ours, round(default[operation] / ours, 4)
            cell.append(f"{ours:,} ({default[operation] / ours:.2f}x)")
        compared.append(entry)
        cells.append(cell)
    pooled = by_name[f"every rule: {TRANSFER_NEW} with two wallets"]
    cells.append([f"{TRANSFER_NEW} with two wallets", fmt(default[TRANSFER_NEW]), fmt(modular[TRANSFER_NEW]), "—",
                  f"{pooled:,} ({default[TRANSFER_NEW] / pooled:.2f}x)"])  # fmt: skip
    header = ["operation", "T-REX default", "T-REX modular", "typical rules (T-REX/x)", "every rule (T-REX/x)"]
    out += [table(header, cells), ""]
    register = by_name["register an investor (1 wallet)"]
    batch = by_name[f"batch register, per investor (N={BATCH_REGISTER})"]
    onboard = [
        ["onboard one investor (T-REX: ONCHAINID + registerIdentity + addClaim)", fmt(default["onboard one investor"]),
         f"{register:,} ({default['onboard one investor'] / register:.2f}x)"],
        [f"batch register, per investor (N={BATCH_REGISTER}; T-REX: registry step alone)",
         fmt(default["batchRegisterIdentity, per investor"]), f"{batch:,}"],
    ]  # fmt: skip
    out += [table(["onboarding", "T-REX 4.1.6", "rwakit"], onboard), ""]
    out += [
        "T-REX default: its token with DefaultCompliance; modular: ModularCompliance with no module bound. With",
        "compliance modules T-REX costs more still. rwakit's 'every rule' counts investors: a new investor costs a",
        "holder-count update, and one with several wallets also a fresh per-investor total (a zero-to-non-zero",
        "store, 20k gas; the row 'with two wallets'). A new holder also costs a subscription at the registry",
        "(one store in a slot the token reads anyway), the price of record changes that reach only the assets",
        "an investor is in (next table).",
        "",
        "## What a record change costs as the platform grows (investors holding in one asset)",
        "",
    ]
    keys = [k for k in scaling[0] if k != "assets"] if scaling else []
    out += [table(["assets on the platform", *keys], [[fmt(r["assets"]), *(fmt(r[k]) for k in keys)] for r in scaling])]
    out.append("")
    targets = []
    for scenario, limit in TARGETS.items():
        ratio = next(r.ratio for r in rows if r.operation == f"{scenario}: {TRANSFER_EXISTING}") or 0.0
        verdict = "met" if ratio <= limit else "NOT met"
        out.append(f"{scenario}: transfer to an existing holder {ratio:.2f}x plain (target <= {limit:.2f}x): {verdict}")
        targets.append({"target": f"{scenario} existing holder x plain", "value": round(ratio, 4), "max": limit})
    for entry in compared:
        for scenario in scenarios:
            ratio = entry[f"{scenario} ratio"]
            verdict = "met" if ratio >= TREX_MIN else "NOT met"
            out.append(f"{scenario}: {entry['operation']}: T-REX / rwakit {ratio:.2f}x"
                       f" (target >= {TREX_MIN:.1f}x): {verdict}")  # fmt: skip
            targets.append({"target": f"{scenario} {entry['operation']} T-REX/x", "value": ratio, "min": TREX_MIN})
    verdict = "met" if batch <= ONBOARD_MAX else "NOT met"
    out.append(f"batch registration {batch:,} gas per investor (target <= {ONBOARD_MAX:,}): {verdict}")
    if len(scaling) > 1:
        first, last = scaling[0], scaling[-1]
        for key in keys:
            growth = last[key] / first[key]
            verdict = "met" if growth <= 1.2 else "NOT met"
            out.append(f"{key} at {last['assets']:,} assets: {growth:.2f}x the {first['assets']}-asset cost"
                       f" (target <= 1.20x): {verdict}")  # fmt: skip
    data = {
        "client": client,
        "rows": [{**asdict(r), "ratio": None if r.ratio is None else round(r.ratio, 4)} for r in rows],
        "clone": clone,
        "trex": trex,
        "trex_compared": compared,
        "scaling": scaling,
        "targets": targets,
    }
    return "\n".join(out), data


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the measurements as JSON")
    parser.add_argument(
        "--assets",
        default=",".join(map(str, ASSET_COUNTS)),
        help="platform sizes for the record-change table (default %(default)s; '' skips it)",
    )
    args = parser.parse_args(argv)
    counts = sorted(int(c) for c in args.assets.split(",") if c.strip())
    signers: list[Signer] = [DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in range(10)]  # funded on Anvil
    with start_node("anvil") as node:
        chain = connect_url(node.url, signers)
        bench = Bench(chain)
        rows, trex, clone = bench.run()
        scaling = bench.scaling(counts)
        text, data = report(rows, trex, clone, scaling, chain.w3.client_version)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(data, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
