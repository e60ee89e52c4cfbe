"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright through
executable_path: `make test` installs it) against `rwakit serve --demo`, as `make run` starts it.

The investor's wallet is an injected EIP-1193 provider (dev_wallet.js) backed by a dev key, so sign-in
runs the same page script a wallet extension would. The tests write 1280x800 screenshots of the main
pages to $RWAKIT_SCREENSHOTS (`RWAKIT_SCREENSHOTS=docs/img` refreshes the ones docs/web.md shows; by
default a temporary folder, so a test run leaves the checkout clean).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.exceptions import TransactionNotFound

from rwakit.chain.node import free_port
from rwakit.config import DEV_MNEMONIC
from rwakit.contracts import load_artifact
from rwakit.demo import INVESTORS
from tests.api.test_serve import start_serving, wait_for

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: run `make deps`")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("RWAKIT_SCREENSHOTS") or Path(tempfile.gettempdir()) / "rwakit-screenshots")
SHIM = (Path(__file__).with_name("dev_wallet.js")).read_text()
VIEWPORT = {"width": 1280, "height": 800}
CHAIN_ID = 31337  # Anvil's, which `serve --demo` starts


def chromium() -> str:
    found = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")) if p
                  and Path(p).is_file()), None)  # fmt: skip
    if found is None:
        pytest.skip("No Chromium on this machine and none could be installed: `make browser` installs Debian's "
                    "chromium with apt-get (root or sudo); the browser tests need it")  # fmt: skip
    return found


@dataclass
class Demo:
    url: str
    keys: dict[str, str]
    rpc: str  # the demo chain's JSON-RPC URL: where the dev wallet sends its transactions


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    folder = tmp_path_factory.mktemp("web-demo")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RWAKIT_")}, "RWAKIT_DATA_DIR": str(folder)}
    port, log = free_port(), folder / "serve.log"
    process = start_serving(["--demo", "--port", str(port)], env, log)
    try:
        text = wait_for(log, r"Uvicorn running on", process)
        keys = dict(re.findall(r"^  (admin|issuer|registrar|compliance)\s+(rwk_\S+)$", text, re.MULTILINE))
        url = f"http://127.0.0.1:{port}"
        assert f"Dashboard on {url}/web/" in text  # what `make run` prints beside the API's URL
        rpc = re.search(r"^Chain: anvil JSON-RPC on (\S+),", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
        yield Demo(url, keys, rpc)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium()
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield launched
        launched.close()


def dev_account(index: int) -> LocalAccount:
    Account.enable_unaudited_hdwallet_features()
    account: LocalAccount = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return account


@dataclass
class Tab:
    page: Any
    requests: list[str]
    problems: list[str]


@pytest.fixture
def open_tab(browser: Any, demo: Demo) -> Iterator[Callable[[LocalAccount | None], Tab]]:
    """A fresh browser context (no cookies) at 1280x800, with the dev wallet if an account is given;
    every request it makes and every console error or CSP violation is recorded."""
    contexts: list[Any] = []

    def open_(account: LocalAccount | None) -> Tab:
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        if account is not None:

            def wallet(kind: str, data: str, address: str) -> str:
                if kind == "address":
                    return account.address
                if kind == "send":
                    return send_transaction(Web3(Web3.HTTPProvider(demo.rpc)), account, json.loads(data))
                if kind == "receipt":
                    return receipt_of(Web3(Web3.HTTPProvider(demo.rpc)), data)
                assert address.lower() == account.address.lower(), "personal_sign for another account"
                return str(account.sign_message(encode_defunct(hexstr=data)).signature.to_0x_hex())

            context.expose_function("rwakitDevWallet", wallet)
            context.add_init_script(SHIM.replace("__CHAIN_ID__", str(CHAIN_ID)))
        tab = Tab(context.new_page(), [], [])
        tab.page.on("request", lambda request: tab.requests.append(request.url))
        tab.page.on("console", lambda m: tab.problems.append(m.text) if m.type == "error" else None)
        tab.page.on("pageerror", lambda exc: tab.problems.append(str(exc)))
        return tab

    yield open_
    for context in contexts:
        context.close()


def send_transaction(w3: Web3, account: LocalAccount, asked: dict[str, str]) -> str:
    """What a wallet does with eth_sendTransaction: fill in nonce, gas and fees, sign, broadcast."""
    assert asked["from"].lower() == account.address.lower(), "eth_sendTransaction from another account"
    tx: dict[str, Any] = {"from": account.address, "to": Web3.to_checksum_address(asked["to"]), "data": asked["data"],
                          "chainId": CHAIN_ID, "nonce": w3.eth.get_transaction_count(account.address),
                          "gasPrice": w3.eth.gas_price}  # fmt: skip
    tx["gas"] = w3.eth.estimate_gas(tx)  # type: ignore[arg-type]
    return str(w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction).to_0x_hex())


