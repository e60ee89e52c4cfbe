"""Gas of T-REX 4.1.6 (ERC-3643), measured on the chain the caller gives, with the same calldata as an ERC-20.

Run from the repository root with the virtualenv active (npm ci has installed the artifacts):

    python bench/trex.py

or import it (``bench/`` is on ``sys.path`` when a bench script runs) and call :func:`measure_trex`.

The contracts are the compiled artifacts shipped in the npm packages ``@tokenysolutions/t-rex`` 4.1.6 and
``@onchain-id/solidity`` (pinned in package.json), deployed in the order of T-REX's own full-suite test
fixture: implementations behind a TREXImplementationAuthority, the registries and the token as proxies,
investors' ONCHAINIDs as IdentityProxy over one Identity implementation, and a ClaimIssuer whose signing key
signs one KYC claim per investor. Left out, as no measured call touches them: TREXFactory, IdFactory and
AgentManager. The suite is deployed once per compliance variant: DefaultCompliance (the legacy contract,
no rules) and ModularCompliance behind its proxy with no module bound.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_typing import ChecksumAddress
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.types import TxReceipt

from rwakit.chain.node import start_node
from rwakit.chain.signer import DevKeySigner, Signer
from rwakit.chain.transactions import TransactionManager
from rwakit.config import DEV_MNEMONIC
from rwakit.contracts import load_artifact
from rwakit.contracts.compiler import PACKAGE_ROOT

TREX_ARTIFACTS = PACKAGE_ROOT / "node_modules" / "@tokenysolutions" / "t-rex" / "artifacts"
ONCHAINID_ARTIFACTS = PACKAGE_ROOT / "node_modules" / "@onchain-id" / "solidity" / "artifacts" / "contracts"

DEFAULT = "DefaultCompliance"
MODULAR = "ModularCompliance (no modules)"
VARIANTS = (DEFAULT, MODULAR)

# Operation keys of the result (those also in bench/gas.py's TREX table use its names).
TRANSFER_NEW = "transfer to a new holder"
TRANSFER_EXISTING = "transfer to an existing holder"
MINT_NEW = "mint to a new holder"
MINT_EXISTING = "mint to an existing holder"
ONBOARD = "onboard one investor"
ONBOARD_IDENTITY = "onboard: deploy ONCHAINID (IdentityProxy)"
ONBOARD_REGISTER = "onboard: registerIdentity"
ONBOARD_CLAIM = "onboard: addClaim (signed KYC claim)"
BATCH_REGISTER = "batchRegisterIdentity, per investor"

CLAIM_TOPIC = int.from_bytes(Web3.keccak(text="CLAIM_TOPIC"), "big")  # the fixture's topic
CLAIM_DATA = b"Some claim public data."  # and its claim payload
COUNTRY = 42  # ISO 3166 numeric; one non-zero calldata byte (the fixture's 666 costs 12 gas more per investor)
BATCH = 100
# The KYC provider's claim-signing key: a bench-only key that holds nothing, fixed so runs are reproducible.
CLAIM_SIGNER = Account.from_key(Web3.keccak(text="rwakit-bench-trex-claim-signer"))
ZERO = Web3.to_checksum_address("0x" + "00" * 20)
# In the order of TREXImplementationAuthority's TREXContracts struct.
IMPLEMENTATIONS = (
    "Token",
    "ClaimTopicsRegistry",
    "IdentityRegistry",
    "IdentityRegistryStorage",
    "TrustedIssuersRegistry",
    "ModularCompliance",
)


@dataclass(frozen=True)
class TrexWallets:
    """The wallets the measured calls name; all four distinct, none holding tokens of the T-REX suites yet.

    Only ``sender`` signs (its transfers), so the others can be keyless addresses. They are registered in
    each T-REX identity registry here, whatever they are in any other registry on the chain.
    """

    sender: Signer  # first minted 10 x amount (the warm-up mint), then sends both measured transfers
    holder: ChecksumAddress  # minted `amount` before the measurements: the existing holder
    new_transfer: ChecksumAddress  # receives the transfer to a new holder
    new_mint: ChecksumAddress  # receives the mint to a new holder; its onboarding is the one measured


@dataclass(frozen=True)
class _Artifact:
    abi: list[dict[str, Any]]
    bytecode: str


@cache
def _artifact(path: Path) -> _Artifact:
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `npm ci` in {PACKAGE_ROOT}")
    data = json.loads(path.read_text())
    return _Artifact(abi=data["abi"], bytecode=data["bytecode"])


def trex_artifact(name: str) -> _Artifact:
    """A T-REX contract by name, as its package compiled it (optimizer on).

    ClaimIssuer too: the fixture's ``deployContract('ClaimIssuer')`` resolves to T-REX's own build of the
    ONCHAINID source, not to the ONCHAINID package's artifact, which is compiled without the optimizer and
    would add ~2,700 gas to addClaim and to every mint and transfer (each checks the claim through it).
    """
    if name == "ClaimIssuer":
        return _artifact(TREX_ARTIFACTS / "@onchain-id/solidity/contracts/ClaimIssuer.sol/ClaimIssuer.json")
    matches = sorted(TREX_ARTIFACTS.glob(f"contracts/**/{name}.sol/{name}.json"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one T-REX artifact {name!r} under {TREX_ARTIFACTS}, found {len(matches)}")
    return _artifact(matches[0])


def onchainid_artifact(path: str) -> _Artifact:
    """An ONCHAINID contract from its own package, e.g. ``proxy/IdentityProxy`` (what the fixture imports)."""
    name = path.rsplit("/", 1)[-1]
    return _artifact(ONCHAINID_ARTIFACTS / f"{path}.sol/{name}.json")


def fresh_address(label: str) -> ChecksumAddress:
    """A deterministic address with realistic (mostly non-zero) bytes; nobody needs its key."""
    return Web3.to_checksum_address(Web3.keccak(text=label)[12:])


def _key_hash(address: str) -> bytes:
    return Web3.keccak(encode(["address"], [address]))


def _gas(receipt: TxReceipt) -> int:
    return int(receipt["gasUsed"])


@dataclass
class _Suite:
    token: Contract
    registry: Contract


class _Trex:
    """The pieces both variants share (implementations, authorities, the claim issuer), then one suite each."""

    def __init__(self, w3: Web3, txm: TransactionManager, deployer: Signer) -> None:
        self.w3, self.txm, self.deployer = w3, txm, deployer
        implementations = tuple(self.deploy(trex_artifact(name)).address for name in IMPLEMENTATIONS)
        identity_impl = self.deploy(onchainid_artifact("Identity"), deployer.address, True)  # library: no keys
        authority = onchainid_artifact("proxy/ImplementationAuthority")
        self.identity_authority = self.deploy(authority, identity_impl.address)
        self.authority = self.deploy(trex_artifact("TREXImplementationAuthority"), True, ZERO, ZERO)
        self.send(deployer, self.authority.functions.addAndUseTREXVersion((4, 0, 0), implementations))
        self.claim_issuer = self.deploy(trex_artifact("ClaimIssuer"), deployer.address)
        self.send(deployer, self.claim_issuer.functions.addKey(_key_hash(CLAIM_SIGNER.address), 3, 1))  # 3: CLAIM

    def deploy(self, artifact: _Artifact, *args: Any, abi: list[dict[str, Any]] | None = None) -> Contract:
        """Deploy `artifact`; the handle speaks `abi` (a proxy's implementation) if given."""
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        constructor: ContractConstructor = factory.constructor(*args)
        address, _ = self.txm.deploy(self.deployer, constructor, label="deploy T-REX")
        return self.w3.eth.contract(address=address, abi=abi or artifact.abi)

    def send(self, signer: Signer, call: ContractFunction) -> TxReceipt:
        return self.txm.transact(signer, call, label=f"T-REX {call.fn_name}")

    def proxy(self, name: str, *args: Any) -> Contract:
        """`name`Proxy over the TREXImplementationAuthority, with `name`'s interface."""
        return self.deploy(trex_artifact(f"{name}Proxy"), self.authority.address, *args, abi=trex_artifact(name).abi)

    def identity(self, management_key: ChecksumAddress) -> tuple[int, Contract]:
        """An ONCHAINID: an IdentityProxy over the shared Identity implementation. (gas, handle)"""
        artifact = onchainid_artifact("proxy/IdentityProxy")
        constructor = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode).constructor(
            self.identity_authority.address, management_key
        )
        address, receipt = self.txm.deploy(self.deployer, constructor, label="deploy ONCHAINID")
        return _gas(receipt), self.w3.eth.contract(address=address, abi=onchainid_artifact("Identity").abi)

    def suite(self, variant: str) -> _Suite:
        """The fixture's suite for one token: registries behind proxies, the compliance, the token."""
        topics = self.proxy("ClaimTopicsRegistry")
        issuers = self.proxy("TrustedIssuersRegistry")
        storage = self.proxy("IdentityRegistryStorage")
        compliance = (
            self.deploy(trex_artifact("DefaultCompliance")) if variant == DEFAULT else self.proxy("ModularCompliance")
        )
        registry = self.proxy("IdentityRegistry", issuers.address, topics.address, storage.address)
        _, token_oid = self.identity(self.deployer.address)
        token = self.proxy(
            "Token", registry.address, compliance.address, "TREXDINO", "TREX", 18, token_oid.address
        )  # its init binds the compliance to the token; the token starts paused
        op = self.deployer  # owner of everything and the agent of the token and the registry
        self.send(op, storage.functions.bindIdentityRegistry(registry.address))
        self.send(op, token.functions.addAgent(op.address))
        self.send(op, topics.functions.addClaimTopic(CLAIM_TOPIC))
        self.send(op, issuers.functions.addTrustedIssuer(self.claim_issuer.address, [CLAIM_TOPIC]))
        self.send(op, registry.functions.addAgent(op.address))
        self.send(op, registry.functions.addAgent(token.address))
        return _Suite(token=token, registry=registry)

    def onboard(self, suite: _Suite, wallet: ChecksumAddress) -> tuple[int, int, int]:
        """ONCHAINID, registration, signed KYC claim: (identity gas, registerIdentity gas, addClaim gas).

        The identity is managed by the deployer's key, as the wallet may have none; the gas is the same as
        a wallet-managed one (addClaim's key check reads the same slots for any caller holding a key).
        """
        identity_gas, identity = self.identity(self.deployer.address)
        register = suite.registry.functions.registerIdentity(wallet, identity.address, COUNTRY)
        register_gas = _gas(self.send(self.deployer, register))
        digest = Web3.keccak(encode(["address", "uint256", "bytes"], [identity.address, CLAIM_TOPIC, CLAIM_DATA]))
        signature = CLAIM_SIGNER.sign_message(encode_defunct(primitive=digest)).signature
        add_claim = identity.functions.addClaim(CLAIM_TOPIC, 1, self.claim_issuer.address, signature, CLAIM_DATA, "")
        return identity_gas, register_gas, _gas(self.send(self.deployer, add_claim))

    def measure(self, variant: str, wallets: TrexWallets, amount: int, batch: int) -> dict[str, int]:
        suite = self.suite(variant)
        op, token = self.deployer, suite.token.functions
        for wallet in (wallets.sender.address, wallets.holder, wallets.new_transfer):
            self.onboard(suite, wallet)
        identity, register, claim = self.onboard(suite, wallets.new_mint)  # not the registry's first
        self.send(op, token.unpause())
        self.send(op, token.mint(wallets.sender.address, 10 * amount))  # warm-up: totalSupply leaves zero
        self.send(op, token.mint(wallets.holder, amount))
        mint_new = _gas(self.send(op, token.mint(wallets.new_mint, amount)))
        mint_existing = _gas(self.send(op, token.mint(wallets.holder, amount)))
        figures = {
            TRANSFER_NEW: _gas(self.send(wallets.sender, token.transfer(wallets.new_transfer, amount))),
            TRANSFER_EXISTING: _gas(self.send(wallets.sender, token.transfer(wallets.holder, amount))),
            MINT_NEW: mint_new,
            MINT_EXISTING: mint_existing,
            ONBOARD_IDENTITY: identity,
            ONBOARD_REGISTER: register,
            ONBOARD_CLAIM: claim,
            ONBOARD: identity + register + claim,
        }
        investors = [fresh_address(f"rwakit-bench-trex-{variant}-{i}") for i in range(batch)]
        identities = [self.identity(self.deployer.address)[1].address for _ in investors]  # beforehand: not measured
        batch_call = suite.registry.functions.batchRegisterIdentity(investors, identities, [COUNTRY] * batch)
        figures[BATCH_REGISTER] = _gas(self.send(op, batch_call)) // batch
        return figures


