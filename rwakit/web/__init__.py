"""The web dashboard served by the API's app under /web: an investor portal (Sign-In with Ethereum)
and an issuer console (staff API keys). See docs/web.md."""

from rwakit.web.pages import install

__all__ = ["install"]
