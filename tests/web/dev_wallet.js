// A wallet extension as the page sees it: an EIP-1193 provider at window.ethereum, backed by a dev key
// that the test holds (the exposed function rwakitDevWallet signs in Python with eth_account).
(() => {
  const chainId = "0x" + Number(__CHAIN_ID__).toString(16);
  const listeners = {};
  window.ethereum = {
    isRwakitDevWallet: true,
    async request({ method, params }) {
      switch (method) {
        case "eth_requestAccounts":
        case "eth_accounts":
          return [await window.rwakitDevWallet("address", "", "")];
        case "eth_chainId":
          return chainId;
        case "personal_sign":
          return await window.rwakitDevWallet("sign", params[0], params[1]);
        case "eth_sendTransaction":
          return await window.rwakitDevWallet("send", JSON.stringify(params[0]), "");
        case "eth_getTransactionReceipt": {
          const receipt = await window.rwakitDevWallet("receipt", params[0], "");
          return receipt ? JSON.parse(receipt) : null;
        }
        default:
          throw Object.assign(new Error(`The dev wallet does not support ${method}`), { code: 4200 });
      }
    },
    on(event, listener) { (listeners[event] = listeners[event] || []).push(listener); },
    removeListener(event, listener) { listeners[event] = (listeners[event] || []).filter((l) => l !== listener); },
  };
})();