def measure_trex(
    w3: Web3,
    deployer: Signer,
    wallets: TrexWallets,
    amount: int,
    *,
    batch: int = BATCH,
    txm: TransactionManager | None = None,
) -> dict[str, dict[str, int]]:
    """Deploy T-REX 4.1.6 twice on `w3` and return ``{variant: {operation: gasUsed}}``.

    Variants are :data:`DEFAULT` and :data:`MODULAR`; operations are the module's key constants. Every figure
    is the ``gasUsed`` of one transaction receipt, except :data:`BATCH_REGISTER` (one batch of `batch`
    investors, divided by `batch`) and :data:`ONBOARD` (the sum of its three transactions).

    The measured token calls are, per variant and in this order, with `deployer` as the token's agent:
    ``mint(new_mint, amount)``, ``mint(holder, amount)``, then from ``sender`` ``transfer(new_transfer,
    amount)`` and ``transfer(holder, amount)``: the same bytes an ERC-20 caller sends. Beforehand the token's
    first mint ever, ``mint(sender, 10 * amount)``, and ``mint(holder, amount)`` set up a steady state.

    `deployer` must be funded (about 280 transactions, 120M gas). Pass the ``txm`` that already sends
    for `deployer` and ``wallets.sender``, if any, so the nonces stay in one place.
    """
    if len({wallets.sender.address, wallets.holder, wallets.new_transfer, wallets.new_mint}) != 4:
        raise ValueError("the four wallets must be distinct")
    trex = _Trex(w3, txm or TransactionManager(w3), deployer)
    return {variant: trex.measure(variant, wallets, amount, batch) for variant in VARIANTS}


