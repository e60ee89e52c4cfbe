// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {PackedERC20} from "./PackedERC20.sol";
import {TransferRestrictions as R} from "./TransferRestrictions.sol";

/// @title AssetLedger
/// @notice The ledger and the one compliance check under {AssetToken}: every issuance, transfer,
/// forced transfer, burn and recovery moves shares through here, and the views that report why a
/// move would be refused (ERC-1404, ERC-7943) use the same check.
/// @dev Gas: each holder's slot keeps, beside the balance, a copy of the holder's registry record
/// and the frozen flags. The first time the token keeps a wallet's copy it subscribes to that wallet
/// at the registry ({IInvestorRegistry-subscribe}), which then pushes every change of the record to
/// the token ({AssetToken-syncWallet}), so the copy is exact, and a transfer between existing holders
/// reads no registry at all: both holders' slots (read by any ERC-20 anyway), one {IAssetToken-Rules}
/// slot, a country word only when a country rule is on, and investor totals only for an asset created
/// with investor limits. A wallet without a copy (a new holder) is read from the registry once. The
/// authorised shares and the holder counts sit beside the total supply, which an issuance writes
/// anyway. An investor who has only ever had one wallet (the registry's `multiWallet` bit clear) needs
/// no stored total: that wallet's balance is it, so counting investors costs such a holder no extra
/// storage; a total is kept per investor from the moment the registry reports a second wallet. The
/// registry, the token's index and the investor-limits switch are immutables, so a transfer pays
/// neither a DELEGATECALL nor a storage read to find them.
/// The hot path ({_checkedMove}) reads each storage slot once as a raw word, tests the common case
/// in one pass ({_passes}) and falls back to the check that names the reason ({_code}) only when that
/// test fails, then writes each slot once.
abstract contract AssetLedger is PackedERC20 {
    /// @dev Which checks a move of shares gets: plain numbers rather than an enum, which the compiler
    /// range-checks at every comparison on the hot path.
    uint256 internal constant MINT = 0;
    uint256 internal constant TRANSFER = 1;
    uint256 internal constant FORCED = 2;

    /// @dev A holder's `meta` bits (see {PackedERC20}): the registry record copied beside the balance
    /// (bits 0-127, the registry's word layout; bits 0-47 and the multi-wallet bit stay as the holding
    /// investor's when the copy is dropped), then flags.
    uint160 internal constant PARTY_MASK = (1 << 128) - 1;
    uint160 internal constant CACHED = 1 << 128;
    uint160 internal constant FROZEN = 1 << 129;
    uint160 internal constant PARTLY_FROZEN = 1 << 130;

    /// @dev The supply slot's `meta` bits (see {PackedERC20-Supply}): authorised shares (0-95), holders
    /// (96-127), maximum holders (128-159).
    uint256 internal constant AUTHORISED_MASK = (1 << 96) - 1;
    uint256 internal constant HOLDERS_SHIFT = 96;
    uint256 internal constant MAX_HOLDERS_SHIFT = 128;

    /// @dev Raw storage words, read and written whole on the hot paths. A holder's or the supply slot:
    /// balance or total (bits 0-95), then `meta` (bits 96-255). The {Rules} slot, as Solidity packs the
    /// struct: paused (byte 0), allowListEnabled (1), blockListActive (2), allowedClasses (3),
    /// lockupUntil (bits 32-71), minimumLot (72-151), maxBalance (152-247).
    uint256 internal constant BALANCE_MASK = (1 << 96) - 1;
    uint256 internal constant META_SHIFT = 96;
    uint256 internal constant WORD_PARTY = uint256(PARTY_MASK) << META_SHIFT;
    uint256 internal constant WORD_CACHED = uint256(CACHED) << META_SHIFT;
    uint256 internal constant WORD_FROZEN = uint256(FROZEN) << META_SHIFT;
    uint256 internal constant WORD_HOLDER = 1 << (META_SHIFT + HOLDERS_SHIFT);
    /// @dev The registry word's multi-wallet byte (bits 120-127), in a record or a holder's `meta`.
    uint256 internal constant MULTI_WALLET = 0xff << 120;

    IInvestorRegistry internal immutable _registry;
    /// @dev This token's index at the registry: the nonce its deployer created it with.
    uint256 internal immutable _index;
    bool internal immutable _investorLimits;

    IAssetToken.Rules internal _rules;
    /// @dev Two bits per ISO 3166-1 numeric code, 128 codes per word: bit 2c allowed, bit 2c+1 blocked.
    mapping(uint256 group => uint256 bits) internal _countryBits;
    /// @dev Totals of multi-wallet investors only (a single-wallet investor's total is their balance).
    mapping(uint48 investor => uint256 balance) internal _investorBalances;
    mapping(address account => uint256 amount) internal _frozenTokens;

    constructor(
        string memory name_,
        string memory symbol_,
        IInvestorRegistry registry_,
        uint256 index,
        bool investorLimits_
    ) PackedERC20(name_, symbol_) {
        _registry = registry_;
        _index = index;
        _investorLimits = investorLimits_;
    }

    // ---------------------------------------------------------------- the one hook

    /// @notice ERC-20 transfer, straight into {_checkedMove}: the sender is the caller (never the zero
    /// address), so only the receiver is tested, as {PackedERC20-_transfer} does, and the hop through
    /// {_update} is saved on the most frequent call.
    function transfer(address to, uint256 value) public virtual override returns (bool) {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _checkedMove(_msgSender(), to, value, TRANSFER);
        return true;
    }

    /// @dev An issuance: {PackedERC20-_mint} straight into {_checkedMove}, as {_update} would do.
    function _issue(address to, uint256 value) internal {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _checkedMove(address(0), to, value, MINT);
    }

    /// @dev Holder transfers (`transferFrom`, `batchTransfer`) are checked here; {transfer} and {_issue}
    /// enter {_checkedMove} directly, as forced transfers do. A burn checks no party (an issuer power)
    /// but releases frozen shares it takes; recoveries check in their own function. Burns and
    /// recoveries move through {_move}, so every path keeps the cached records and investor totals.
    function _update(address from, address to, uint256 value) internal override {
        bool burn;
        uint256 move; // MINT (0) from the zero address, else TRANSFER (1)
        // The zero-address tests, on the low 160 bits only (shifting out the rest costs less than a mask).
        assembly ("memory-safe") {
            burn := iszero(shl(96, to))
            move := iszero(iszero(shl(96, from)))
        }
        if (burn) {
            _releaseFrozen(from, value);
            _move(from, to, value, 0); // a burn has no receiver
        } else {
            _checkedMove(from, to, value, move);
        }
    }

    /// @dev An issuance, holder transfer or forced transfer, checked: reads each storage slot once (the
    /// receiver's, the sender's, the rules, and the supply when an issuance or the holder count needs
    /// it), reverts with the reason a refused move gets, then writes each slot once. The receiver's slot
    /// gets its registry record beside the balance; a receiver without a copy is read from the registry,
    /// and the token subscribes to its changes.
    function _checkedMove(address from, address to, uint256 value, uint256 move) internal {
        Account storage receiving = _account(to);
        uint256 received = _word(receiving);
        uint256 receiver = received & WORD_CACHED != 0 ? (received >> META_SHIFT) & PARTY_MASK : _subscribe(to);
        Account storage sending = receiving; // a mint has no sender
        uint256 sent = 0;
        uint256 supply = 0;
        if (move == MINT) {
            supply = _word(_supplySlot());
        } else {
            sending = _account(from);
            sent = _word(sending);
        }
        {
            uint256 rules_ = _rulesWord();
            bool passes;
            (passes, supply) = _passes(value, move, rules_, sent, received, receiver, supply);
            if (!passes) _check(from, to, value, move, rules_, sent, received, receiver, supply);
        }
        uint256 step = 0; // the holder count's change, added to the supply word
        if (_investorLimits) {
            if (((sent >> META_SHIFT) | receiver) & MULTI_WALLET != 0) {
                step = _trackInvestors(sent, received, receiver, value);
            } else {
                // {_trackInvestors} for single-wallet investors, inline: the same arithmetic.
                assembly ("memory-safe") {
                    let fromInvestor := and(shr(96, sent), 0xffffffffffff)
                    let toInvestor := and(receiver, 0xffffffffffff)
                    if and(iszero(eq(fromInvestor, toInvestor)), iszero(iszero(value))) {
                        let joined := and(iszero(iszero(toInvestor)), iszero(shl(160, received)))
                        let left := and(iszero(iszero(fromInvestor)), eq(shr(160, shl(160, sent)), value))
                        step := shl(192, sub(joined, left))
                    }
                }
            }
        }
        Supply storage total = _supplySlot();
        // Checked above ({_passes} or {_code}): an issuance keeps the supply within the authorised shares
        // (below 2^96) and a transfer moves at most the sender's balance, so no balance or total carries
        // into the bits beside it; the holder count moves by one between 0 and the number of investors
        // (`step` subtracts by wrapping). The receiver's slot gets its record (128 bits) and the copy
        // flag (bit 224); a wallet's transfer to itself leaves its balance as it was. `from` and `to` are
        // cut to their 160 bits before they are compared and logged as Transfer's topics.
        assembly ("memory-safe") {
            from := shr(96, shl(96, from))
            to := shr(96, shl(96, to))
            let party := 0xffffffffffffffffffffffffffffffff
            let updated := or(or(and(received, not(shl(96, party))), shl(96, and(receiver, party))), shl(224, 1))
            switch move
            case 0 {
                sstore(total.slot, add(add(supply, value), step))
                updated := add(updated, value)
            }
            default {
                if iszero(eq(from, to)) {
                    sstore(sending.slot, sub(sent, value))
                    updated := add(updated, value)
                }
                if step {
                    if iszero(supply) { supply := sload(total.slot) }
                    sstore(total.slot, add(supply, step))
                }
            }
            if iszero(eq(updated, received)) { sstore(receiving.slot, updated) }
            mstore(0x00, value)
            log3(0x00, 0x20, 0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef, from, to)
        }
    }

    /// @dev {_code} on a move, reverting with the error for the reason it is refused.
    function _check(
        address from,
        address to,
        uint256 value,
        uint256 move,
        uint256 rules_,
        uint256 sent,
        uint256 received,
        uint256 receiver,
        uint256 supply
    ) internal view {
        uint8 code = _code(from, value, move, rules_, sent, received, receiver, supply, false);
        if (code == R.SUCCESS) return;
        if (code == R.INSUFFICIENT_BALANCE) revert ERC20InsufficientBalance(from, balanceOf(from), value);
        if (code == R.EXCEEDS_AUTHORISED) {
            revert IAssetToken.AssetExceedsAuthorised(totalSupply(), value, _supplySlot().meta & AUTHORISED_MASK);
        }
        if (code == R.WALLET_REASSIGNED) {
            revert IAssetToken.AssetWalletReassigned(to, _investorOf(_account(to).meta), _investorOf(receiver));
        }
        if (code == R.INSUFFICIENT_UNFROZEN_BALANCE) {
            // ERC-7943 asks for its own error here (`sent` is the sender's slot: its balance is the low 96 bits).
            (uint256 balance, uint256 frozen) = (uint96(sent), _frozenTokens[from]);
            revert IERC7943Fungible.ERC7943InsufficientUnfrozenBalance(from, value, balance > frozen ? balance - frozen : 0);
        }
        revert IAssetToken.AssetTransferRestricted(from, to, value, code);
    }

    /// @dev The registry record of `wallet`, which the token subscribes to (it is about to keep a copy).
    /// {IInvestorRegistry-subscribe} called without ABI-encoding through memory: the same call, reverting
    /// with the registry's reason.
    function _subscribe(address wallet) internal returns (uint256 word) {
        IInvestorRegistry registry_ = _registry;
        uint256 index = _index;
        bytes4 selector = IInvestorRegistry.subscribe.selector;
        // Builds the 68-byte calldata at the free memory pointer without moving it (the memory is not
        // used afterwards) and reads the one-word answer from the scratch space.
        assembly ("memory-safe") {
            let data := mload(0x40)
            mstore(data, selector)
            mstore(add(data, 0x04), index)
            mstore(add(data, 0x24), wallet)
            if iszero(call(gas(), registry_, 0, data, 0x44, 0x00, 0x20)) {
                returndatacopy(data, 0, returndatasize())
                revert(data, returndatasize())
            }
            if lt(returndatasize(), 0x20) { revert(0, 0) }
            word := mload(0x00)
        }
    }

    /// @dev A quick test, on the words {_code} takes, that a holder transfer or issuance passes every
    /// check: true only if {_code} would return SUCCESS (it tests the same conditions, without working
    /// out which one fails), and false for every forced transfer and for a sender without a copy of its
    /// record or with frozen shares, which {_code} then decides. Also returns the supply word, read here
    /// if the holder count was needed and `supply` was zero.
    function _passes(
        uint256 value,
        uint256 move,
        uint256 rules_,
        uint256 sent,
        uint256 received,
        uint256 receiver,
        uint256 supply
    ) internal view returns (bool ok, uint256) {
        bool limits = _investorLimits;
        Supply storage total = _supplySlot();
        // Reads only: the country word and investor totals (mapping slots hashed in the scratch space, as
        // Solidity lays mappings out) and the supply slot. The masks select the fields of the layouts
        // described at BALANCE_MASK and of the registry word (48-bit investor, 40-bit KYC expiry);
        // `balances` selects a 96-bit balance, total or limit; byte(31 - k, w) is the byte at bits 8k-8k+7.
        assembly ("memory-safe") {
            let balances := shr(160, not(0)) // the 96-bit mask, built once
            switch move
            case 0 {
                // Issuance: within the authorised shares (supply bits 96-191), never below the supply.
                ok := iszero(gt(value, sub(and(shr(96, supply), balances), and(supply, balances))))
            }
            case 1 {
                // Holder transfer: not paused (rules byte 0), no lock-up (bits 32-71), at least the minimum
                // lot (bits 72-151); a sender with the balance, a copy of its record (bit 224) and nothing
                // frozen (bits 225-226), whose record is a verified investor's (the copy carries the holding
                // investor, so the wallet holds no other investor's shares).
                let party := shr(96, sent)
                ok := and(
                    and(iszero(byte(31, rules_)), iszero(lt(and(sent, balances), value))),
                    and(eq(and(shr(128, party), 7), 1), iszero(byte(17, party)))
                )
                ok := and(
                    and(ok, iszero(iszero(and(party, 0xffffffffffff)))),
                    and(
                        gt(and(shr(48, party), 0xffffffffff), timestamp()),
                        iszero(gt(and(shr(32, rules_), 0xffffffffff), timestamp()))
                    )
                )
                ok := and(ok, iszero(lt(value, and(shr(72, rules_), 0xffffffffffffffffffff))))
            }
            // The receiver: a verified investor's wallet (registered, not revoked, KYC current) holding no
            // other investor's shares and not frozen (bit 225), admitted by the country rules (rules bytes
            // 1-2: allowed, bit 2c, if the allow-list is on; never blocked, bit 2c + 1) and the class rule
            // (byte 3: the receiver's class bit, if any class is set).
            ok := and(
                and(ok, iszero(iszero(and(receiver, 0xffffffffffff)))),
                and(iszero(byte(17, receiver)), gt(and(shr(48, receiver), 0xffffffffff), timestamp()))
            )
            ok := and(
                and(ok, iszero(and(shr(225, received), 1))),
                or(
                    iszero(and(received, balances)),
                    eq(and(shr(96, received), 0xffffffffffff), and(receiver, 0xffffffffffff))
                )
            )
            if and(ok, iszero(iszero(and(rules_, 0xffff00)))) {
                let country := and(shr(88, receiver), 0xffff)
                mstore(0x00, shr(7, country))
                mstore(0x20, _countryBits.slot)
                let bits := shr(shl(1, and(country, 127)), sload(keccak256(0x00, 0x40)))
                ok := and(or(iszero(byte(30, rules_)), and(bits, 1)), iszero(and(bits, 2)))
            }
            {
                let classes := byte(28, rules_)
                ok := and(ok, or(iszero(classes), and(shr(byte(18, receiver), classes), 1)))
            }
            // Investor limits, for a move between two investors: the receiving investor's holding (their
            // total if multi-wallet, record bit 120) stays within the maximum balance (rules bits 152-247),
            // and a new holder fits under the maximum holders (supply bits 224-255; holders 192-223) unless
            // the sending investor's whole holding leaves (sender's meta: investor bits 96-143, multi-wallet
            // bits 216-223).
            if and(
                and(ok, limits),
                and(iszero(eq(and(shr(96, sent), 0xffffffffffff), and(receiver, 0xffffffffffff))), iszero(iszero(value)))
            ) {
                let held := and(received, balances)
                if byte(16, receiver) {
                    mstore(0x00, and(receiver, 0xffffffffffff))
                    mstore(0x20, _investorBalances.slot)
                    held := sload(keccak256(0x00, 0x40))
                }
                {
                    let maxBalance := and(shr(152, rules_), balances)
                    if maxBalance { ok := and(iszero(gt(value, maxBalance)), iszero(gt(held, sub(maxBalance, value)))) }
                }
                if and(ok, iszero(held)) {
                    if iszero(supply) { supply := sload(total.slot) }
                    if and(iszero(iszero(shr(224, supply))), iszero(lt(and(shr(192, supply), 0xffffffff), shr(224, supply)))) {
                        held := and(sent, balances) // now: the sending investor's holding
                        if byte(4, sent) {
                            mstore(0x00, and(shr(96, sent), 0xffffffffffff))
                            mstore(0x20, _investorBalances.slot)
                            held := sload(keccak256(0x00, 0x40))
                        }
                        ok := and(iszero(iszero(and(shr(96, sent), 0xffffffffffff))), eq(held, value))
                    }
                }
            }
        }
        return (ok, supply);
    }

    /// @dev The reason `value` may not move from `from` to `to` now (or SUCCESS), as ERC-1404 reports it.
    /// `permissionedOnly` (ERC-7943's canTransfer) skips the plain balance check.
    function _evaluate(address from, address to, uint256 value, bool permissionedOnly) internal view returns (uint8) {
        uint256 received = _word(_account(to));
        uint256 receiver = _party(to, uint160(received >> META_SHIFT));
        if (from == address(0)) {
            return _code(from, value, MINT, _rulesWord(), 0, received, receiver, _word(_supplySlot()), permissionedOnly);
        }
        return _code(from, value, TRANSFER, _rulesWord(), _word(_account(from)), received, receiver, 0, permissionedOnly);
    }

    /// @dev The reason a `move` of `value` is refused (or SUCCESS), from raw words: the rules, the sending
    /// and receiving wallets' slots (`sent` zero for a mint), the receiver's registry record and, for a
    /// mint, the supply slot (else zero: read if a holder count is needed). No arithmetic here can
    /// overflow, whatever `value` is: views built on it never revert.
    function _code(
        address from,
        uint256 value,
        uint256 move,
        uint256 rules_,
        uint256 sent,
        uint256 received,
        uint256 receiver,
        uint256 supply,
        bool permissionedOnly
    ) internal view returns (uint8 code) {
        if (move == MINT) {
            // The authorised shares never fall below the supply (setSharesAuthorised), so no underflow.
            if (value > ((supply >> META_SHIFT) & AUTHORISED_MASK) - (supply & BALANCE_MASK)) {
                return R.EXCEEDS_AUTHORISED;
            }
        } else {
            if (move == TRANSFER && uint8(rules_) != 0) return R.PAUSED;
            if (sent & BALANCE_MASK < value && !permissionedOnly) return R.INSUFFICIENT_BALANCE;
            if (move == TRANSFER) {
                code = _senderCode(from, sent, value, rules_);
                if (code != R.SUCCESS) return code;
            }
        }
        code = _partyCode(receiver, false);
        if (code != R.SUCCESS) return code;
        if (received & BALANCE_MASK != 0 && uint48(received >> META_SHIFT) != _investorOf(receiver)) {
            return R.WALLET_REASSIGNED;
        }
        if (move != FORCED) {
            if (received & WORD_FROZEN != 0) return R.RECEIVER_FROZEN;
            code = _receiverRulesCode(rules_, receiver);
            if (code != R.SUCCESS) return code;
        }
        if (_investorLimits) return _investorLimitsCode(sent, received, value, receiver, rules_, supply);
    }

    /// @dev The sender's checks on a holder transfer of `value` from the wallet whose slot is `sent`.
    function _senderCode(address from, uint256 sent, uint256 value, uint256 rules_) internal view returns (uint8) {
        uint256 meta = sent >> META_SHIFT;
        uint256 balance = sent & BALANCE_MASK;
        uint8 code = _sendingCode(from, meta, balance);
        if (code != R.SUCCESS) return code;
        if (meta & PARTLY_FROZEN != 0) {
            uint256 frozen = _frozenTokens[from];
            if (value > (balance > frozen ? balance - frozen : 0)) return R.INSUFFICIENT_UNFROZEN_BALANCE;
        }
        if (uint40(rules_ >> 32) > block.timestamp) return R.LOCKED_UP;
        if (value < uint80(rules_ >> 72)) return R.BELOW_MINIMUM_LOT;
        return R.SUCCESS;
    }

    /// @dev Whether the wallet (`meta`, holding `balance`) may send at all: a verified investor's, not
    /// frozen, and not holding shares of an investor other than the one it is now registered to (a
    /// removed or revoked investor's shares move only by recovery or forced transfer).
    function _sendingCode(address from, uint256 meta, uint256 balance) internal view returns (uint8) {
        uint256 party = _party(from, uint160(meta));
        uint8 code = _partyCode(party, true);
        if (code != R.SUCCESS) return code;
        if (balance != 0 && _investorOf(meta) != _investorOf(party)) return R.SENDER_WALLET_REASSIGNED;
        if (meta & FROZEN != 0) return R.SENDER_FROZEN;
        return R.SUCCESS;
    }

    /// @dev The wallet's registry record: the copy beside its balance when there is one, else the registry's.
    function _party(address wallet, uint160 meta) internal view returns (uint256) {
        return meta & CACHED != 0 ? meta & PARTY_MASK : _registry.walletWord(wallet);
    }

    /// @dev Registered, not revoked, KYC current, for the sending or receiving side.
    function _partyCode(uint256 party, bool sending) internal view returns (uint8) {
        if (_investorOf(party) == 0) return sending ? R.SENDER_NOT_REGISTERED : R.RECEIVER_NOT_REGISTERED;
        if (_revoked(party)) return sending ? R.SENDER_REVOKED : R.RECEIVER_REVOKED;
        if (_kycExpiry(party) <= block.timestamp) return sending ? R.SENDER_KYC_EXPIRED : R.RECEIVER_KYC_EXPIRED;
        return R.SUCCESS;
    }

    /// @dev Country and class rules on the receiver; a country word is read only when a country rule is
    /// on. `rules_` is the raw {Rules} word.
    function _receiverRulesCode(uint256 rules_, uint256 receiver) internal view returns (uint8) {
        bool allowList = uint8(rules_ >> 8) != 0;
        if (allowList || uint8(rules_ >> 16) != 0) {
            uint16 country = _countryOf(receiver);
            uint256 bits = _countryBits[country >> 7] >> ((country & 127) << 1);
            if (allowList && bits & 1 == 0) return R.COUNTRY_NOT_ALLOWED;
            if (bits & 2 != 0) return R.COUNTRY_BLOCKED;
        }
        uint8 classes = uint8(rules_ >> 24);
        if (classes != 0 && (classes >> _classOf(receiver)) & 1 == 0) return R.CLASS_NOT_ALLOWED;
        return R.SUCCESS;
    }

    /// @dev Maximum holders and balance per investor (only for assets keeping investor totals), given
    /// the sending wallet's slot (zero for a mint), the receiving wallet's slot, the receiver's record
    /// and the raw rules and supply words (the supply zero if not read yet).
    function _investorLimitsCode(
        uint256 sent,
        uint256 received,
        uint256 value,
        uint256 receiver,
        uint256 rules_,
        uint256 supply
    ) internal view returns (uint8) {
        uint48 fromInvestor = uint48(sent >> META_SHIFT);
        // A zero-share move changes no investor's holding, so it can neither add nor remove a holder.
        if (fromInvestor == _investorOf(receiver) || value == 0) return R.SUCCESS;
        uint256 held = _holding(receiver, received & BALANCE_MASK);
        {
            uint256 maxBalance = uint96(rules_ >> 152);
            if (maxBalance != 0 && (value > maxBalance || held > maxBalance - value)) return R.MAX_BALANCE_EXCEEDED;
        }
        if (held != 0) return R.SUCCESS;
        if (supply == 0) supply = _word(_supplySlot());
        // Holders (bits 192-223) and maximum holders (224-255). A transfer that takes a whole investor
        // out while bringing one in keeps the count.
        if (
            supply >> 224 != 0 && uint32(supply >> 192) >= supply >> 224
                && (fromInvestor == 0 || _holding(sent >> META_SHIFT, sent & BALANCE_MASK) != value)
        ) return R.MAX_HOLDERS_REACHED;
        return R.SUCCESS;
    }

    /// @dev The unchecked ledger move of a burn or a recovery. The receiver's slot gets its registry
    /// record (`receiver`) beside the balance, and investor totals follow the holding investors.
    function _move(address from, address to, uint256 value, uint256 receiver) internal {
        uint256 sent = 0; // the sending wallet's slot (its holding investor's record); zero for a mint
        if (from != address(0)) sent = _word(_account(from));
        uint256 received = 0; // the receiving wallet's slot before the move
        if (to != address(0)) {
            Account storage receiving = _account(to);
            received = _word(receiving);
            uint48 toInvestor = _investorOf(receiver);
            uint48 holding = uint48(received >> META_SHIFT);
            if (holding != toInvestor && holding != 0 && received & BALANCE_MASK != 0) {
                revert IAssetToken.AssetWalletReassigned(to, holding, toInvestor);
            }
            uint160 meta = uint160(received >> META_SHIFT);
            uint160 cached = (meta & ~PARTY_MASK) | uint160(receiver & PARTY_MASK) | CACHED;
            if (cached != meta) receiving.meta = cached;
        }
        super._update(from, to, value);
        if (_investorLimits) {
            uint256 step = _trackInvestors(sent, received, receiver, value);
            if (step != 0) {
                Supply storage supply = _supplySlot();
                // The holder count moves by one between 0 and the number of investors; `step`
                // subtracts by wrapping.
                unchecked {
                    _setWord(supply, _word(supply) + step);
                }
            }
        }
    }

    /// @dev After a move of `value` (slots before the move: `sent`, zero for a mint, and `received`; the
    /// receiver's record `receiver`, zero for a burn), if it is a move of shares between two investors,
    /// moves it between the totals of multi-wallet investors. Returns what to add to the supply word for
    /// the holder count: one holder more, one fewer (by wrapping), or zero.
    function _trackInvestors(uint256 sent, uint256 received, uint256 receiver, uint256 value)
        internal
        returns (uint256 step)
    {
        bool multiWallet;
        // Masks: 48-bit investors, 96-bit balances, the multi-wallet byte (record bits 120-127). For
        // single-wallet investors (or none: a mint's sender, a burn's receiver), whose holding is their
        // wallet's balance, the receiver joins from zero and the sender leaves with all of it: 1 - 1,
        // 1 - 0 or 0 - 1, shifted to the holder count (minus one wraps to 2^256 - WORD_HOLDER).
        assembly ("memory-safe") {
            let fromInvestor := and(shr(96, sent), 0xffffffffffff)
            let toInvestor := and(receiver, 0xffffffffffff)
            if and(iszero(eq(fromInvestor, toInvestor)), iszero(iszero(value))) {
                multiWallet := iszero(iszero(and(or(shr(96, sent), receiver), shl(120, 0xff))))
                if iszero(multiWallet) {
                    let balances := shr(160, not(0))
                    let joined := and(iszero(iszero(toInvestor)), iszero(and(received, balances)))
                    let left := and(iszero(iszero(fromInvestor)), eq(and(sent, balances), value))
                    step := shl(192, sub(joined, left))
                }
            }
        }
        if (!multiWallet) return step;
        bool left = false;
        bool joined = false;
        uint256 sender = sent >> META_SHIFT;
        uint48 fromInvestor = _investorOf(sender); // zero for a mint
        if (fromInvestor != 0) {
            if (_multiWallet(sender)) {
                uint256 remaining = _investorBalances[fromInvestor] - value;
                _investorBalances[fromInvestor] = remaining;
                left = remaining == 0;
            } else {
                left = sent & BALANCE_MASK == value;
            }
        }
        uint48 toInvestor = _investorOf(receiver); // zero for a burn
        if (toInvestor != 0) {
            if (_multiWallet(receiver)) {
                uint256 held = _investorBalances[toInvestor];
                joined = held == 0;
                _investorBalances[toInvestor] = held + value;
            } else {
                joined = received & BALANCE_MASK == 0;
            }
        }
        if (joined == left) return 0;
        // Minus one holder is 2^256 - WORD_HOLDER, which the caller adds unchecked.
        unchecked {
            return joined ? WORD_HOLDER : 0 - WORD_HOLDER;
        }
    }

    /// @dev A holder's or the supply slot as one word (see BALANCE_MASK).
    function _word(Account storage account) internal view returns (uint256 word) {
        // One SLOAD of the slot the storage pointer names.
        assembly ("memory-safe") {
            word := sload(account.slot)
        }
    }

    function _word(Supply storage supply) internal view returns (uint256 word) {
        // One SLOAD of the slot the storage pointer names.
        assembly ("memory-safe") {
            word := sload(supply.slot)
        }
    }

    function _setWord(Account storage account, uint256 word) internal {
        // One SSTORE of the slot the storage pointer names; callers build `word` from the slot's fields.
        assembly ("memory-safe") {
            sstore(account.slot, word)
        }
    }

    function _setWord(Supply storage supply, uint256 word) internal {
        // One SSTORE of the slot the storage pointer names; callers build `word` from the slot's fields.
        assembly ("memory-safe") {
            sstore(supply.slot, word)
        }
    }

    /// @dev The {Rules} slot as one word (see BALANCE_MASK for its layout).
    function _rulesWord() internal view returns (uint256 word) {
        // One SLOAD of the state variable's slot (the struct starts a slot and fills one).
        assembly ("memory-safe") {
            word := sload(_rules.slot)
        }
    }

    /// @dev The holding of the investor with record `party`, whose wallet holds `balance`: the stored
    /// total of a multi-wallet investor, else that balance (their only wallet's).
    function _holding(uint256 party, uint256 balance) internal view returns (uint256) {
        return _multiWallet(party) ? _investorBalances[_investorOf(party)] : balance;
    }

    /// @dev Frozen shares taken by a burn or forced transfer stop being frozen (ERC-3643 behaviour).
    function _releaseFrozen(address from, uint256 value) internal {
        Account storage account = _account(from);
        if (account.meta & PARTLY_FROZEN == 0) return;
        uint256 balance = account.balance;
        uint256 frozen = _frozenTokens[from];
        uint256 free = balance > frozen ? balance - frozen : 0;
        if (value > free && value <= balance) {
            uint256 released = value - free;
            _setFrozenTokens(from, frozen - released);
            emit IAssetToken.TokensUnfrozen(from, released);
        }
    }

    function _setFrozenTokens(address account, uint256 amount) internal {
        _frozenTokens[account] = amount;
        _setFlag(account, PARTLY_FROZEN, amount != 0);
        emit IERC7943Fungible.Frozen(account, amount);
    }

    function _setFlag(address account, uint160 flag, bool on) internal {
        Account storage slot = _account(account);
        slot.meta = on ? slot.meta | flag : slot.meta & ~flag;
    }

    // Registry words (IInvestorRegistry.Wallet packed in one slot): investor bits 0-47,
    // KYC expiry 48-87, country 88-103, class 104-111, revoked 112-119, multiWallet 120-127.

    function _investorOf(uint256 party) internal pure returns (uint48) {
        return uint48(party);
    }

    function _kycExpiry(uint256 party) internal pure returns (uint40) {
        return uint40(party >> 48);
    }

    function _countryOf(uint256 party) internal pure returns (uint16) {
        return uint16(party >> 88);
    }

    function _classOf(uint256 party) internal pure returns (uint8) {
        return uint8(party >> 104);
    }

    function _revoked(uint256 party) internal pure returns (bool) {
        return uint8(party >> 112) != 0;
    }

    function _multiWallet(uint256 party) internal pure returns (bool) {
        return uint8(party >> 120) != 0;
    }
}
