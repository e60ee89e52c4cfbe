// Sign-In with Ethereum through the page's EIP-1193 provider (a wallet extension's window.ethereum):
// the server writes the EIP-4361 message with a fresh nonce, the wallet signs it (personal_sign), and
// the server checks it and sets the session cookie. The same script signs an issuer's wallet in to the
// console (the form's data-console): the message then names the console's sign-in page.
"use strict";
(function () {
  const form = document.getElementById("siwe");
  const button = document.getElementById("siwe-button");
  const status = document.getElementById("siwe-status");
  const error = document.getElementById("siwe-error");

  function fail(text) {
    status.textContent = "";
    error.textContent = text;
    error.hidden = false;
    button.disabled = false;
  }

  function utf8Hex(text) {
    return "0x" + Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // What to say when an answer is not the API's JSON (a proxy's 413 or 502 page, a crash's 500): the
  // status in words, never the browser's JSON parse error.
  function unreadable(response) {
    if (response.status === 413) return "The server refused the request as too large (HTTP 413): reload the page and sign in again.";
    if (response.status === 429) return "Too many sign-in attempts (HTTP 429): wait a minute, then try again.";
    if (response.status >= 500) return `The server could not answer (HTTP ${response.status}): try again in a moment.`;
    return `The server gave an answer this page cannot read (HTTP ${response.status}): reload the page and try again.`;
  }

  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      return { ok: false, body: { message: "The server could not be reached: check your connection, then try again." } };
    }
    if ((response.headers.get("Content-Type") || "").split(";")[0].trim() === "application/json") {
      try {
        return { ok: response.ok, body: await response.json() };
      } catch {
        // a body cut short or not JSON after all: fall through to the status
      }
    }
    return { ok: false, body: { message: unreadable(response) } };
  }

  async function signIn() {
    const wallet = window.ethereum;
    if (!wallet) {
      fail("No wallet found in this browser: install or unlock a wallet extension, then reload this page.");
      return;
    }
    error.hidden = true;
    button.disabled = true;
    status.textContent = "Asking your wallet for its account…";
    const accounts = await wallet.request({ method: "eth_requestAccounts" });
    const chainId = parseInt(await wallet.request({ method: "eth_chainId" }), 16);
    const made = await post("/web/siwe/message", { address: accounts[0], chain_id: chainId, console: form.dataset.console === "true" });
    if (!made.ok) return fail(made.body.message);
    status.textContent = "Sign the message in your wallet…";
    const signature = await wallet.request({ method: "personal_sign", params: [utf8Hex(made.body.message), accounts[0]] });
    status.textContent = "Checking the signature…";
    const verified = await post("/web/siwe/verify", { message: made.body.message, signature: signature });
    if (verified.ok) {
      window.location.assign(verified.body.next);
    } else if (verified.body.code === "wallet_not_registered") {
      window.location.assign(verified.body.next);
    } else {
      fail(verified.body.message);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    signIn().catch((exc) => fail(exc && exc.message ? exc.message : "The wallet refused: " + exc));
  });
})();