def measure_dvd(
    w3: Web3, txm: TransactionManager, deployer: Signer, seller: Signer, buyer: Signer, cash: Contract,
    amount: int, price: int,
) -> dict[str, int]:  # fmt: skip
    """T-REX 4.1.6's DVDTransferManager (DefaultCompliance suite): `seller` initiates a trade of `amount`
    T-REX shares for `price` of the ERC-20 `cash` (which `buyer` must hold), `buyer` takes it. The gas of
    ``initiateDVDTransfer`` and ``takeDVDTransfer`` on the second trade (steady state). T-REX's DVD locks
    nothing: the take moves both legs with transferFrom, as the initiation only records the terms."""
    trex = _Trex(w3, txm, deployer)
    suite = trex.suite(DEFAULT)
    for wallet in (seller.address, buyer.address):
        trex.onboard(suite, wallet)
    token = suite.token.functions
    trex.send(deployer, token.unpause())
    trex.send(deployer, token.mint(seller.address, 10 * amount))
    trex.send(deployer, token.mint(buyer.address, amount))  # both hold: transfers between existing holders
    dvd = trex.deploy(trex_artifact("DVDTransferManager"))
    figures: dict[str, int] = {}
    for _ in range(2):
        trex.send(seller, token.approve(dvd.address, amount))
        trex.send(buyer, cash.functions.approve(dvd.address, price))
        call = dvd.functions.initiateDVDTransfer(suite.token.address, amount, buyer.address, cash.address, price)
        initiated = trex.send(seller, call)
        transfer_id = dvd.events.DVDTransferInitiated().process_receipt(initiated)[0]["args"]["transferID"]
        taken = trex.send(buyer, dvd.functions.takeDVDTransfer(transfer_id))
        figures = {"initiate": _gas(initiated), "take": _gas(taken)}
    return figures


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "|" + "|".join("-" * (w + 1) + ("-" if i == 0 else ":") for i, w in enumerate(widths)) + "|"
    return "\n".join([line(header) + " |", rule, *(line(r) + " |" for r in rows)])


