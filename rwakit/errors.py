"""The one error tree of rwakit.

Every error carries a stable machine-readable ``code`` (the HTTP API returns it verbatim) and a
message that says what to do next. Subclasses also inherit the builtin they refine, as web3.py's
do, so ``except ValueError`` keeps working for callers that know nothing of rwakit.
"""

from __future__ import annotations

from typing import Any


class RwakitError(Exception):
    """Root of every error rwakit raises on purpose."""

    code = "rwakit_error"

    def __init__(self, message: str, *, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class ConfigError(RwakitError, ValueError):
    code = "config_error"


class InvalidInput(RwakitError, ValueError):
    """The caller passed something malformed: an address, an amount, a country code."""

    code = "invalid_input"


class NotFound(RwakitError, LookupError):
    code = "not_found"


class ToolchainError(RwakitError):
    """The compiler or a local node could not be found or failed to start."""

    code = "toolchain_error"


class ChainError(RwakitError):
    """Talking to the chain failed."""

    code = "chain_error"


class ChainUnavailable(ChainError, ConnectionError):
    code = "chain_unavailable"


class DeploymentMissing(ChainError):
    """No deployment record, or the record does not match the connected chain."""

    code = "deployment_missing"


class TransactionFailed(ChainError):
    """A transaction was refused by the node or reverted without a known reason."""

    code = "transaction_failed"


class ContractRevert(TransactionFailed):
    """A contract reverted with a custom error decoded from our own ABIs.

    ``error`` is the Solidity error's name and ``args`` its arguments by name.
    """

    code = "contract_revert"

    def __init__(self, message: str, *, error: str, args: dict[str, Any], **details: Any) -> None:
        super().__init__(message, error=error, args=args, **details)
        self.error = error
        self.args_by_name = args

    def described_as(self, action: str) -> ContractRevert:
        """This refusal told as `action`, in the caller's terms (shares as given, an investor id), in
        place of the label it was sent under (base units, addresses): "issue 1 HVT to HK-0001 refused: ..."."""
        why = self.message.partition(" refused: ")[2] or self.message
        self.message = f"{action} refused: {why}"
        self.args = (self.message,)
        return self


class ComplianceError(ContractRevert):
    """The asset's compliance check refused a move of shares; ``reason`` names the rule."""

    code = "compliance_refused"

    def __init__(self, message: str, *, reason_code: int, reason: str, **details: Any) -> None:
        super().__init__(message, reason_code=reason_code, reason=reason, **details)
        self.reason_code = reason_code
        self.reason = reason


class AccessDenied(ContractRevert, PermissionError):
    """The sending account lacks the contract role the call needs."""

    code = "access_denied"


class ApprovalPending(RwakitError):
    """The operation was proposed to the Safe that holds the role and waits for its owners' approvals:
    nothing was sent. ``details`` carry the proposal (id, SafeTx hash, approvals, threshold)."""

    code = "approval_pending"
