// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AssetFactory} from "../factory/AssetFactory.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {TransferRestrictions as R} from "../token/TransferRestrictions.sol";

/// @title DeliveryVersusPayment
/// @notice Over-the-counter trades of a platform asset's shares against the platform's settlement
/// currency (an ERC-20), settled both legs in one transaction or neither.
///
/// A trade: seller, buyer, asset, quantity of shares, price (the whole payment, in the settlement
/// currency's units), expiry, and the platform fee in basis points fixed when it is proposed. Either side
/// proposes naming the other; the other accepts. A side may also propose without a counterparty, for an
/// OTC desk (OTC_DESK_ROLE) to match against an opposite proposal on the same terms.
///
/// On acceptance the asset's compliance check must pass for the pair (`detectTransferRestriction`, the
/// same check a transfer gets), the seller must have approved this contract for the shares, and the
/// buyer's payment moves into escrow here. The shares stay in the seller's wallet until settlement, which
/// moves them with `transferFrom(seller, buyer)`: a holder transfer checked again by the asset's rules
/// for the real pair (this contract never holds shares, so it needs no registration, counts as no holder
/// and takes no issuer power). If the asset refuses that leg at settlement, the payment goes back to
/// the buyer in the same transaction and the trade ends Failed with the asset's revert data.
/// Before acceptance either side cancels; after expiry anyone unwinds a trade that has not settled.
/// @dev Events follow ERC-7573's names (TransferIncepted, TransferConfirmed, ...), keyed by trade id.
contract DeliveryVersusPayment is AccessControl {
    using SafeERC20 for IERC20;

    /// @notice Matches open proposals (see {matchTrades}) and may settle any accepted trade.
    bytes32 public constant OTC_DESK_ROLE = keccak256("OTC_DESK_ROLE");
    uint256 public constant MAX_FEE_BPS = 10_000;
    /// @dev Prices up to 2^128 keep `price * feeBps` far from overflow.
    uint256 public constant MAX_PRICE = type(uint128).max;

    enum Status {
        None,
        Proposed,
        Accepted,
        Settled,
        Cancelled,
        Failed,
        Expired
    }

    /// @dev Three slots for the settlement path: parties and state, then the asset with the quantity
    /// (asset balances are 96-bit), then the price.
    struct Trade {
        address seller;
        uint40 expiry;
        uint16 feeBps;
        Status status;
        bool sellerProposed;
        address buyer;
        address asset;
        uint96 quantity;
        uint256 price;
    }

    /// @dev The caller may not do this to trade `id` (not its counterparty, party or desk).
    error DvPUnauthorized(uint256 id, address caller);
    /// @dev Trade `id` is `status`, which this step does not take.
    error DvPWrongStatus(uint256 id, Status status);
    /// @dev Trade `id` expired at `expiry`: only {unwind} is left.
    error DvPExpired(uint256 id, uint40 expiry);
    /// @dev Trade `id` expires at `expiry`, later than now: it cannot be unwound yet.
    error DvPNotExpired(uint256 id, uint40 expiry);
    /// @dev Seller and buyer are the same wallet.
    error DvPSelfTrade(address party);
    /// @dev The quantity must be 1 to 2^96 - 1 shares, the price 1 to {MAX_PRICE} (a trade at price 0 would
    /// hand over shares for nothing).
    error DvPInvalidAmount(uint256 quantity, uint256 price);
    /// @dev The expiry must be after the current block's timestamp and fit 40 bits.
    error DvPInvalidExpiry(uint256 expiry);
    /// @dev Not an asset created by the platform's factory.
    error DvPUnknownAsset(address asset);
    /// @dev A fee above 100% (10,000 basis points).
    error DvPInvalidFee(uint256 feeBps);
    /// @dev The seller's allowance to this contract covers less than the trade's quantity.
    error DvPSharesNotApproved(uint256 id, uint256 allowance, uint256 quantity);
    /// @dev The two proposals cannot be matched: not opposite sides with the same asset, quantity and
    /// price, or a named counterparty differs.
    error DvPMismatch(uint256 sellId, uint256 buyId);
    /// @dev The shares leg of trade `id` reverted without revert data (as running out of gas does): send
    /// the settlement again with more gas. Nothing moved.
    error DvPSettlementReverted(uint256 id);

    /// @notice A trade is proposed by `initiator` (ERC-7573's inceptTransfer).
    event TransferIncepted(
        uint256 indexed id,
        address indexed initiator,
        address seller,
        address buyer,
        address indexed asset,
        uint256 quantity,
        uint256 price,
        uint40 expiry,
        uint16 feeBps
    );
    /// @notice The counterparty (or the desk) accepted: the payment is escrowed.
    event TransferConfirmed(uint256 indexed id, address indexed confirmer, address buyer);
    /// @notice The desk matched buy proposal `buyId` into sell proposal `id`, which it accepted.
    event TransferMatched(uint256 indexed id, uint256 indexed buyId, address indexed desk);
    /// @notice Both legs moved: shares to the buyer, the price less `fee` to the seller.
    event TransferSettled(uint256 indexed id, uint256 fee);
    /// @notice The asset refused the shares leg at settlement (`reason`: its revert data); the payment
    /// went back to the buyer.
    event TransferFailed(uint256 indexed id, bytes reason);
    /// @notice A party cancelled the proposal before acceptance.
    event TransferCancelled(uint256 indexed id, address indexed by);
    /// @notice An expired trade was unwound by `by`; an escrowed payment went back to the buyer.
    event TransferExpired(uint256 indexed id, address indexed by);
    event FeeSet(uint16 feeBps);
    event FeesWithdrawn(address indexed to, uint256 amount);

    IERC20 public immutable settlementToken;
    AssetFactory public immutable factory;

    uint16 public feeBps;
    uint256 public tradeCount;
    uint256 public feesAccrued;
    mapping(uint256 id => Trade trade) private _trades;

    /// @param settlementToken_ The settlement currency (an ERC-20).
    /// @param factory_ The platform's asset factory: only its assets trade here.
    /// @param admin Receives DEFAULT_ADMIN_ROLE (fees) and OTC_DESK_ROLE.
    constructor(IERC20 settlementToken_, AssetFactory factory_, address admin) {
        settlementToken = settlementToken_;
        factory = factory_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(OTC_DESK_ROLE, admin);
    }

    // ---------------------------------------------------------------- the trade's life

    /// @notice Proposes a trade as its seller (`asSeller`) or buyer, naming the counterparty (the zero
    /// address: an open proposal only the desk can match). The platform's current fee is fixed in it.
    /// Requirements: `asset` is a platform asset; the counterparty is not the caller; 0 < quantity <
    /// 2^96; 0 < price <= {MAX_PRICE}; expiry in the future. Emits {TransferIncepted}.
    function propose(
        address counterparty,
        bool asSeller,
        address asset,
        uint256 quantity,
        uint256 price,
        uint256 expiry
    ) external returns (uint256 id) {
        if (counterparty == msg.sender) revert DvPSelfTrade(msg.sender);
        if (quantity == 0 || quantity > type(uint96).max || price == 0 || price > MAX_PRICE) {
            revert DvPInvalidAmount(quantity, price);
        }
        if (expiry <= block.timestamp || expiry > type(uint40).max) revert DvPInvalidExpiry(expiry);
        if (!factory.isAsset(asset)) revert DvPUnknownAsset(asset);
        (address seller, address buyer) = asSeller ? (msg.sender, counterparty) : (counterparty, msg.sender);
        uint16 fee = feeBps;
        id = ++tradeCount;
        _trades[id] = Trade({
            seller: seller,
            expiry: uint40(expiry),
            feeBps: fee,
            status: Status.Proposed,
            sellerProposed: asSeller,
            buyer: buyer,
            asset: asset,
            quantity: uint96(quantity),
            price: price
        });
        emit TransferIncepted(id, msg.sender, seller, buyer, asset, quantity, price, uint40(expiry), fee);
    }

    /// @notice Accepts trade `id` as its named counterparty, escrowing the payment (the buyer must have
    /// approved this contract for the price). Requirements: Proposed, not expired; the caller is the side
    /// that did not propose; the asset's compliance check passes for seller to buyer (else the asset's
    /// {IAssetToken-AssetTransferRestricted} with its reason code); the seller approved the shares.
    /// Emits {TransferConfirmed}.
    function accept(uint256 id) external {
        Trade storage t = _live(id, Status.Proposed);
        address counterparty = t.sellerProposed ? t.buyer : t.seller;
        if (counterparty == address(0) || msg.sender != counterparty) revert DvPUnauthorized(id, msg.sender);
        _lock(id, t);
    }

    /// @notice Matches open sell proposal `sellId` with buy proposal `buyId` on the same asset, quantity
    /// and price, and accepts the result as trade `sellId` (expiring at the earlier expiry); `buyId` ends
    /// Cancelled. Requirements: OTC_DESK_ROLE; both Proposed and live; a counterparty either named matches.
    /// Emits {TransferMatched}, {TransferConfirmed}.
    function matchTrades(uint256 sellId, uint256 buyId) external onlyRole(OTC_DESK_ROLE) {
        Trade storage sell = _live(sellId, Status.Proposed);
        Trade storage buy = _live(buyId, Status.Proposed);
        if (
            !sell.sellerProposed || buy.sellerProposed || sell.asset != buy.asset || sell.quantity != buy.quantity
                || sell.price != buy.price || (sell.buyer != address(0) && sell.buyer != buy.buyer)
                || (buy.seller != address(0) && buy.seller != sell.seller) || sell.seller == buy.buyer
        ) revert DvPMismatch(sellId, buyId);
        sell.buyer = buy.buyer;
        if (buy.expiry < sell.expiry) sell.expiry = buy.expiry;
        if (buy.feeBps < sell.feeBps) sell.feeBps = buy.feeBps;
        buy.status = Status.Cancelled;
        emit TransferMatched(sellId, buyId, msg.sender);
        _lock(sellId, sell);
    }

    /// @notice Settles accepted trade `id`: the shares move seller to buyer (`transferFrom`, checked by the
    /// asset's rules) and the escrowed price, less the fee, goes to the seller. If the asset refuses the
    /// shares leg, the payment goes back to the buyer instead and the trade ends Failed (returns false).
    /// Requirements: the caller is the seller, the buyer or an OTC desk; Accepted; not expired. A refusal
    /// without revert data (as running out of gas gives) reverts rather than failing the trade.
    /// Emits {TransferSettled} or {TransferFailed}.
    function settle(uint256 id) external returns (bool settled) {
        Trade storage t = _live(id, Status.Accepted);
        (address seller, address buyer) = (t.seller, t.buyer);
        if (msg.sender != seller && msg.sender != buyer && !hasRole(OTC_DESK_ROLE, msg.sender)) {
            revert DvPUnauthorized(id, msg.sender);
        }
        (uint256 price, uint256 fee) = (t.price, 0);
        t.status = Status.Settled;
        try IERC20(t.asset).transferFrom(seller, buyer, t.quantity) returns (bool moved) {
            settled = moved;
        } catch (bytes memory reason) {
            if (reason.length == 0) revert DvPSettlementReverted(id);
            t.status = Status.Failed;
            settlementToken.safeTransfer(buyer, price);
            emit TransferFailed(id, reason);
            return false;
        }
        if (!settled) revert DvPSettlementReverted(id);
        fee = price * t.feeBps / MAX_FEE_BPS;
        if (fee != 0) feesAccrued += fee;
        settlementToken.safeTransfer(seller, price - fee);
        emit TransferSettled(id, fee);
    }

    /// @notice Cancels proposal `id` before acceptance. Requirements: the caller is its seller or buyer;
    /// Proposed. Emits {TransferCancelled}.
    function cancel(uint256 id) external {
        Trade storage t = _trade(id);
        if (t.status != Status.Proposed) revert DvPWrongStatus(id, t.status);
        if (msg.sender != t.seller && msg.sender != t.buyer) revert DvPUnauthorized(id, msg.sender);
        t.status = Status.Cancelled;
        emit TransferCancelled(id, msg.sender);
    }

    /// @notice Unwinds expired trade `id` (anyone may): an escrowed payment goes back to the buyer.
    /// Requirements: Proposed or Accepted; its expiry has passed. Emits {TransferExpired}.
    function unwind(uint256 id) external {
        Trade storage t = _trade(id);
        Status status = t.status;
        if (status != Status.Proposed && status != Status.Accepted) revert DvPWrongStatus(id, status);
        if (block.timestamp < t.expiry) revert DvPNotExpired(id, t.expiry);
        t.status = Status.Expired;
        if (status == Status.Accepted) settlementToken.safeTransfer(t.buyer, t.price);
        emit TransferExpired(id, msg.sender);
    }

    // ---------------------------------------------------------------- fees

    /// @notice The fee fixed in trades proposed from now on. Requirements: DEFAULT_ADMIN_ROLE; at most
    /// 10,000 basis points. Emits {FeeSet}.
    function setFee(uint256 feeBps_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (feeBps_ > MAX_FEE_BPS) revert DvPInvalidFee(feeBps_);
        feeBps = uint16(feeBps_);
        emit FeeSet(uint16(feeBps_));
    }

    /// @notice Pays the fees accrued so far to `to`. Requirements: DEFAULT_ADMIN_ROLE. Emits {FeesWithdrawn}.
    function withdrawFees(address to) external onlyRole(DEFAULT_ADMIN_ROLE) {
        uint256 amount = feesAccrued;
        feesAccrued = 0;
        settlementToken.safeTransfer(to, amount);
        emit FeesWithdrawn(to, amount);
    }

    // ---------------------------------------------------------------- views

    function trade(uint256 id) external view returns (Trade memory) {
        return _trade(id);
    }

    // ---------------------------------------------------------------- internals

    function _trade(uint256 id) private view returns (Trade storage t) {
        t = _trades[id];
        if (t.status == Status.None) revert DvPWrongStatus(id, Status.None);
    }

    /// @dev Trade `id`, required to be `status` and not expired.
    function _live(uint256 id, Status status) private view returns (Trade storage t) {
        t = _trades[id];
        if (t.status != status) revert DvPWrongStatus(id, t.status);
        if (block.timestamp >= t.expiry) revert DvPExpired(id, t.expiry);
    }

    /// @dev Acceptance: compliance for the pair, the seller's approval, the buyer's payment into escrow.
    function _lock(uint256 id, Trade storage t) private {
        (address seller, address buyer, address asset, uint256 quantity) = (t.seller, t.buyer, t.asset, t.quantity);
        uint8 code = IAssetToken(asset).detectTransferRestriction(seller, buyer, quantity);
        if (code != R.SUCCESS) revert IAssetToken.AssetTransferRestricted(seller, buyer, quantity, code);
        uint256 allowance = IERC20(asset).allowance(seller, address(this));
        if (allowance < quantity) revert DvPSharesNotApproved(id, allowance, quantity);
        t.status = Status.Accepted;
        emit TransferConfirmed(id, msg.sender, buyer);
        settlementToken.safeTransferFrom(buyer, address(this), t.price);
    }
}