def receipt_of(w3: Web3, tx_hash: str) -> str:
    try:
        receipt = w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
    except TransactionNotFound:
        return ""
    return json.dumps({"status": hex(receipt["status"]), "blockNumber": hex(receipt["blockNumber"])})


def sign_in(tab: Tab, demo: Demo) -> None:
    tab.page.goto(f"{demo.url}/web/sign-in")
    tab.page.get_by_role("button", name="Sign in with your wallet").click()
    tab.page.wait_for_url(f"{demo.url}/web/portal")


def screenshot(tab: Tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SCREENSHOTS / f"web-{name}.png"))


def assert_inputs_labelled(tab: Tab) -> None:
    unlabelled = tab.page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
            .filter((el) => el.type !== "hidden" && !el.labels.length && !el.getAttribute("aria-label")
                            && !el.getAttribute("aria-labelledby"))
            .map((el) => el.outerHTML)"""
    )
    assert unlabelled == []


def assert_clean(tab: Tab, demo: Demo) -> None:
    """Nothing fetched from anywhere but the app (no CDN), no script error, no CSP violation."""
    assert [url for url in tab.requests if not url.startswith(demo.url)] == []
    assert tab.problems == []


def tab_to(tab: Tab, element_id: str, presses: int = 12) -> None:
    for _ in range(presses):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
    raise AssertionError(f"#{element_id} not reached in {presses} presses of Tab")


def test_an_investor_signs_in_with_their_wallet_by_keyboard_and_sees_their_portfolio(open_tab: Any, demo: Demo) -> None:
    investor_id, wallet_indexes = INVESTORS[0][0], INVESTORS[0][1]
    tab = open_tab(dev_account(wallet_indexes[0]))
    page = tab.page
    page.goto(f"{demo.url}/web/sign-in")
    screenshot(tab, "sign-in")
    tab_to(tab, "siwe-button")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo.url}/web/portal")
    holdings = page.locator("#holdings")
    assert "HVT" in holdings.inner_text() and "250000.5" in holdings.inner_text()
    assert investor_id in page.locator("h1").inner_text()
    screenshot(tab, "portal-holdings")
    page.get_by_role("link", name="Transfers").click()
    assert "issue" in page.locator("#transfers").inner_text()
    screenshot(tab, "portal-transfers")
    page.get_by_role("link", name="Documents").click()
    assert "0x" + "ab" * 32 in page.locator("#documents").inner_text()
    screenshot(tab, "portal-documents")
    cookie = next(c for c in page.context.cookies() if c["name"] == "rwakit_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/web"
    assert page.evaluate("() => document.cookie") == ""  # no script can read the session
    assert_clean(tab, demo)


def test_the_same_signed_message_twice_is_refused(open_tab: Any, demo: Demo) -> None:
    tab = open_tab(dev_account(INVESTORS[1][1][0]))
    page = tab.page
    page.goto(f"{demo.url}/web/sign-in")
    with page.expect_request(f"{demo.url}/web/siwe/verify") as sent:
        page.get_by_role("button", name="Sign in with your wallet").click()
    page.wait_for_url(f"{demo.url}/web/portal")
    signed = json.loads(sent.value.post_data)
    replay = page.evaluate(
        """async (body) => {
            const r = await fetch("/web/siwe/verify", {method: "POST", headers: {"Content-Type": "application/json"},
                                                     body: JSON.stringify(body)});
            return {status: r.status, body: await r.json()};
        }""",
        signed,
    )
    assert replay["status"] == 401 and replay["body"]["code"] == "siwe_nonce_used"
    page.get_by_role("link", name="Trades").click()  # HK-0002 sold HVT to SG-0001 in the demo, settled
    assert re.search(r"sell\s+HVT\s+2000\s+5200000 HKD\s+settled", page.locator("#trades").inner_text())
    screenshot(tab, "portal-trades")
    tab.problems.clear()  # the 401 the replay drew is logged by the browser: it is the point


def test_an_unregistered_wallet_gets_the_refusal_page(open_tab: Any, demo: Demo) -> None:
    stranger: LocalAccount = Account.create()
    tab = open_tab(stranger)
    tab.page.goto(f"{demo.url}/web/sign-in")
    tab.page.get_by_role("button", name="Sign in with your wallet").click()
    tab.page.wait_for_url(re.compile(r".*/web/not-registered\?wallet=.*"))
    assert stranger.address in tab.page.get_by_role("alert").inner_text()


def test_without_a_wallet_the_page_says_what_to_do(open_tab: Any, demo: Demo) -> None:
    tab = open_tab(None)
    tab.page.goto(f"{demo.url}/web/sign-in")
    tab.page.get_by_role("button", name="Sign in with your wallet").click()
    assert "install or unlock a wallet" in tab.page.get_by_role("alert").inner_text()


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body", "says"),
    [
        ("/web/siwe/message", 413, "text/html", "<html><body>Too Large</body></html>", "too large (HTTP 413)"),
        ("/web/siwe/verify", 500, "text/plain", "Internal Server Error", "could not answer (HTTP 500)"),
        ("/web/siwe/verify", 502, "text/html", "<html><body>Bad Gateway</body></html>", "could not answer (HTTP 502)"),
        ("/web/siwe/message", 200, "application/json", '{"message": "cut sh', "cannot read (HTTP 200)"),
    ],
)
def test_an_answer_that_is_not_json_is_told_in_words(open_tab: Any, demo: Demo, path: str, status: int,
                                                     content_type: str, body: str, says: str) -> None:  # fmt: skip
    """A proxy's or a crash's page where the script expects the API's JSON: the status in words, not the
    browser's JSON parse error, and the button ready for another try."""
    tab = open_tab(dev_account(INVESTORS[0][1][0]))
    page = tab.page
    page.route(f"{demo.url}{path}", lambda route: route.fulfill(status=status, content_type=content_type, body=body))
    page.goto(f"{demo.url}/web/sign-in")
    page.get_by_role("button", name="Sign in with your wallet").click()
    told = page.get_by_role("alert").inner_text()
    assert says in told and "JSON" not in told, told
    assert page.get_by_role("button", name="Sign in with your wallet").is_enabled()
    assert [p for p in tab.problems if not p.startswith("Failed to load resource")] == []


