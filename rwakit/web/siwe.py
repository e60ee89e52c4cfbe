"""Sign-In with Ethereum (EIP-4361) messages: written, parsed and checked here, signatures recovered
with eth_account (EIP-191 personal_sign).

The `siwe` package pins eth-account below 0.14, which web3 7.16 needs, so the message format is
implemented from the EIP: the ABNF's line order, an optional `scheme://` before the domain, an EIP-55
address, a nonce of at least 8 letters and digits, RFC 3339 times. What the relying party must check
(the scheme when given, domain, URI, chain id, issued-at, expiration, not-before, the signer) is
checked in `check`; the nonce's single use is the database's (rwakit.db.web.spend_nonce).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from eth_account import Account
from eth_account.messages import encode_defunct
from web3 import Web3

from rwakit.api.errors import Unauthorized
from rwakit.errors import InvalidInput

PREAMBLE = " wants you to sign in with your Ethereum account:"
MAX_MESSAGE = 4000  # characters: a sign-in message is a few hundred
CLOCK_SKEW = timedelta(minutes=1)  # a wallet's clock may run a little ahead of the server's
_NONCE = re.compile(r"[A-Za-z0-9]{8,64}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")  # RFC 3986
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")
_FIELD = re.compile(r"([A-Z][A-Za-z ]*): (.*)")
_FIELDS = ("URI", "Version", "Chain ID", "Nonce", "Issued At", "Expiration Time", "Not Before", "Request ID")
_REQUIRED = ("URI", "Version", "Chain ID", "Nonce", "Issued At")


class SiweRefused(Unauthorized):
    """A sign-in message or signature the platform does not accept (401, with a code per reason)."""

    code = "siwe_refused"


@dataclass(frozen=True)
class SiweMessage:
    domain: str
    address: str
    uri: str
    chain_id: int
    nonce: str
    issued_at: datetime
    statement: str | None = None
    expiration_time: datetime | None = None
    not_before: datetime | None = None
    request_id: str | None = None
    resources: tuple[str, ...] = field(default=())
    version: str = "1"
    scheme: str | None = None  # the first line's optional `scheme://` (the origin's scheme)

    def text(self) -> str:
        """The message as the wallet shows and signs it (EIP-4361's ABNF, LF line ends)."""
        origin = self.domain if self.scheme is None else f"{self.scheme}://{self.domain}"
        lines = [f"{origin}{PREAMBLE}", self.address, ""]
        if self.statement is not None:
            lines.append(self.statement)
        lines += [
            "",
            f"URI: {self.uri}",
            f"Version: {self.version}",
            f"Chain ID: {self.chain_id}",
            f"Nonce: {self.nonce}",
            f"Issued At: {rfc3339(self.issued_at)}",
        ]
        if self.expiration_time is not None:
            lines.append(f"Expiration Time: {rfc3339(self.expiration_time)}")
        if self.not_before is not None:
            lines.append(f"Not Before: {rfc3339(self.not_before)}")
        if self.request_id is not None:
            lines.append(f"Request ID: {self.request_id}")
        if self.resources:
            lines += ["Resources:", *(f"- {r}" for r in self.resources)]
        return "\n".join(lines)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _malformed(why: str) -> InvalidInput:
    return InvalidInput(f"Not an EIP-4361 sign-in message: {why}", code="siwe_malformed")


def _time(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise _malformed(f"{name} {text[:40]!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise _malformed(f"{name} {text[:40]!r} has no time zone (RFC 3339 needs Z or an offset)")
    return moment


def parse(text: str) -> SiweMessage:
    """The message's fields, or InvalidInput (siwe_malformed) naming the first line that breaks the format."""
    if len(text) > MAX_MESSAGE:
        raise _malformed(f"longer than {MAX_MESSAGE} characters")
    lines = text.split("\n")
    if len(lines) < 8 or not lines[0].endswith(PREAMBLE):
        raise _malformed(f"the first line must be '[<scheme>://]<domain>{PREAMBLE}'")
    scheme, _, domain = lines[0].removesuffix(PREAMBLE).rpartition("://")
    if "://" in lines[0] and not _SCHEME.fullmatch(scheme):
        raise _malformed(f"the scheme {scheme[:20]!r} is not an RFC 3986 scheme")
    if not domain or any(c.isspace() for c in domain):
        raise _malformed("the domain is empty or holds spaces")
    address = lines[1]
    if not _ADDRESS.fullmatch(address) or not Web3.is_checksum_address(address):
        raise _malformed("the second line must be the EIP-55 (checksummed) address")
    if lines[2] != "":
        raise _malformed("a blank line must follow the address")
    statement, rest = (None, lines[4:]) if lines[3] == "" else (lines[3], lines[5:])
    if statement is not None and lines[4] != "":
        raise _malformed("a blank line must follow the statement")
    fields: dict[str, str] = {}
    resources: list[str] = []
    for index, line in enumerate(rest):
        if line == "Resources:":
            listed = rest[index + 1 :]
            if not all(r.startswith("- ") and len(r) > 2 for r in listed):
                raise _malformed("each resource must be a line '- <URI>'")
            resources = [r[2:] for r in listed]
            break
        found = _FIELD.fullmatch(line)
        if found is None or found[1] not in _FIELDS or found[1] in fields:
            raise _malformed(f"unexpected line {line[:60]!r}")
        if _FIELDS.index(found[1]) < max((_FIELDS.index(f) for f in fields), default=-1):
            raise _malformed(f"{found[1]} is out of order")
        fields[found[1]] = found[2]
    missing = [name for name in _REQUIRED if name not in fields]
    if missing:
        raise _malformed(f"missing {', '.join(missing)}")
    if fields["Version"] != "1":
        raise _malformed(f"version {fields['Version'][:10]!r} (only 1 exists)")
    if not fields["Chain ID"].isdigit() or len(fields["Chain ID"]) > 20:
        raise _malformed("the chain id must be a decimal number")
    if not _NONCE.fullmatch(fields["Nonce"]):
        raise _malformed("the nonce must be 8 to 64 letters and digits")
    return SiweMessage(
        domain=domain,
        address=address,
        uri=fields["URI"],
        chain_id=int(fields["Chain ID"]),
        nonce=fields["Nonce"],
        issued_at=_time("Issued At", fields["Issued At"]),
        statement=statement,
        expiration_time=_time("Expiration Time", fields["Expiration Time"]) if "Expiration Time" in fields else None,
        not_before=_time("Not Before", fields["Not Before"]) if "Not Before" in fields else None,
        request_id=fields.get("Request ID"),
        resources=tuple(resources),
        version=fields["Version"],
        scheme=scheme or None,
    )


def signer_of(text: str, signature: str) -> str:
    """The address whose key signed `text` (EIP-191 personal_sign), or SiweRefused (siwe_bad_signature)."""
    if not _SIGNATURE.fullmatch(signature):
        raise SiweRefused("The signature must be 65 bytes of hex (0x + 130 digits)", code="siwe_bad_signature")
    try:
        signer: str = Account.recover_message(encode_defunct(text=text), signature=signature)
    except Exception:  # eth_keys raises several kinds for an unrecoverable signature
        raise SiweRefused("The signature does not recover to any address", code="siwe_bad_signature") from None
    return signer


def check(message: SiweMessage, text: str, signature: str, *, domain: str, origin: str, chain_id: int,
          now: datetime, max_age: timedelta) -> None:  # fmt: skip
    """Everything EIP-4361 asks of the relying party but the nonce: the message was made for this site
    (its scheme when it names one, the domain, and a URI on its origin), this chain, is within its
    validity window, and was signed by the address it names."""
    scheme = origin.partition("://")[0]
    if message.scheme is not None and message.scheme.lower() != scheme:
        raise SiweRefused(
            f"The message is for {message.scheme[:20]}://{message.domain[:100]}, not this site ({origin}): sign in "
            "from this site's page",
            code="siwe_wrong_domain",
        )
    if message.domain != domain:
        raise SiweRefused(
            f"The message is for {message.domain[:100]!r}, not this site ({domain}): sign in from this site's page",
            code="siwe_wrong_domain",
        )
    uri = urlsplit(message.uri)
    if f"{uri.scheme}://{uri.netloc}" != origin:
        raise SiweRefused(f"The message's URI is not on {origin}", code="siwe_wrong_uri")
    if message.chain_id != chain_id:
        raise SiweRefused(
            f"The message is for chain {message.chain_id}; this platform runs on chain {chain_id}: switch your wallet",
            code="siwe_wrong_chain",
            chain_id=chain_id,
        )
    if message.issued_at > now + CLOCK_SKEW:
        raise SiweRefused("The message is issued in the future: check your clock", code="siwe_not_yet_valid")
    if message.issued_at < now - max_age:
        raise SiweRefused("The message was issued too long ago: sign in again", code="siwe_expired")
    if message.expiration_time is not None and message.expiration_time <= now:
        raise SiweRefused("The message has expired: sign in again", code="siwe_expired")
    if message.not_before is not None and message.not_before > now + CLOCK_SKEW:
        raise SiweRefused("The message is not valid yet (Not Before)", code="siwe_not_yet_valid")
    if signer_of(text, signature) != message.address:
        raise SiweRefused(f"The signature is not {message.address}'s", code="siwe_bad_signature")
