// A claim sent by the investor's own wallet (EIP-1193 eth_sendTransaction): the server wrote the call's
// data (a distribution's amount and Merkle proof, or a fund vault's claim with the wallet as controller);
// the page waits for the receipt, then reloads to show the claim as done.
"use strict";
(function () {
  const table = document.querySelector("table.claims");
  const status = document.getElementById("claim-status");
  const error = document.getElementById("claim-error");
  if (!table) return;

  function fail(text, button) {
    status.textContent = "";
    error.textContent = text;
    error.hidden = false;
    button.disabled = false;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function claim(button) {
    const wallet = window.ethereum;
    if (!wallet) return fail("No wallet found in this browser: install or unlock a wallet extension.", button);
    error.hidden = true;
    button.disabled = true;
    const [from] = await wallet.request({ method: "eth_requestAccounts" });
    const chainId = parseInt(await wallet.request({ method: "eth_chainId" }), 16);
    if (chainId !== Number(table.dataset.chainId)) {
      return fail(`Your wallet is on chain ${chainId}: switch it to chain ${table.dataset.chainId}.`, button);
    }
    status.textContent = "Confirm the claim in your wallet…";
    const hash = await wallet.request({
      method: "eth_sendTransaction",
      params: [{ from: from, to: button.dataset.to, data: button.dataset.data }],
    });
    status.textContent = `Claim sent (${hash.slice(0, 12)}…): waiting for it to be mined…`;
    for (let i = 0; i < 120; i++) {
      const receipt = await wallet.request({ method: "eth_getTransactionReceipt", params: [hash] });
      if (receipt) {
        if (receipt.status === "0x1") {
          // Reloaded once the server's index has read the claim's block (pages that read the chain ignore it).
          const next = new URL(window.location.href);
          next.searchParams.set("min_block", String(parseInt(receipt.blockNumber, 16)));
          return window.location.assign(next.toString());
        }
        return fail(`The claim ${hash} failed on chain: nothing was claimed.`, button);
      }
      await sleep(500);
    }
    fail(`The claim ${hash} is not mined yet: reload this page later.`, button);
  }

  for (const button of table.querySelectorAll("button.claim")) {
    button.addEventListener("click", () => claim(button).catch((exc) => fail(exc && exc.message ? exc.message : String(exc), button)));
  }
})();