def test_staff_sign_in_by_keyboard_and_read_the_cap_table_chart(open_tab: Any, demo: Demo) -> None:
    tab = open_tab(None)
    page = tab.page
    page.goto(f"{demo.url}/web/console/sign-in")
    assert_inputs_labelled(tab)
    tab_to(tab, "api_key")
    page.keyboard.type(demo.keys["issuer"])
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Sign in"
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo.url}/web/console")
    assert "Harbour View Tower" in page.locator("#assets").inner_text()
    screenshot(tab, "console-assets")
    page.get_by_role("link", name="HVT").click()
    page.wait_for_selector("#cap-chart[data-rendered='4']")  # Chart.js drew one slice per holder
    drawn = page.evaluate("() => { const c = document.getElementById('cap-chart'); return [c.width, c.height]; }")
    assert drawn[0] > 100 and drawn[1] > 100
    assert "HK-0002" in page.locator("#cap-table").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    assert_inputs_labelled(tab)
    screenshot(tab, "console-cap-table")
    page.get_by_role("link", name="KYC expiring").click()
    page.get_by_label("Within days").fill("36500")
    page.get_by_label("Within days").press("Enter")
    page.wait_for_url(re.compile(r".*within_days=36500"))
    assert "SG-0002" in page.locator("#kyc").inner_text()  # every demo investor's KYC lapses within 100 years
    screenshot(tab, "console-kyc")
    page.get_by_role("link", name="Distributions").click()
    assert "HVT" in page.locator("#distributions tbody tr").first.inner_text()  # the demo's month of rent
    screenshot(tab, "console-distributions")
    page.get_by_role("link", name="Audit trail").click()
    assert_inputs_labelled(tab)
    page.get_by_label("Asset").fill("PRIF")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r".*asset=PRIF.*"))
    assert page.locator("#audit").is_visible()
    assert_clean(tab, demo)


