// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {AssetToken} from "../token/AssetToken.sol";
import {
    IERC7540Operator,
    IERC7575,
    IERC7540Deposit,
    IERC7540Redeem,
    IERC7887Deposit,
    IERC7887Redeem
} from "../interfaces/IERC7540.sol";
import {TransferRestrictions as R} from "../token/TransferRestrictions.sol";

/// @title FundVault
/// @notice Primary dealing in one fund's shares at its NAV, in the platform's settlement currency:
/// ERC-7540 asynchronous subscriptions (`requestDeposit`) and redemptions (`requestRedeem`), claimed
/// through ERC-4626's `deposit`/`mint`/`redeem`/`withdraw`; ERC-7575's `share()` is the fund's asset
/// token; ERC-7887 cancellation, synchronous, before the request's cut-off.
///
/// Dealing days. Day `d` is the UTC date `d` days after 1970-01-01; its cut-off is `cutoff` seconds into
/// it (17:00 Hong Kong time is 09:00 UTC: 32,400). A request before a day's cut-off deals on that day,
/// a later one on the next: forward pricing, at a NAV valued at or after the cut-off. The fund manager
/// settles a day once in one transaction whose cost does not depend on how many requests it holds: it
/// fixes the day's NAV and moves the day's subscription cash (less fees) to the fund's cash account and
/// the fees to the fee account. Each investor then claims: subscribed shares are minted at the claim,
/// redemption cash is paid from the fund's cash account at the claim. A controller has at most one
/// pending request a side, on one dealing day; requests on the same day add up (requestId is always 0:
/// ERC-7540's aggregated form, the dealing day is `pendingDepositDay` / `pendingRedeemDay`).
///
/// NAV. A valuer publishes the NAV per share with its valuation time. A NAV more than `maxNavDeviationBps`
/// away from the last accepted one is held, and a NAV older than `maxNavAge` at settlement is stale:
/// neither is used until the admin confirms it. A confirmation lasts `maxNavAge` too: a NAV is stale once
/// `maxNavAge` has passed since the later of its valuation and its confirmation. Settlement uses the latest
/// NAV, on a day no earlier than the vault's first (`firstDealingDay`).
///
/// Rounding is in the fund's favour: shares and redemption cash round down, fees round up. What rounding
/// keeps (the dust) stays with the fund: a subscription's cash beyond its shares' value is in the cash
/// account, and a redemption pays less than its shares' value from it. A subscription whose cash after its
/// fee buys no share unit at its day's NAV is not dealt: its settlement leaves that cash to take back
/// (`claimCancelDepositRequest`, paid from the cash account), as if the vault had cancelled it.
///
/// Requests for another controller. The owner (or its operator) requests; when the controller is someone
/// else, the caller must be the controller's operator too (ERC-7540 lets any controller be named: this
/// vault refuses third-party requests, which would put unasked-for requests, and FundRequestPending, on an
/// investor).
///
/// Eligibility. A subscription is refused unless its controller could receive the shares now (the
/// asset's issuance check, with the shares the last accepted NAV gives); the claim's mint is checked
/// again by the asset and a refused claim stays claimable. A redemption is refused unless owner and
/// controller could send shares now (verified, not frozen, the asset neither paused nor locked up) and
/// the owner's unfrozen balance covers it; its shares are burnt at the request (ERC-7540 allows it) and
/// re-issued if it is cancelled. Its cash claim is refused while the controller could not send, and while
/// the cash account cannot pay (balance or allowance): it stays claimable, first claimed first paid.
/// @dev Needs the asset's ISSUER_ROLE (to mint and burn) and the cash account's allowance in the
/// settlement currency (to pay redemptions).
contract FundVault is
    AccessControl,
    IERC7540Operator,
    IERC7575,
    IERC7540Deposit,
    IERC7540Redeem,
    IERC7887Deposit,
    IERC7887Redeem
{
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice Publishes the NAV per share.
    bytes32 public constant VALUER_ROLE = keccak256("VALUER_ROLE");
    /// @notice Settles dealing days.
    bytes32 public constant MANAGER_ROLE = keccak256("MANAGER_ROLE");
    /// @notice A NAV is the value of one whole share in whole units of the settlement currency, with 18
    /// decimals: HKD 10.05 is 10.05e18.
    uint8 public constant NAV_DECIMALS = 18;
    uint256 public constant MAX_FEE_BPS = 1_000;
    uint256 private constant BPS = 10_000;
    uint256 private constant DAY = 1 days;

    enum NavStatus {
        None,
        Accepted,
        Held,
        Confirmed
    }

    /// @dev `confirmedAt` is when the admin last confirmed it (zero if never): the confirmation, not only the
    /// valuation, has an age.
    struct Nav {
        uint128 value;
        uint40 valuationTime;
        uint40 publishedAt;
        NavStatus status;
        uint40 confirmedAt;
    }

    /// @notice The fund's dealing terms, set by the admin.
    struct Terms {
        address cashAccount;
        uint16 subscriptionFeeBps;
        uint16 redemptionFeeBps;
        uint16 maxNavDeviationBps;
        uint32 maxNavAge;
        address feeAccount;
        uint128 minSubscription;
        uint128 minRedemption;
    }

    /// @notice The vault's role holders at its creation.
    struct Roles {
        address admin;
        address valuer;
        address manager;
    }

    /// @notice A dealing day's totals; `nav` is zero until it is settled.
    struct DealingDay {
        uint128 depositAssets;
        uint128 depositFees;
        uint128 redeemShares;
        uint128 nav;
    }

    /// @dev A controller's subscriptions: the pending request (its day, gross cash, fees), what settled
    /// days made claimable, what a cancellation left to take back (in the vault), and the cash, net of its
    /// fee, of a dealt request that bought no share (in the cash account).
    struct DepositState {
        uint32 day;
        uint112 pendingAssets;
        uint112 pendingFees;
        uint128 claimableAssets;
        uint128 claimableShares;
        uint128 cancelledAssets;
        uint128 refundedAssets;
    }

    /// @dev A controller's redemptions: the pending request (its day, shares, and the sum of each
    /// request's shares times its fee rate, so that a request added the same day keeps its own rate), the
    /// claimable cash (net) and its fees, and cancelled shares to re-issue.
    struct RedeemState {
        uint32 day;
        uint112 pendingShares;
        uint112 pendingFeeWeight;
        uint128 claimableShares;
        uint128 claimableAssets;
        uint128 claimableFees;
        uint128 cancelledShares;
    }

    /// @dev The caller is neither `controller` (or owner) nor its operator.
    error FundUnauthorized(address caller, address controller);
    /// @dev Only request id 0 (a controller's aggregated requests) exists in this vault.
    error FundUnknownRequest(uint256 requestId);
    error FundZeroAddress();
    /// @dev Below the fund's minimum subscription (cash) or redemption (shares).
    error FundBelowMinimum(uint256 amount, uint256 minimum);
    /// @dev The controller's request on dealing day `day` is still pending: a request on a later day
    /// waits until that day is settled (or the request is cancelled).
    error FundRequestPending(address controller, uint256 day);
    /// @dev The asset would refuse the controller (or owner) for `code` (ERC-1404, see the asset's
    /// messageForTransferRestriction).
    error FundIneligible(address account, uint8 code);
    /// @dev The owner's unfrozen shares (`available`) do not cover the redemption.
    error FundSharesUnavailable(address owner, uint256 shares, uint256 available);
    error FundNothingPending(address controller);
    error FundNothingToClaim(address controller);
    /// @dev The request's cut-off passed at `cutoffTime`: it deals and can no longer be cancelled.
    error FundCutoffPassed(uint256 day, uint256 cutoffTime);
    /// @dev Day `day` is still open for requests until `cutoffTime`.
    error FundDayOpen(uint256 day, uint256 cutoffTime);
    error FundDaySettled(uint256 day);
    /// @dev Not a dealing day of this vault: days are numbered from 1970-01-01, fit 32 bits, and settle from
    /// the vault's first dealing day (`firstDealingDay`) on.
    error FundInvalidDay(uint256 day);
    /// @dev The latest NAV was valued at `valuationTime`, before day `day`'s cut-off `cutoffTime`: dealing
    /// is at a NAV valued at or after the cut-off.
    error FundNavBeforeCutoff(uint256 day, uint256 valuationTime, uint256 cutoffTime);
    /// @dev NAV `navId` is held (too far from the last accepted) or stale: the admin confirms it first.
    error FundNavUnconfirmed(uint256 navId, NavStatus status, bool stale);
    error FundUnknownNav(uint256 navId);
    error FundInvalidNav(uint256 value, uint256 valuationTime);
    /// @dev More than the controller's claimable amount (`claimable`).
    error FundExceedsClaimable(uint256 amount, uint256 claimable);
    /// @dev The cash account holds or allows less than the claim (a redemption, or a subscription that
    /// bought no share) pays: it stays claimable.
    error FundCashShort(address cashAccount, uint256 needed, uint256 available);
    error FundInvalidTerms();
    /// @dev Previews do not apply to asynchronous flows (ERC-7540).
    error FundAsyncFlow();

    event NavPublished(uint256 indexed navId, uint256 nav, uint256 valuationTime, bool held);
    event NavConfirmed(uint256 indexed navId, address indexed admin);
    event TermsSet(Terms terms);
    event DealingDaySettled(
        uint256 indexed day,
        uint256 indexed navId,
        uint256 nav,
        uint256 depositAssets,
        uint256 depositFees,
        uint256 redeemShares
    );
    /// @notice A redemption claim paid `fee` to the fee account beside the `Withdraw` to the receiver.
    event RedemptionFeePaid(address indexed controller, uint256 fee);

    AssetToken private immutable _share;
    IERC20 private immutable _asset;
    /// @notice Seconds after 00:00 UTC at which each dealing day's requests close.
    uint256 public immutable cutoff;
    /// @notice The dealing day the vault opened on: earlier days are not its days and cannot be settled.
    uint256 public immutable firstDealingDay;
    /// @dev shares = cash * _toShares / (nav * _coinUnit); cash = shares * nav * _coinUnit / _toShares.
    uint256 private immutable _toShares;
    uint256 private immutable _coinUnit;

    Terms private _terms;
    uint256 public navCount;
    /// @notice The NAV deviations are measured from (the last accepted or confirmed).
    uint256 public baselineNavId;
    mapping(uint256 navId => Nav nav) private _navs;
    mapping(uint256 day => DealingDay totals) private _days;
    mapping(address controller => DepositState state) private _deposits;
    mapping(address controller => RedeemState state) private _redeems;
    mapping(address controller => mapping(address operator => bool approved)) public isOperator;

    /// @param share_ The fund's asset token (the vault needs its ISSUER_ROLE).
    /// @param asset_ The settlement currency.
    /// @param cutoff_ Seconds after 00:00 UTC at which a dealing day's requests close (below 86,400).
    /// @param initialNav The launch NAV (an accepted NAV valued now): deviations start from it.
    /// @param roles Who holds DEFAULT_ADMIN_ROLE, VALUER_ROLE and MANAGER_ROLE.
    constructor(
        AssetToken share_,
        IERC20 asset_,
        uint256 cutoff_,
        uint256 initialNav,
        Terms memory terms,
        Roles memory roles
    ) {
        if (address(share_) == address(0) || address(asset_) == address(0) || roles.admin == address(0)) {
            revert FundZeroAddress();
        }
        if (cutoff_ >= DAY) revert FundInvalidTerms();
        _share = share_;
        _asset = asset_;
        cutoff = cutoff_;
        firstDealingDay = dealingDay(block.timestamp);
        _toShares = 10 ** IERC20Metadata(address(share_)).decimals() * 10 ** NAV_DECIMALS;
        _coinUnit = 10 ** IERC20Metadata(address(asset_)).decimals();
        _setTerms(terms);
        _grantRole(DEFAULT_ADMIN_ROLE, roles.admin);
        _grantRole(VALUER_ROLE, roles.valuer);
        _grantRole(MANAGER_ROLE, roles.manager);
        _addNav(initialNav, block.timestamp, NavStatus.Accepted);
    }

    // ---------------------------------------------------------------- NAV

    /// @notice Publishes NAV `value` valued at `valuationTime`. Requirements: VALUER_ROLE; 0 < value <
    /// 2^128; valued no later than now and no earlier than the latest NAV (an equal time is a
    /// correction). Held if more than `maxNavDeviationBps` from the baseline. Emits {NavPublished}.
    function publishNav(uint256 value, uint256 valuationTime) external onlyRole(VALUER_ROLE) returns (uint256 navId) {
        if (
            value == 0 || value > type(uint128).max || valuationTime > block.timestamp
                || valuationTime < _navs[navCount].valuationTime
        ) {
            revert FundInvalidNav(value, valuationTime);
        }
        uint256 base = _navs[baselineNavId].value;
        uint256 gap = value > base ? value - base : base - value;
        bool held = gap * BPS > base * _terms.maxNavDeviationBps;
        return _addNav(value, valuationTime, held ? NavStatus.Held : NavStatus.Accepted);
    }

    /// @notice The admin's confirmation of the latest NAV, held or stale, for dealing until `maxNavAge` after
    /// now (confirming it again later renews it); it becomes the baseline. Requirements: DEFAULT_ADMIN_ROLE;
    /// `navId` is the latest NAV. Emits {NavConfirmed}.
    function confirmNav(uint256 navId) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (navId == 0 || navId != navCount) revert FundUnknownNav(navId);
        Nav storage confirmed = _navs[navId];
        confirmed.status = NavStatus.Confirmed;
        confirmed.confirmedAt = uint40(block.timestamp);
        baselineNavId = navId;
        emit NavConfirmed(navId, msg.sender);
    }

    function nav(uint256 navId) external view returns (Nav memory) {
        if (navId == 0 || navId > navCount) revert FundUnknownNav(navId);
        return _navs[navId];
    }

    /// @notice May the latest NAV be used for dealing now: accepted or confirmed, and not stale (no more than
    /// `maxNavAge` since the later of its valuation and its confirmation)?
    function navUsable() public view returns (bool) {
        Nav memory latest = _navs[navCount];
        return (latest.status == NavStatus.Accepted || latest.status == NavStatus.Confirmed) && !_stale(latest);
    }

    // ---------------------------------------------------------------- dealing days

    /// @notice The dealing day a request made at `timestamp` deals on.
    function dealingDay(uint256 timestamp) public view returns (uint256) {
        return (timestamp + DAY - cutoff) / DAY;
    }

    /// @notice When day `day`'s requests close. Requirements: `day` fits 32 bits (as a request's day does).
    function cutoffTime(uint256 day) public view returns (uint256) {
        if (day > type(uint32).max) revert FundInvalidDay(day);
        return day * DAY + cutoff;
    }

    function dealingDayTotals(uint256 day) external view returns (DealingDay memory) {
        return _days[day];
    }

    /// @notice Deals day `day` at the latest NAV: fixes the price of its requests, moves its subscription
    /// cash less fees to the cash account and the fees to the fee account. Costs the same whatever the
    /// number of requests. Requirements: MANAGER_ROLE; no earlier than the vault's first dealing day; the
    /// day's cut-off passed; not settled; the latest NAV is usable and valued at or after the cut-off.
    /// Emits {DealingDaySettled}.
    function settleDealingDay(uint256 day) external onlyRole(MANAGER_ROLE) {
        uint256 closes = cutoffTime(day);
        if (day < firstDealingDay) revert FundInvalidDay(day);
        if (block.timestamp < closes) revert FundDayOpen(day, closes);
        DealingDay storage totals = _days[day];
        if (totals.nav != 0) revert FundDaySettled(day);
        uint256 navId = navCount;
        Nav memory latest = _navs[navId];
        if (!navUsable()) revert FundNavUnconfirmed(navId, latest.status, _stale(latest));
        if (latest.valuationTime < closes) revert FundNavBeforeCutoff(day, latest.valuationTime, closes);
        totals.nav = latest.value;
        uint256 assets = totals.depositAssets;
        uint256 fees = totals.depositFees;
        emit DealingDaySettled(day, navId, latest.value, assets, fees, totals.redeemShares);
        if (assets > fees) _asset.safeTransfer(_terms.cashAccount, assets - fees);
        if (fees != 0) _asset.safeTransfer(_terms.feeAccount, fees);
    }

    // ---------------------------------------------------------------- subscriptions

    /// @notice Requests shares for `assets` of the settlement currency, taken from `owner` now (approve
    /// this vault first); they deal on the current dealing day. The subscription fee is fixed now.
    /// Requirements: the caller is `owner` or its operator, and `controller` or its operator; at least the
    /// minimum subscription; the controller eligible; no pending request of the controller on an earlier
    /// day. Emits {DepositRequest}.
    function requestDeposit(uint256 assets, address controller, address owner) external returns (uint256) {
        _authorizeRequest(controller, owner);
        uint256 minimum = _terms.minSubscription;
        if (assets == 0 || assets < minimum) revert FundBelowMinimum(assets, minimum);
        _checkCanReceive(controller, convertToShares(assets));
        DepositState storage state = _deposits[controller];
        _settleDeposit(state);
        uint256 day = dealingDay(block.timestamp);
        if (state.pendingAssets != 0 && state.day != day) revert FundRequestPending(controller, state.day);
        uint256 fee = Math.mulDiv(assets, _terms.subscriptionFeeBps, BPS, Math.Rounding.Ceil);
        state.day = uint32(day);
        state.pendingAssets = (state.pendingAssets + assets).toUint112();
        state.pendingFees = (state.pendingFees + fee).toUint112();
        DealingDay storage totals = _days[day];
        totals.depositAssets += assets.toUint128();
        totals.depositFees += fee.toUint128();
        emit DepositRequest(controller, owner, 0, msg.sender, assets);
        _asset.safeTransferFrom(owner, address(this), assets);
        return 0;
    }

    function pendingDepositRequest(uint256 requestId, address controller) external view returns (uint256) {
        _checkRequestId(requestId);
        DepositState memory state = _deposits[controller];
        return _days[state.day].nav == 0 ? state.pendingAssets : 0;
    }

    function claimableDepositRequest(uint256 requestId, address controller) external view returns (uint256) {
        _checkRequestId(requestId);
        return _depositView(controller).claimableAssets;
    }

    /// @notice The dealing day of the controller's pending subscription (meaningful while one is pending).
    function pendingDepositDay(address controller) external view returns (uint256) {
        return _deposits[controller].day;
    }

    /// @notice Claims the shares of `assets` of the controller's claimable subscriptions, minted to
    /// `receiver` (checked by the asset). Emits {Deposit}.
    function deposit(uint256 assets, address receiver, address controller) public returns (uint256 shares) {
        _authorize(controller);
        DepositState storage state = _deposits[controller];
        _settleDeposit(state);
        uint256 claimable = state.claimableAssets;
        if (assets > claimable) revert FundExceedsClaimable(assets, claimable);
        if (claimable == 0 && state.claimableShares == 0) revert FundNothingToClaim(controller);
        shares = assets == claimable ? state.claimableShares : Math.mulDiv(state.claimableShares, assets, claimable);
        _claimDeposit(state, assets, shares, receiver, controller);
    }

    function deposit(uint256 assets, address receiver) external returns (uint256) {
        return deposit(assets, receiver, msg.sender);
    }

    /// @notice Claims `shares` of the controller's claimable subscriptions, minted to `receiver`; the
    /// cash they use rounds up. Shares left once the cash is used up are still claimed here (for no
    /// cash). Emits {Deposit}.
    function mint(uint256 shares, address receiver, address controller) public returns (uint256 assets) {
        _authorize(controller);
        DepositState storage state = _deposits[controller];
        _settleDeposit(state);
        uint256 claimable = state.claimableShares;
        if (shares > claimable) revert FundExceedsClaimable(shares, claimable);
        if (claimable == 0 && state.claimableAssets == 0) revert FundNothingToClaim(controller);
        assets = shares == claimable
            ? state.claimableAssets
            : Math.mulDiv(state.claimableAssets, shares, claimable, Math.Rounding.Ceil);
        _claimDeposit(state, assets, shares, receiver, controller);
    }

    function mint(uint256 shares, address receiver) external returns (uint256) {
        return mint(shares, receiver, msg.sender);
    }

    /// @notice ERC-7887: cancels the controller's pending subscription before its cut-off; the cash is
    /// then claimable with {claimCancelDepositRequest}. Emits {CancelDepositRequest}.
    function cancelDepositRequest(uint256 requestId, address controller) external {
        _checkRequestId(requestId);
        _authorize(controller);
        DepositState storage state = _deposits[controller];
        uint256 assets = state.pendingAssets;
        if (assets == 0 || _days[state.day].nav != 0) revert FundNothingPending(controller);
        _checkBeforeCutoff(state.day);
        DealingDay storage totals = _days[state.day];
        totals.depositAssets -= uint128(assets);
        totals.depositFees -= state.pendingFees;
        state.pendingAssets = 0;
        state.pendingFees = 0;
        state.cancelledAssets += uint128(assets);
        emit CancelDepositRequest(controller, 0, msg.sender);
    }

    function pendingCancelDepositRequest(uint256 requestId, address) external pure returns (bool) {
        _checkRequestId(requestId);
        return false; // cancellation is synchronous: straight to claimable
    }

    /// @notice The controller's cash to take back: cancelled subscriptions, and the cash (net of fees) of
    /// settled ones that bought no share.
    function claimableCancelDepositRequest(uint256 requestId, address controller) external view returns (uint256) {
        _checkRequestId(requestId);
        DepositState memory state = _depositView(controller);
        return uint256(state.cancelledAssets) + state.refundedAssets;
    }

    /// @notice The part of {claimableCancelDepositRequest} that settled requests which bought no share left:
    /// paid from the cash account.
    function refundedDepositAssets(address controller) external view returns (uint256) {
        return _depositView(controller).refundedAssets;
    }

    /// @notice ERC-7887: pays the controller's cancelled subscription cash to `receiver` (from the vault), with
    /// the cash of settled subscriptions that bought no share (from the cash account: refused while it
    /// cannot pay, and then nothing is paid).
    function claimCancelDepositRequest(uint256 requestId, address receiver, address controller) external {
        _checkRequestId(requestId);
        _authorize(controller);
        if (receiver == address(0)) revert FundZeroAddress();
        DepositState storage state = _deposits[controller];
        _settleDeposit(state);
        uint256 cancelled = state.cancelledAssets;
        uint256 refunded = state.refundedAssets;
        if (cancelled == 0 && refunded == 0) revert FundNothingToClaim(controller);
        address cash = _terms.cashAccount;
        if (refunded != 0) _checkCashAccount(cash, refunded);
        state.cancelledAssets = 0;
        state.refundedAssets = 0;
        emit CancelDepositClaim(controller, receiver, 0, msg.sender, cancelled + refunded);
        if (cancelled != 0) _asset.safeTransfer(receiver, cancelled);
        if (refunded != 0) _asset.safeTransferFrom(cash, receiver, refunded);
    }

    // ---------------------------------------------------------------- redemptions

    /// @notice Requests the redemption of `shares` of `owner`, burnt now; they deal on the current dealing
    /// day, and the redemption fee is fixed now. Requirements: the caller is `owner` or its operator, and
    /// `controller` or its operator (not an ERC-20 allowance: see docs/funds.md); at least the minimum
    /// redemption; owner and controller could send shares; the owner's unfrozen balance covers `shares`; no
    /// pending request of the controller on an earlier day. Emits {RedeemRequest}.
    function requestRedeem(uint256 shares, address controller, address owner) external returns (uint256) {
        _authorizeRequest(controller, owner);
        uint256 minimum = _terms.minRedemption;
        if (shares == 0 || shares < minimum) revert FundBelowMinimum(shares, minimum);
        _checkCanSend(owner);
        if (controller != owner) _checkCanSend(controller);
        uint256 available = _share.balanceOf(owner) - _share.getFrozenTokens(owner);
        if (shares > available) revert FundSharesUnavailable(owner, shares, available);
        RedeemState storage state = _redeems[controller];
        _settleRedeem(state);
        uint256 day = dealingDay(block.timestamp);
        if (state.pendingShares != 0 && state.day != day) revert FundRequestPending(controller, state.day);
        state.day = uint32(day);
        state.pendingShares = (state.pendingShares + shares).toUint112();
        state.pendingFeeWeight = (state.pendingFeeWeight + shares * _terms.redemptionFeeBps).toUint112();
        _days[day].redeemShares += uint128(shares);
        emit RedeemRequest(controller, owner, 0, msg.sender, shares);
        _share.burn(owner, shares);
        return 0;
    }

    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        _checkRequestId(requestId);
        RedeemState memory state = _redeems[controller];
        return _days[state.day].nav == 0 ? state.pendingShares : 0;
    }

    function claimableRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        _checkRequestId(requestId);
        return _redeemView(controller).claimableShares;
    }

    /// @notice The dealing day of the controller's pending redemption (meaningful while one is pending).
    function pendingRedeemDay(address controller) external view returns (uint256) {
        return _redeems[controller].day;
    }

    /// @notice The controller's claimable redemption fees (paid from the cash account at the claim).
    function claimableRedeemFees(address controller) external view returns (uint256) {
        return _redeemView(controller).claimableFees;
    }

    /// @notice Claims `shares` of the controller's claimable redemptions: their cash less fees is paid to
    /// `receiver`, and the fees to the fee account, from the fund's cash account. Emits {Withdraw}.
    function redeem(uint256 shares, address receiver, address controller) external returns (uint256 assets) {
        _authorize(controller);
        RedeemState storage state = _redeems[controller];
        _settleRedeem(state);
        uint256 claimable = state.claimableShares;
        if (shares > claimable) revert FundExceedsClaimable(shares, claimable);
        if (claimable == 0 && state.claimableAssets == 0) revert FundNothingToClaim(controller);
        bool all = shares == claimable;
        assets = all ? state.claimableAssets : Math.mulDiv(state.claimableAssets, shares, claimable);
        uint256 fee = all ? state.claimableFees : Math.mulDiv(state.claimableFees, shares, claimable);
        _claimRedeem(state, shares, assets, fee, receiver, controller);
    }

    /// @notice Claims `assets` (net of fees) of the controller's claimable redemptions; the shares they
    /// use round up, the fees are in proportion to the cash. Cash left once the shares are used up is
    /// still claimed here (for no shares). Emits {Withdraw}.
    function withdraw(uint256 assets, address receiver, address controller) external returns (uint256 shares) {
        _authorize(controller);
        RedeemState storage state = _redeems[controller];
        _settleRedeem(state);
        uint256 claimable = state.claimableAssets;
        if (assets > claimable) revert FundExceedsClaimable(assets, claimable);
        if (claimable == 0 && state.claimableShares == 0) revert FundNothingToClaim(controller);
        bool all = assets == claimable;
        shares = all
            ? state.claimableShares
            : Math.mulDiv(state.claimableShares, assets, claimable, Math.Rounding.Ceil);
        // In proportion to the cash (not the shares, which rounding up may already have used up).
        uint256 fee = all ? state.claimableFees : Math.mulDiv(state.claimableFees, assets, claimable);
        _claimRedeem(state, shares, assets, fee, receiver, controller);
    }

    /// @notice ERC-7887: cancels the controller's pending redemption before its cut-off; the shares are
    /// then re-issued with {claimCancelRedeemRequest}. Emits {CancelRedeemRequest}.
    function cancelRedeemRequest(uint256 requestId, address controller) external {
        _checkRequestId(requestId);
        _authorize(controller);
        RedeemState storage state = _redeems[controller];
        uint256 shares = state.pendingShares;
        if (shares == 0 || _days[state.day].nav != 0) revert FundNothingPending(controller);
        _checkBeforeCutoff(state.day);
        _days[state.day].redeemShares -= uint128(shares);
        state.pendingShares = 0;
        state.pendingFeeWeight = 0;
        state.cancelledShares += uint128(shares);
        emit CancelRedeemRequest(controller, 0, msg.sender);
    }

    function pendingCancelRedeemRequest(uint256 requestId, address) external pure returns (bool) {
        _checkRequestId(requestId);
        return false;
    }

    function claimableCancelRedeemRequest(uint256 requestId, address controller) external view returns (uint256) {
        _checkRequestId(requestId);
        return _redeems[controller].cancelledShares;
    }

    /// @notice ERC-7887: re-issues the controller's cancelled redemption shares to `receiver` (checked by
    /// the asset; a refusal leaves them claimable).
    function claimCancelRedeemRequest(uint256 requestId, address receiver, address controller) external {
        _checkRequestId(requestId);
        _authorize(controller);
        RedeemState storage state = _redeems[controller];
        uint256 shares = state.cancelledShares;
        if (shares == 0) revert FundNothingToClaim(controller);
        state.cancelledShares = 0;
        emit CancelRedeemClaim(controller, receiver, 0, msg.sender, shares);
        _share.mint(receiver, shares);
    }

    // ---------------------------------------------------------------- operators and terms

    function setOperator(address operator, bool approved) external returns (bool) {
        if (operator == address(0)) revert FundZeroAddress();
        isOperator[msg.sender][operator] = approved;
        emit OperatorSet(msg.sender, operator, approved);
        return true;
    }

    /// @notice Sets the dealing terms (fees apply to requests from now on). Requirements:
    /// DEFAULT_ADMIN_ROLE; accounts non-zero; each fee at most MAX_FEE_BPS. Emits {TermsSet}.
    function setTerms(Terms calldata terms) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTerms(terms);
    }

    function dealingTerms() external view returns (Terms memory) {
        return _terms;
    }

    // ---------------------------------------------------------------- ERC-7575 / ERC-4626 views

    function asset() external view returns (address) {
        return address(_asset);
    }

    function share() external view returns (address) {
        return address(_share);
    }

    /// @notice The shares in issue valued at the baseline NAV.
    function totalAssets() external view returns (uint256) {
        return convertToAssets(_share.totalSupply());
    }

    /// @notice Shares for `assets` at the baseline NAV (rounded down, before fees).
    function convertToShares(uint256 assets) public view returns (uint256) {
        return Math.mulDiv(assets, _toShares, _navs[baselineNavId].value * _coinUnit);
    }

    /// @notice Cash for `shares` at the baseline NAV (rounded down, before fees).
    function convertToAssets(uint256 shares) public view returns (uint256) {
        return Math.mulDiv(shares, _navs[baselineNavId].value * _coinUnit, _toShares);
    }

    function maxDeposit(address controller) external view returns (uint256) {
        return _depositView(controller).claimableAssets;
    }

    function maxMint(address controller) external view returns (uint256) {
        return _depositView(controller).claimableShares;
    }

    function maxRedeem(address controller) external view returns (uint256) {
        return _redeemView(controller).claimableShares;
    }

    function maxWithdraw(address controller) external view returns (uint256) {
        return _redeemView(controller).claimableAssets;
    }

    function previewDeposit(uint256) external pure returns (uint256) {
        revert FundAsyncFlow();
    }

    function previewMint(uint256) external pure returns (uint256) {
        revert FundAsyncFlow();
    }

    function previewWithdraw(uint256) external pure returns (uint256) {
        revert FundAsyncFlow();
    }

    function previewRedeem(uint256) external pure returns (uint256) {
        revert FundAsyncFlow();
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == 0xe3bc4e65 || interfaceId == 0x2f0a18c5 || interfaceId == 0xce3bbe50
            || interfaceId == 0x620ee8e4 || interfaceId == 0x8bf840e3 || interfaceId == 0xe76cffc7
            || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- internals

    function _addNav(uint256 value, uint256 valuationTime, NavStatus status) private returns (uint256 navId) {
        if (value == 0 || value > type(uint128).max) revert FundInvalidNav(value, valuationTime);
        navId = ++navCount;
        _navs[navId] = Nav(uint128(value), uint40(valuationTime), uint40(block.timestamp), status, 0);
        if (status == NavStatus.Accepted) baselineNavId = navId;
        emit NavPublished(navId, value, valuationTime, status == NavStatus.Held);
    }

    function _stale(Nav memory n) private view returns (bool) {
        return block.timestamp > Math.max(n.valuationTime, n.confirmedAt) + _terms.maxNavAge;
    }

    /// @dev The cash account holds and allows the vault at least `needed`.
    function _checkCashAccount(address cash, uint256 needed) private view {
        uint256 available = Math.min(_asset.balanceOf(cash), _asset.allowance(cash, address(this)));
        if (needed > available) revert FundCashShort(cash, needed, available);
    }

    function _setTerms(Terms memory terms) private {
        if (terms.cashAccount == address(0) || terms.feeAccount == address(0)) revert FundZeroAddress();
        if (terms.subscriptionFeeBps > MAX_FEE_BPS || terms.redemptionFeeBps > MAX_FEE_BPS) revert FundInvalidTerms();
        _terms = terms;
        emit TermsSet(terms);
    }

    function _authorize(address controller) private view {
        if (msg.sender != controller && !isOperator[controller][msg.sender]) {
            revert FundUnauthorized(msg.sender, controller);
        }
    }

    /// @dev A request is the owner's (or its operator's) and, for another controller, the controller's
    /// operator's too: nobody places a request on an investor who did not ask for it.
    function _authorizeRequest(address controller, address owner) private view {
        _authorize(owner);
        if (controller == address(0)) revert FundZeroAddress();
        if (controller != owner) _authorize(controller);
    }

    function _checkRequestId(uint256 requestId) private pure {
        if (requestId != 0) revert FundUnknownRequest(requestId);
    }

    function _checkBeforeCutoff(uint256 day) private view {
        uint256 closes = cutoffTime(day);
        if (block.timestamp >= closes) revert FundCutoffPassed(day, closes);
    }

    function _checkCanReceive(address account, uint256 shares) private view {
        uint8 code = _share.detectTransferRestriction(address(0), account, shares);
        if (code != R.SUCCESS) revert FundIneligible(account, code);
    }

    /// @dev `account` could send shares now: verified, not frozen, the asset neither paused nor locked up.
    /// A refusal names the asset's own reason, from the check of a move to itself.
    function _checkCanSend(address account) private view {
        IAssetToken.Rules memory rules = _share.rules();
        if (!rules.paused && rules.lockupUntil <= block.timestamp && _share.canSend(account)) return;
        uint8 code = _share.detectTransferRestriction(account, account, 0);
        revert FundIneligible(account, code == R.SUCCESS ? R.SENDER_NOT_REGISTERED : code);
    }

    /// @dev Moves a pending subscription whose day was settled into the claimable amounts, or, when it
    /// bought no share, its cash net of fees into the refund.
    function _settleDeposit(DepositState storage state) private {
        (uint256 assets, uint256 net, uint256 shares) = _dealtDeposit(state);
        if (assets == 0) return;
        if (shares == 0) {
            state.refundedAssets += uint128(net);
        } else {
            state.claimableAssets += uint128(assets);
            state.claimableShares += shares.toUint128();
        }
        state.pendingAssets = 0;
        state.pendingFees = 0;
    }

    function _dealtDeposit(DepositState storage state)
        private
        view
        returns (uint256 assets, uint256 net, uint256 shares)
    {
        assets = state.pendingAssets;
        if (assets == 0) return (0, 0, 0);
        uint256 price = _days[state.day].nav;
        if (price == 0) return (0, 0, 0);
        net = assets - state.pendingFees;
        shares = Math.mulDiv(net, _toShares, price * _coinUnit);
    }

    function _depositView(address controller) private view returns (DepositState memory view_) {
        DepositState storage state = _deposits[controller];
        view_ = state;
        (uint256 assets, uint256 net, uint256 shares) = _dealtDeposit(state);
        if (shares == 0) {
            view_.refundedAssets += uint128(net);
        } else {
            view_.claimableAssets += uint128(assets);
            view_.claimableShares += uint128(shares);
        }
    }

    function _claimDeposit(DepositState storage state, uint256 assets, uint256 shares, address receiver, address c)
        private
    {
        state.claimableAssets -= uint128(assets);
        state.claimableShares -= uint128(shares);
        emit Deposit(c, receiver, assets, shares);
        if (shares != 0) _share.mint(receiver, shares);
    }

    /// @dev Moves a pending redemption whose day was settled into the claimable amounts.
    function _settleRedeem(RedeemState storage state) private {
        (uint256 shares, uint256 net, uint256 fee) = _dealtRedeem(state);
        if (shares == 0) return;
        state.claimableShares += uint128(shares);
        state.claimableAssets += net.toUint128();
        state.claimableFees += fee.toUint128();
        state.pendingShares = 0;
        state.pendingFeeWeight = 0;
    }

    function _dealtRedeem(RedeemState storage state) private view returns (uint256 shares, uint256 net, uint256 fee) {
        shares = state.pendingShares;
        if (shares == 0) return (0, 0, 0);
        uint256 price = _days[state.day].nav;
        if (price == 0) return (0, 0, 0);
        uint256 gross = Math.mulDiv(shares, price * _coinUnit, _toShares);
        fee = Math.mulDiv(gross, state.pendingFeeWeight, shares * BPS, Math.Rounding.Ceil);
        net = gross - fee;
    }

    function _redeemView(address controller) private view returns (RedeemState memory view_) {
        RedeemState storage state = _redeems[controller];
        view_ = state;
        (uint256 shares, uint256 net, uint256 fee) = _dealtRedeem(state);
        view_.claimableShares += uint128(shares);
        view_.claimableAssets += uint128(net);
        view_.claimableFees += uint128(fee);
    }

    function _claimRedeem(
        RedeemState storage state,
        uint256 shares,
        uint256 assets,
        uint256 fee,
        address receiver,
        address controller
    ) private {
        if (receiver == address(0)) revert FundZeroAddress();
        _checkCanSend(controller);
        address cash = _terms.cashAccount;
        _checkCashAccount(cash, assets + fee);
        state.claimableShares -= uint128(shares);
        state.claimableAssets -= uint128(assets);
        state.claimableFees -= uint128(fee);
        emit Withdraw(msg.sender, receiver, controller, assets, shares);
        if (fee != 0) emit RedemptionFeePaid(controller, fee);
        if (assets != 0) _asset.safeTransferFrom(cash, receiver, assets);
        if (fee != 0) _asset.safeTransferFrom(cash, _terms.feeAccount, fee);
    }
}
