"""The vault's and the vault factory's refusals as rwakit errors, each with its own code and a message that
says what to do next (the Solidity error and its arguments stay on the error: `error`, `args_by_name`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rwakit.contracts.restrictions import Restriction
from rwakit.errors import AccessDenied, ComplianceError, ContractRevert
from rwakit.funds.models import NavStatus, day_date, iso_time

Args = dict[str, Any]


def _day(args: Args) -> str:
    return day_date(int(args["day"])).isoformat()


# Solidity error -> (code, what went wrong and what to do, from its arguments)
_FUND_ERRORS: dict[str, tuple[str, Callable[[Args], str]]] = {
    "FundBelowMinimum": ("below_minimum", lambda a: f"{a['amount']} base units is below the fund's minimum of "
                         f"{a['minimum']}: see `rwakit fund terms`"),
    "FundRequestPending": ("request_pending", lambda a: f"{a['controller']} has a request pending on dealing day "
                           f"{_day(a)}: wait for it to be settled and claim it, or cancel it before its cut-off"),
    "FundSharesUnavailable": ("shares_unavailable", lambda a: f"{a['owner']} has {a['available']} unfrozen base "
                              f"units, fewer than the {a['shares']} to redeem"),
    "FundNothingPending": ("nothing_pending", lambda a: f"{a['controller']} has no pending request to cancel"),
    "FundNothingToClaim": ("nothing_to_claim", lambda a: f"{a['controller']} has nothing claimable on that side: "
                           "a request is claimable once its dealing day is settled"),
    "FundCutoffPassed": ("cutoff_passed", lambda a: f"dealing day {_day(a)} closed at {iso_time(a['cutoffTime'])}: "
                         "the request deals at that day's NAV and can no longer be cancelled"),
    "FundDayOpen": ("dealing_day_open", lambda a: f"dealing day {_day(a)} takes requests until "
                    f"{iso_time(a['cutoffTime'])}: settle it after its cut-off"),
    "FundDaySettled": ("dealing_day_settled", lambda a: f"dealing day {_day(a)} is settled already"),
    "FundInvalidDay": ("invalid_day", lambda a: f"{a['day']} is not a dealing day of this vault (days since "
                       "1970-01-01, 32 bits, from the day the vault opened on: see `rwakit fund show`)"),
    "FundNavBeforeCutoff": ("nav_before_cutoff", lambda a: f"the latest NAV was valued at "
                            f"{iso_time(a['valuationTime'])}, before dealing day {_day(a)}'s cut-off "
                            f"{iso_time(a['cutoffTime'])}: publish a NAV valued after it (forward pricing)"),
    "FundUnknownNav": ("nav_not_found", lambda a: f"NAV {a['navId']} is not the fund's latest NAV"),
    "FundInvalidNav": ("invalid_nav", lambda a: f"a NAV of {a['value']} valued at {a['valuationTime']} must be "
                       "positive and valued no later than now and no earlier than the latest NAV"),
    "FundExceedsClaimable": ("exceeds_claimable", lambda a: f"{a['amount']} is more than the {a['claimable']} "
                             "claimable"),
    "FundCashShort": ("cash_short", lambda a: f"the fund's cash account {a['cashAccount']} holds or allows "
                      f"{a['available']} base units, less than the {a['needed']} the claim pays: it stays claimable "
                      "until the account is funded (and approves the vault)"),
    "FundInvalidTerms": ("invalid_terms", lambda _: "a cut-off is 00:00 to 23:59 UTC and each fee at most 1,000 bps"),
    "FundZeroAddress": ("invalid_address", lambda _: "an account is the zero address"),
    "FundUnknownRequest": ("request_not_found", lambda a: f"no request {a['requestId']}: requests are id 0"),
    "FundAsyncFlow": ("async_flow", lambda _: "previews do not apply to asynchronous dealing"),
    "VaultFactoryNotAFund": ("not_a_fund", lambda a: f"{a['asset']} is not a fund of this platform: only an asset "
                             "created with kind fund has a dealing vault"),
    "VaultFactoryVaultExists": ("vault_exists", lambda a: f"{a['asset']} has its vault at {a['vault']} already"),
}
_UNAUTHORIZED = {
    "FundUnauthorized": lambda a: f"{a['caller']} is neither {a['controller']} nor an operator it approved",
    "VaultFactoryUnauthorized": lambda a: f"{a['caller']} is not the asset's admin, who alone opens its vault",
}


def fund_error(exc: ContractRevert, action: str) -> ContractRevert:
    """`exc` (a decoded revert of `action`) as the funds' error for it; other reverts keep their own code."""
    name, args = exc.error, exc.args_by_name
    if name in _FUND_ERRORS:
        code, say = _FUND_ERRORS[name]
        return ContractRevert(f"{action} refused: {say(args)}", code=code, error=name, args=args)
    if name in _UNAUTHORIZED:
        return AccessDenied(f"{action} refused: {_UNAUTHORIZED[name](args)}", error=name, args=args)
    if name == "FundNavUnconfirmed":
        held = NavStatus(args["status"]) is NavStatus.HELD
        code = "nav_held" if held else "nav_stale"
        why = "is held (too far from the last accepted NAV)" if held else "is stale (older than the terms allow)"
        return ContractRevert(f"{action} refused: NAV {args['navId']} {why}: the admin confirms it "
                              "(`rwakit fund nav confirm`) or the valuer publishes a new one", code=code, error=name,
                              args=args)  # fmt: skip
    if name == "FundIneligible":
        restriction = Restriction.parse(args["code"])
        reason = restriction.reason if isinstance(restriction, Restriction) else f"code_{restriction}"
        return ComplianceError(f"{action} refused: {args['account']} is not eligible: {reason}", code="fund_ineligible",
                               reason_code=int(restriction), reason=reason, error=name, args=args)  # fmt: skip
    if name in ("ERC20InsufficientBalance", "ERC20InsufficientAllowance"):  # only the coin moves by transferFrom
        return ContractRevert(f"{action} refused: the wallet's settlement currency is short ({name})",
                              code="insufficient_cash", error=name, args=args)  # fmt: skip
    if isinstance(exc, ComplianceError):  # the asset refused a claim's mint: the claim stays claimable
        return ComplianceError(f"{action} refused: {exc.reason}; it stays claimable", code="fund_ineligible",
                               reason_code=exc.reason_code, reason=exc.reason, error=name, args=args)  # fmt: skip
    return exc.described_as(action)