def test_an_investor_claims_income_with_their_wallet(open_tab: Any, demo: Demo) -> None:
    tab = open_tab(dev_account(INVESTORS[2][1][0]))  # SG-0001: a holder of record of the demo's rent, unpaid
    sign_in(tab, demo)
    page = tab.page
    page.get_by_role("link", name="Income").click()
    claim = page.get_by_role("button", name=re.compile(r"^Claim .* HKD of distribution 1 for 0x"))
    assert_inputs_labelled(tab)
    claim.click()
    page.wait_for_selector("#income .paid")  # mined, and the page reloaded with the claim paid
    assert page.locator("button.claim").count() == 0
    screenshot(tab, "portal-income")
    assert_clean(tab, demo)


def test_a_csv_issuance_shows_its_refused_row_before_anything_is_sent(open_tab: Any, demo: Demo) -> None:
    tab = open_tab(None)
    page = tab.page
    page.goto(f"{demo.url}/web/console/sign-in")
    page.get_by_label("Staff API key").fill(demo.keys["issuer"])
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("link", name="Issue").click()
    assert_inputs_labelled(tab)
    from_csv = page.get_by_role("form", name="Issue from a CSV")
    from_csv.get_by_label("Asset").select_option("PRIF")
    csv = b"to,amount\nSG-0002,10\nGB-0001,5\nHK-0002,1.5\n"  # GB-0001 is retail: the fund admits no retail investor
    from_csv.get_by_label("CSV file").set_input_files({"name": "prif.csv", "mimeType": "text/csv", "buffer": csv})
    page.wait_for_function("() => document.getElementById('csv').value.includes('GB-0001')")
    from_csv.get_by_role("button", name="Preview").click()
    assert "1 of 3 rows would be refused" in page.locator("#preview-summary").inner_text()
    refused = page.locator("#preview tr.refused")
    assert refused.count() == 1 and "class_not_allowed" in refused.inner_text() and "GB-0001" in refused.inner_text()
    assert page.locator("#issue-confirm").count() == 0
    screenshot(tab, "console-issue-preview")
    page.go_back()
    page.get_by_label("Rows").fill("to,amount\nSG-0002,10\nHK-0002,1.5\n")
    from_csv.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Issue 2 rows of PRIF").click()
    assert "2 rows of PRIF issued" in page.locator("#issue-summary").inner_text()
    page.get_by_role("link", name="Issue more").click()  # one investor: the same preview, then the same issuance
    one = page.get_by_role("form", name="Issue to one investor")
    one.get_by_label("Asset").select_option("PRIF")
    one.get_by_label("Investor id or wallet").fill("SG-0002")
    one.get_by_label("Shares").fill("3")
    one.get_by_role("button", name="Preview").click()
    assert "The row passes the checks" in page.locator("#preview-summary").inner_text()
    page.get_by_role("button", name="Issue 1 row of PRIF").click()
    assert "1 row of PRIF issued" in page.locator("#issue-summary").inner_text()
    assert_clean(tab, demo)