def _plain_erc20(
    w3: Web3, txm: TransactionManager, deployer: Signer, wallets: TrexWallets, amount: int
) -> dict[str, int]:
    """The same calls, in the same order, on the project's unrestricted OpenZeppelin ERC20."""
    address, _ = txm.deploy(deployer, load_artifact("PlainERC20").factory(w3).constructor(), label="PlainERC20")
    token = load_artifact("PlainERC20").at(w3, address).functions

    def send(signer: Signer, call: ContractFunction) -> int:
        return _gas(txm.transact(signer, call, label=f"plain {call.fn_name}"))

    send(deployer, token.mint(wallets.sender.address, 10 * amount))
    send(deployer, token.mint(wallets.holder, amount))
    mint_new = send(deployer, token.mint(wallets.new_mint, amount))
    mint_existing = send(deployer, token.mint(wallets.holder, amount))
    return {
        TRANSFER_NEW: send(wallets.sender, token.transfer(wallets.new_transfer, amount)),
        TRANSFER_EXISTING: send(wallets.sender, token.transfer(wallets.holder, amount)),
        MINT_NEW: mint_new,
        MINT_EXISTING: mint_existing,
    }


def main() -> int:
    started = time.monotonic()
    deployer, sender = (DevKeySigner.from_mnemonic(DEV_MNEMONIC, i) for i in range(2))  # funded on Anvil
    holder, to, minted = (fresh_address(f"rwakit-bench-trex-{w}") for w in ("holder", "to", "minted"))
    wallets = TrexWallets(sender=sender, holder=holder, new_transfer=to, new_mint=minted)
    amount = 10**20  # 100 shares of 18 decimals, as bench/gas.py
    with start_node("anvil") as node:
        w3 = Web3(Web3.HTTPProvider(node.url))
        txm = TransactionManager(w3)
        trex = measure_trex(w3, deployer, wallets, amount, txm=txm)
        plain = _plain_erc20(w3, txm, deployer, wallets, amount)
        client = w3.client_version
    ops = list(trex[DEFAULT])
    rows = [[o, *(f"{trex[v][o]:,}" for v in VARIANTS), f"{plain[o]:,}" if o in plain else "—"] for o in ops]
    print(f"# T-REX 4.1.6 gas ({client}; gasUsed of one transaction per figure)\n")
    print(_table(["operation", *VARIANTS, "plain OZ ERC20"], rows))
    print(f"\nbatch of {BATCH} investors; amount {amount:,}; ran in {time.monotonic() - started:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