def send_call(w3: Web3, account: LocalAccount, call: Any) -> None:
    tx = call.build_transaction({"from": account.address, "chainId": CHAIN_ID,
                                 "nonce": w3.eth.get_transaction_count(account.address)})  # fmt: skip
    sent = w3.eth.send_raw_transaction(account.sign_transaction(tx).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1


def test_an_issuer_wallet_settles_a_dealing_day_and_the_investor_claims_with_their_wallet(
    open_tab: Any, demo: Demo
) -> None:
    """Last in this file: it moves the demo chain past a cut-off. SG-0001 subscribes to HMMF from its own
    wallet; the operator's wallet (the platform's issuer) signs in to the console and settles the day; SG-0001
    claims its shares from the Dealing page."""
    w3 = Web3(Web3.HTTPProvider(demo.rpc))
    api = {"Authorization": f"Bearer {demo.keys['issuer']}"}
    with httpx.Client(base_url=demo.url, headers=api) as client:
        vault = load_artifact("FundVault").at(w3, client.get("/funds/HMMF").json()["vault"])
        coin = load_artifact("TestStablecoin").at(w3, vault.functions.asset().call())
        operator, investor = dev_account(0), dev_account(INVESTORS[2][1][0])  # SG-0001
        amount = 20_000 * 10 ** coin.functions.decimals().call()
        send_call(w3, operator, coin.functions.mint(investor.address, amount))
        send_call(w3, investor, coin.functions.approve(vault.address, amount))
        send_call(w3, investor, vault.functions.requestDeposit(amount, investor.address, investor.address))
        now = int(w3.eth.get_block("latest")["timestamp"])
        closes = vault.functions.cutoffTime(vault.functions.dealingDay(now).call()).call()
        w3.provider.make_request("evm_increaseTime", [closes - now + 1])  # type: ignore[arg-type]
        w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
        published = client.post("/funds/HMMF/navs", json={"nav": "10.0013"}, headers={"Idempotency-Key": "web-nav"})
        assert published.status_code == 201, published.text

    staff = open_tab(operator)
    page = staff.page
    page.goto(f"{demo.url}/web/console/sign-in")
    page.get_by_role("button", name="Sign in with an issuer wallet").click()
    page.wait_for_url(f"{demo.url}/web/console")
    page.get_by_role("link", name="Dealing days").click()
    page.get_by_role("link", name="HMMF").click()
    assert "Settled at NAV 10.0012" in page.locator("#days").inner_text()  # the demo's first day
    screenshot(staff, "console-dealing-days")
    page.get_by_role("button", name=re.compile(r"^Settle HMMF's dealing day")).click()
    assert "10.0013" in page.locator("#settled").inner_text()
    page.get_by_role("link", name="Approvals").click()
    assert "No Safe holds" in page.locator("main").inner_text()
    assert_clean(staff, demo)

    tab = open_tab(investor)
    sign_in(tab, demo)
    page = tab.page
    page.get_by_role("link", name="Dealing").click()
    claim = page.get_by_role("button", name=re.compile(r"^Claim .* HMMF \(HMMF subscription\)"))
    screenshot(tab, "portal-dealing")
    claim.click()
    page.wait_for_url(re.compile(r".*/web/portal/dealing\?min_block=\d+"))  # reloaded once the index has the claim
    assert page.locator("button.claim").count() == 0
    page.get_by_role("link", name="Holdings").click()
    assert "HKD" in page.locator("#holdings").inner_text()  # HMMF valued at its NAV
    screenshot(tab, "portal-fund-holdings")
    assert_clean(tab, demo)
