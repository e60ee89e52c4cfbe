// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943.sol";
import {IInvestorRegistry, IRegistrySubscriber} from "../interfaces/IInvestorRegistry.sol";
import {PackedERC20} from "./PackedERC20.sol";
import {TransferRestrictions as R} from "./TransferRestrictions.sol";

/// @title AssetToken
/// @notice Fractional shares of one real-world asset (a property, a fund). Every move of a share
/// passes one compliance check: both parties must be registered investors whose KYC is current and
/// who are not revoked, and the asset's rules (countries, investor classes, lock-up, minimum lot,
/// frozen wallets and amounts, maximum holders and balance per investor) must allow it.
/// Issuer controls follow ERC-3643's names; ERC-7943 (uRWA) and ERC-1643 (documents) are implemented.
/// @dev Gas: each holder's slot keeps, beside the balance, a copy of the holder's registry record
/// and the frozen flags. The registry pushes every change of a record to every asset ({syncWallets}),
/// so the copy is exact, and a transfer between existing holders reads no registry at all: both
/// holders' slots (read by any ERC-20 anyway), one {Rules} slot, a country word only when a country
/// rule is on, and investor totals only for an asset created with investor limits. A wallet without a
/// copy (a new holder) is read from the registry once. An investor who has only ever had one wallet
/// (the registry's `multiWallet` bit clear) needs no stored total: that wallet's balance is it, so
/// counting investors costs such a holder no extra storage; a total is kept per investor from the
/// moment the registry reports a second wallet ({syncWallets}). Deployed whole rather than as a clone: the
/// registry, decimals and the investor-limits switch are immutables, so a transfer pays neither a
/// DELEGATECALL nor a storage read to find them.
contract AssetToken is IAssetToken, IERC7943Fungible, IERC1643, IRegistrySubscriber, PackedERC20, AccessControl {
    /// @notice Mints, burns, pauses, freezes, forces transfers, recovers wallets, publishes documents
    /// (ERC-3643's "agent").
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Sets the compliance rules.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice The ERC-1643 name of the offering document given at creation.
    bytes32 public constant OFFERING_DOCUMENT = "offering";

    /// @dev Which checks a move of shares gets.
    enum Move {
        Mint,
        Transfer,
        Forced
    }

    struct Document {
        string uri;
        bytes32 documentHash;
        uint40 lastModified;
        uint32 index; // position + 1 in _documentNames (0: absent)
    }

    /// @dev A holder's `meta` bits (see {PackedERC20}): the registry record copied beside the balance
    /// (bits 0-127, the registry's word layout; bits 0-47 and the multi-wallet bit stay as the holding
    /// investor's when the copy is dropped), then flags.
    uint160 private constant PARTY_MASK = (1 << 128) - 1;
    uint160 private constant CACHED = 1 << 128;
    uint160 private constant FROZEN = 1 << 129;
    uint160 private constant PARTLY_FROZEN = 1 << 130;

    IInvestorRegistry private immutable _registry;
    uint8 private immutable _decimals;
    AssetKind private immutable _kind;
    bool private immutable _investorLimits;

    Rules private _rules;
    Counts private _counts;
    uint256 private _sharesAuthorised;
    /// @dev Two bits per ISO 3166-1 numeric code, 128 codes per word: bit 2c allowed, bit 2c+1 blocked.
    mapping(uint256 group => uint256 bits) private _countryBits;
    /// @dev Totals of multi-wallet investors only (a single-wallet investor's total is their balance).
    mapping(uint48 investor => uint256 balance) private _investorBalances;
    mapping(address account => uint256 amount) private _frozenTokens;
    mapping(bytes32 name => Document) private _documents;
    bytes32[] private _documentNames;

    /// @param params The asset's name, symbol, decimals, kind, authorised shares, offering document
    /// and whether it keeps investor totals.
    /// @param registry_ The platform's investor registry.
    /// @param admin Receives DEFAULT_ADMIN_ROLE, ISSUER_ROLE and COMPLIANCE_ROLE.
    constructor(AssetParams memory params, IInvestorRegistry registry_, address admin)
        PackedERC20(params.name, params.symbol)
    {
        if (params.sharesAuthorised > type(uint96).max) revert AssetInvalidAuthorised(params.sharesAuthorised, 0);
        _registry = registry_;
        _decimals = params.decimals;
        _kind = params.kind;
        _investorLimits = params.investorLimits;
        _sharesAuthorised = params.sharesAuthorised;
        if (bytes(params.documentUri).length != 0) {
            _setDocument(OFFERING_DOCUMENT, params.documentUri, params.documentHash);
        }
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ISSUER_ROLE, admin);
        _grantRole(COMPLIANCE_ROLE, admin);
    }

    // ---------------------------------------------------------------- issuance and redemption

    /// @notice Issues `amount` new shares to `to`. Requirements: caller has ISSUER_ROLE; `to` passes
    /// the receiving checks; the supply stays within the authorised shares. Emits {Transfer}.
    function mint(address to, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _mint(to, amount);
    }

    /// @notice {mint} to many wallets in one transaction; all or none are issued.
    function batchMint(address[] calldata to, uint256[] calldata amounts) external onlyRole(ISSUER_ROLE) {
        if (to.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < to.length; ++i) {
            _mint(to[i], amounts[i]);
        }
    }

    /// @notice Burns `amount` of `from`'s shares (a redemption or a correction); frozen shares are
    /// released as needed. Requirements: caller has ISSUER_ROLE. Emits {Transfer}.
    function burn(address from, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _burn(from, amount);
    }

    /// @notice {burn} from many wallets in one transaction; all or none are burnt.
    function batchBurn(address[] calldata from, uint256[] calldata amounts) external onlyRole(ISSUER_ROLE) {
        if (from.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < from.length; ++i) {
            _burn(from[i], amounts[i]);
        }
    }

    /// @notice ERC-3643: the caller's transfers to many wallets; all or none happen.
    function batchTransfer(address[] calldata to, uint256[] calldata amounts) external {
        if (to.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < to.length; ++i) {
            _transfer(_msgSender(), to[i], amounts[i]);
        }
    }

    /// @notice Changes how many shares may ever be outstanding (a corporate action).
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; not below the supply. Emits {SharesAuthorisedUpdated}.
    function setSharesAuthorised(uint256 sharesAuthorised_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (sharesAuthorised_ < totalSupply() || sharesAuthorised_ > type(uint96).max) {
            revert AssetInvalidAuthorised(sharesAuthorised_, totalSupply());
        }
        _sharesAuthorised = sharesAuthorised_;
        emit SharesAuthorisedUpdated(sharesAuthorised_);
    }

    // ---------------------------------------------------------------- issuer controls

    /// @notice Stops transfers between holders; the issuer can still mint, burn, force and recover.
    function pause() external onlyRole(ISSUER_ROLE) {
        if (_rules.paused) revert AssetPaused(true);
        _rules.paused = true;
        emit Paused(_msgSender());
    }

    function unpause() external onlyRole(ISSUER_ROLE) {
        if (!_rules.paused) revert AssetPaused(false);
        _rules.paused = false;
        emit Unpaused(_msgSender());
    }

    /// @notice ERC-3643: freezes or unfreezes a whole wallet (it can neither send nor receive).
    function setAddressFrozen(address account, bool freeze) public onlyRole(ISSUER_ROLE) {
        _setFlag(account, FROZEN, freeze);
        emit AddressFrozen(account, freeze, _msgSender());
    }

    function batchSetAddressFrozen(address[] calldata accounts, bool[] calldata freeze) external {
        if (accounts.length != freeze.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < accounts.length; ++i) {
            setAddressFrozen(accounts[i], freeze[i]);
        }
    }

    /// @notice ERC-3643: freezes `amount` more of the wallet's shares (they stay but cannot move).
    function freezePartialTokens(address account, uint256 amount) public onlyRole(ISSUER_ROLE) {
        _setFrozenTokens(account, _frozenTokens[account] + amount);
        emit TokensFrozen(account, amount);
    }

    function batchFreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external {
        if (accounts.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < accounts.length; ++i) {
            freezePartialTokens(accounts[i], amounts[i]);
        }
    }

    /// @notice ERC-3643: releases `amount` of the wallet's frozen shares.
    function unfreezePartialTokens(address account, uint256 amount) public onlyRole(ISSUER_ROLE) {
        uint256 frozen = _frozenTokens[account];
        if (amount > frozen) revert AssetUnfreezeExceedsFrozen(account, amount, frozen);
        _setFrozenTokens(account, frozen - amount);
        emit TokensUnfrozen(account, amount);
    }

    function batchUnfreezePartialTokens(address[] calldata accounts, uint256[] calldata amounts) external {
        if (accounts.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < accounts.length; ++i) {
            unfreezePartialTokens(accounts[i], amounts[i]);
        }
    }

    /// @notice ERC-7943: sets the wallet's frozen amount (it may exceed the balance).
    function setFrozenTokens(address account, uint256 amount) external onlyRole(ISSUER_ROLE) returns (bool) {
        _setFrozenTokens(account, amount);
        return true;
    }

    /// @notice ERC-3643 / ERC-7943: moves shares without the holder's consent (a court order).
    /// Bypasses pause, lock-up, minimum lot, country and class rules and frozen status; frozen shares
    /// are released as needed. Still refuses a receiver who is not verified, and keeps the
    /// per-investor limits. Emits {ForcedTransfer} and {Transfer}.
    function forcedTransfer(address from, address to, uint256 amount) public onlyRole(ISSUER_ROLE) returns (bool) {
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        uint256 receiver = _check(from, to, amount, Move.Forced);
        _releaseFrozen(from, amount);
        _move(from, to, amount, receiver);
        emit ForcedTransfer(from, to, amount);
        return true;
    }

    function batchForcedTransfer(address[] calldata from, address[] calldata to, uint256[] calldata amounts)
        external
    {
        if (from.length != to.length || from.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < from.length; ++i) {
            forcedTransfer(from[i], to[i], amounts[i]);
        }
    }

    /// @notice ERC-3643: moves a lost wallet's shares, frozen amount and frozen status to a new wallet
    /// of the same investor (registered by the registrar first). Emits {RecoverySuccess}.
    function recoveryAddress(address lostWallet, address newWallet, bytes32 investorId)
        external
        onlyRole(ISSUER_ROLE)
        returns (bool)
    {
        uint256 word = _registry.walletWord(newWallet);
        Account storage lost = _account(lostWallet);
        uint256 balance = lost.balance;
        uint160 meta = lost.meta;
        if (
            _investorOf(word) == 0 || _investorOf(word) != _investorOf(meta) || balance == 0
                || lostWallet == newWallet || _registry.investorOf(newWallet) != investorId
        ) revert AssetRecoveryInvalid(lostWallet, newWallet, investorId);
        uint256 frozenTokens = _frozenTokens[lostWallet];
        if (frozenTokens != 0) _setFrozenTokens(lostWallet, 0);
        lost.meta = lost.meta & ~FROZEN; // re-read: clearing the frozen amount above also cleared its flag
        _move(lostWallet, newWallet, balance, word);
        if (frozenTokens != 0) _setFrozenTokens(newWallet, _frozenTokens[newWallet] + frozenTokens);
        if (meta & FROZEN != 0) _setFlag(newWallet, FROZEN, true);
        emit RecoverySuccess(lostWallet, newWallet, investorId);
        return true;
    }

    /// @notice Called by the registry when an investor's record changes (update, revocation,
    /// reinstatement, a second wallet, wallet removal), so the copies this token keeps beside balances
    /// stay exact. `word` is the new record (zero: the wallets left the registry).
    function syncWallets(address[] calldata wallets, uint256 word) external {
        if (_msgSender() != address(_registry)) revert AssetOnlyRegistry(_msgSender());
        for (uint256 i = 0; i < wallets.length; ++i) {
            Account storage account = _account(wallets[i]);
            uint160 meta = account.meta;
            if (meta & CACHED == 0) continue;
            if (_investorOf(word) == 0) {
                account.meta = meta & ~CACHED; // keep the holding investor and the flags
                continue;
            }
            // The investor's first extra wallet: their total starts from this wallet's balance.
            if (_investorLimits && _multiWallet(word) && !_multiWallet(meta)) {
                _investorBalances[_investorOf(meta)] += account.balance;
            }
            account.meta = (meta & ~PARTY_MASK) | uint160(word & PARTY_MASK);
        }
    }

    // ---------------------------------------------------------------- compliance rules

    /// @notice Adds countries to (or removes them from) the allow-list. Requirements: COMPLIANCE_ROLE.
    function setAllowedCountries(uint16[] calldata countries, bool allowed) external onlyRole(COMPLIANCE_ROLE) {
        for (uint256 i = 0; i < countries.length; ++i) {
            _setCountryBit(countries[i], 0, allowed);
            emit CountryAllowed(countries[i], allowed);
        }
    }

    /// @notice When on, only investors from allowed countries may receive shares.
    function setAllowListEnabled(bool enabled) external onlyRole(COMPLIANCE_ROLE) {
        _rules.allowListEnabled = enabled;
        emit AllowListEnabled(enabled);
    }

    /// @notice Blocks countries: their investors cannot acquire shares (issuance, transfers to them).
    /// Holders there can still sell out, as with T-REX's country restriction; to stop a holder from
    /// selling, freeze the wallet.
    function setBlockedCountries(uint16[] calldata countries, bool blocked) external onlyRole(COMPLIANCE_ROLE) {
        uint16 count = _counts.blockedCountries;
        for (uint256 i = 0; i < countries.length; ++i) {
            if (_setCountryBit(countries[i], 1, blocked)) {
                count = blocked ? count + 1 : count - 1;
            }
            emit CountryBlocked(countries[i], blocked);
        }
        _counts.blockedCountries = count;
        _rules.blockListActive = count != 0;
    }

    /// @notice Bit i admits InvestorClass i (e.g. 0b110: professional and institutional only); 0 admits all.
    function setAllowedClasses(uint8 classes) external onlyRole(COMPLIANCE_ROLE) {
        _rules.allowedClasses = classes;
        emit AllowedClassesSet(classes);
    }

    /// @notice Holders cannot transfer before `until` (issuance and forced transfers still can).
    function setLockup(uint40 until) external onlyRole(COMPLIANCE_ROLE) {
        _rules.lockupUntil = until;
        emit LockupSet(until);
    }

    /// @notice Transfers between holders must move at least `amount` base units (0: no minimum).
    function setMinimumLot(uint80 amount) external onlyRole(COMPLIANCE_ROLE) {
        _rules.minimumLot = amount;
        emit MinimumLotSet(amount);
    }

    /// @notice At most `maxHolders` investors (not wallets) may hold shares (0: no limit).
    function setMaxHolders(uint32 maxHolders) external onlyRole(COMPLIANCE_ROLE) {
        if (!_investorLimits) revert AssetInvestorLimitsDisabled();
        uint32 holders = _counts.holders;
        if (maxHolders != 0 && maxHolders < holders) revert AssetLimitBelowCurrent(maxHolders, holders);
        _counts.maxHolders = maxHolders;
        emit MaxHoldersSet(maxHolders);
    }

    /// @notice No investor may hold more than `maxBalance` over all their wallets (0: no limit).
    /// Existing balances above a new limit stay; they can only shrink.
    function setMaxBalance(uint96 maxBalance) external onlyRole(COMPLIANCE_ROLE) {
        if (!_investorLimits) revert AssetInvestorLimitsDisabled();
        _rules.maxBalance = maxBalance;
        emit MaxBalanceSet(maxBalance);
    }

    // ---------------------------------------------------------------- ERC-1643 documents

    function setDocument(bytes32 name_, string calldata uri, bytes32 documentHash) external onlyRole(ISSUER_ROLE) {
        _setDocument(name_, uri, documentHash);
    }

    function removeDocument(bytes32 name_) external onlyRole(ISSUER_ROLE) {
        Document memory document = _documents[name_];
        if (document.index == 0) revert AssetUnknownDocument(name_);
        bytes32 last = _documentNames[_documentNames.length - 1];
        _documentNames[document.index - 1] = last;
        _documents[last].index = document.index;
        _documentNames.pop();
        delete _documents[name_];
        emit DocumentRemoved(name_, document.uri, document.documentHash);
    }

    function getDocument(bytes32 name_) external view returns (string memory, bytes32, uint256) {
        Document storage document = _documents[name_];
        if (document.index == 0) revert AssetUnknownDocument(name_);
        return (document.uri, document.documentHash, document.lastModified);
    }

    function getAllDocuments() external view returns (bytes32[] memory) {
        return _documentNames;
    }

    // ---------------------------------------------------------------- views

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice ERC-3643 name: the investor registry this asset checks.
    function identityRegistry() external view returns (IInvestorRegistry) {
        return _registry;
    }

    function assetKind() external view returns (AssetKind) {
        return _kind;
    }

    function sharesAuthorised() external view returns (uint256) {
        return _sharesAuthorised;
    }

    function paused() external view returns (bool) {
        return _rules.paused;
    }

    function rules() external view returns (Rules memory) {
        return _rules;
    }

    function counts() external view returns (Counts memory) {
        return _counts;
    }

    function investorLimits() external view returns (bool) {
        return _investorLimits;
    }

    /// @notice The shares of the investor holding `account` (its registered investor if it holds
    /// none), summed over their wallets. Only an asset created with investor limits keeps them.
    function investorBalanceOf(address account) external view returns (uint256) {
        if (!_investorLimits) revert AssetInvestorLimitsDisabled();
        Account memory held = _account(account);
        uint256 party = held.meta & CACHED != 0 || held.balance != 0 ? held.meta : _registry.walletWord(account);
        return _holding(party, held.balance);
    }

    /// @notice The investor number whose shares `account` holds (0 if it never held any).
    function holdingInvestor(address account) external view returns (uint48) {
        return _investorOf(_account(account).meta);
    }

    function isCountryAllowed(uint16 country) external view returns (bool) {
        return _countryBit(country, 0);
    }

    function isCountryBlocked(uint16 country) external view returns (bool) {
        return _countryBit(country, 1);
    }

    /// @notice ERC-3643: whether the whole wallet is frozen.
    function isFrozen(address account) external view returns (bool) {
        return _account(account).meta & FROZEN != 0;
    }

    /// @notice ERC-3643 / ERC-7943: the wallet's frozen amount.
    function getFrozenTokens(address account) external view returns (uint256) {
        return _frozenTokens[account];
    }

    /// @notice ERC-7943: may `account` send shares now (verified and not frozen)?
    function canSend(address account) external view returns (bool) {
        uint160 meta = _account(account).meta;
        return _partyCode(_party(account, meta), true) == R.SUCCESS && meta & FROZEN == 0;
    }

    /// @notice ERC-7943: may `account` receive shares now (verified, not frozen, country and class admitted)?
    function canReceive(address account) external view returns (bool) {
        uint160 meta = _account(account).meta;
        uint256 party = _party(account, meta);
        return _partyCode(party, false) == R.SUCCESS && meta & FROZEN == 0
            && _receiverRulesCode(_rules, party) == R.SUCCESS;
    }

    /// @notice ERC-7943 `canTransfer`: true if `from` may send `amount` to `to` now.
    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        return detectTransferRestriction(from, to, amount) == R.SUCCESS;
    }

    /// @notice ERC-1404: why a transfer would be refused (0: it would not). `from` zero checks an issuance.
    function detectTransferRestriction(address from, address to, uint256 amount) public view returns (uint8 code) {
        (code,) = _evaluate(from, to, amount, from == address(0) ? Move.Mint : Move.Transfer);
    }

    /// @notice ERC-1404: a readable message for a reason code.
    function messageForTransferRestriction(uint8 code) external pure returns (string memory) {
        return R.message(code);
    }

    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC20).interfaceId || interfaceId == type(IAssetToken).interfaceId
            || interfaceId == type(IERC7943Fungible).interfaceId
            || interfaceId == type(IERC1643).interfaceId || super.supportsInterface(interfaceId);
    }

    // ---------------------------------------------------------------- the one hook

    /// @dev Mint and holder transfers are checked here; a burn checks no party (an issuer power) but
    /// releases frozen shares it takes. Forced transfers and recoveries check in their own functions
    /// and move through {_move}, so every path keeps the cached records and investor totals.
    function _update(address from, address to, uint256 value) internal override {
        uint256 receiver = 0; // a burn has no receiver
        if (to == address(0)) {
            _releaseFrozen(from, value);
        } else {
            receiver = _check(from, to, value, from == address(0) ? Move.Mint : Move.Transfer);
        }
        _move(from, to, value, receiver);
    }

    /// @dev Reverts with the reason a move is refused; returns the receiver's registry record.
    function _check(address from, address to, uint256 value, Move move) private view returns (uint256) {
        (uint8 code, uint256 receiver) = _evaluate(from, to, value, move);
        if (code == R.INSUFFICIENT_BALANCE) revert ERC20InsufficientBalance(from, balanceOf(from), value);
        if (code == R.EXCEEDS_AUTHORISED) revert AssetExceedsAuthorised(totalSupply() + value, _sharesAuthorised);
        if (code == R.WALLET_REASSIGNED) {
            revert AssetWalletReassigned(to, _investorOf(_account(to).meta), _investorOf(_party(to, 0)));
        }
        if (code != R.SUCCESS) revert AssetTransferRestricted(from, to, value, code);
        return receiver;
    }

    /// @dev The reason `value` may not move from `from` to `to` in a `move` (or SUCCESS), and the
    /// receiver's registry record.
    function _evaluate(address from, address to, uint256 value, Move move) private view returns (uint8, uint256) {
        Rules memory rules_ = _rules;
        uint256 sender = 0; // the sending wallet's meta; zero for a mint
        uint256 sent = 0; // and its balance
        if (move == Move.Mint) {
            if (totalSupply() + value > _sharesAuthorised) return (R.EXCEEDS_AUTHORISED, 0);
        } else {
            if (move == Move.Transfer && rules_.paused) return (R.PAUSED, 0);
            Account storage sending = _account(from);
            (sender, sent) = (sending.meta, sending.balance);
            if (sent < value) return (R.INSUFFICIENT_BALANCE, 0);
            if (move == Move.Transfer) {
                uint8 code = _senderCode(from, sender, sent - value, value, rules_);
                if (code != R.SUCCESS) return (code, 0);
            }
        }
        Account storage receiving_ = _account(to);
        (uint160 meta, uint256 received) = (receiving_.meta, receiving_.balance);
        uint256 receiver = _party(to, meta);
        uint8 receiving = _partyCode(receiver, false);
        if (receiving == R.SUCCESS && received != 0 && _investorOf(meta) != _investorOf(receiver)) {
            receiving = R.WALLET_REASSIGNED;
        }
        if (receiving == R.SUCCESS && move != Move.Forced) {
            receiving = meta & FROZEN != 0 ? R.RECEIVER_FROZEN : _receiverRulesCode(rules_, receiver);
        }
        if (receiving == R.SUCCESS && _investorLimits) {
            receiving = _investorLimitsCode(sender, sent, received, value, receiver, rules_);
        }
        return (receiving, receiver);
    }

    /// @dev The sender's checks on a holder transfer.
    function _senderCode(address from, uint256 meta, uint256 remaining, uint256 value, Rules memory rules_)
        private
        view
        returns (uint8)
    {
        uint8 code = _partyCode(_party(from, uint160(meta)), true);
        if (code != R.SUCCESS) return code;
        if (meta & FROZEN != 0) return R.SENDER_FROZEN;
        if (meta & PARTLY_FROZEN != 0 && _frozenTokens[from] > remaining) {
            return R.INSUFFICIENT_UNFROZEN_BALANCE;
        }
        if (rules_.lockupUntil > block.timestamp) return R.LOCKED_UP;
        if (value < rules_.minimumLot) return R.BELOW_MINIMUM_LOT;
        return R.SUCCESS;
    }

    /// @dev The wallet's registry record: the copy beside its balance when there is one, else the registry's.
    function _party(address wallet, uint160 meta) private view returns (uint256) {
        return meta & CACHED != 0 ? meta & PARTY_MASK : _registry.walletWord(wallet);
    }

    /// @dev Registered, not revoked, KYC current, for the sending or receiving side.
    function _partyCode(uint256 party, bool sending) private view returns (uint8) {
        if (_investorOf(party) == 0) return sending ? R.SENDER_NOT_REGISTERED : R.RECEIVER_NOT_REGISTERED;
        if (_revoked(party)) return sending ? R.SENDER_REVOKED : R.RECEIVER_REVOKED;
        if (_kycExpiry(party) <= block.timestamp) return sending ? R.SENDER_KYC_EXPIRED : R.RECEIVER_KYC_EXPIRED;
        return R.SUCCESS;
    }

    /// @dev Country and class rules on the receiver; a country word is read only when a country rule is on.
    function _receiverRulesCode(Rules memory rules_, uint256 receiver) private view returns (uint8) {
        if (rules_.allowListEnabled || rules_.blockListActive) {
            uint16 country = _countryOf(receiver);
            uint256 bits = _countryBits[country >> 7] >> ((country & 127) << 1);
            if (rules_.allowListEnabled && bits & 1 == 0) return R.COUNTRY_NOT_ALLOWED;
            if (bits & 2 != 0) return R.COUNTRY_BLOCKED;
        }
        if (rules_.allowedClasses != 0 && (rules_.allowedClasses >> _classOf(receiver)) & 1 == 0) {
            return R.CLASS_NOT_ALLOWED;
        }
        return R.SUCCESS;
    }

    /// @dev Maximum holders and balance per investor (only for assets keeping investor totals), given
    /// the sending wallet's meta and balance (zero for a mint) and the receiving wallet's balance.
    function _investorLimitsCode(
        uint256 sender,
        uint256 sent,
        uint256 received,
        uint256 value,
        uint256 receiver,
        Rules memory rules_
    ) private view returns (uint8) {
        uint48 fromInvestor = _investorOf(sender);
        uint48 toInvestor = _investorOf(receiver);
        // A zero-share move changes no investor's holding, so it can neither add nor remove a holder.
        if (fromInvestor == toInvestor || value == 0) return R.SUCCESS;
        uint256 held = _holding(receiver, received);
        if (rules_.maxBalance != 0 && held + value > rules_.maxBalance) return R.MAX_BALANCE_EXCEEDED;
        if (held == 0) {
            (uint32 holders, uint32 maxHolders) = (_counts.holders, _counts.maxHolders);
            // A transfer that takes a whole investor out while bringing one in keeps the count.
            if (maxHolders != 0 && holders >= maxHolders && (fromInvestor == 0 || _holding(sender, sent) != value)) {
                return R.MAX_HOLDERS_REACHED;
            }
        }
        return R.SUCCESS;
    }

    /// @dev The ledger move. The receiver's slot gets its registry record (`receiver`) beside the
    /// balance, and investor totals follow the holding investors.
    function _move(address from, address to, uint256 value, uint256 receiver) private {
        uint256 sender = 0; // the sending wallet's meta (its holding investor's record); zero for a mint
        uint256 sent = 0; // the sending wallet's balance before the move
        if (from != address(0)) {
            Account storage sending = _account(from);
            (sender, sent) = (sending.meta, sending.balance);
        }
        uint256 received = 0; // the receiving wallet's balance before the move
        if (to != address(0)) {
            Account storage receiving = _account(to);
            uint160 meta = receiving.meta;
            received = receiving.balance;
            uint48 toInvestor = _investorOf(receiver);
            uint48 holding = _investorOf(meta);
            if (holding != toInvestor && holding != 0 && received != 0) {
                revert AssetWalletReassigned(to, holding, toInvestor);
            }
            uint160 cached = (meta & ~PARTY_MASK) | uint160(receiver & PARTY_MASK) | CACHED;
            if (cached != meta) receiving.meta = cached;
        }
        super._update(from, to, value);
        if (_investorLimits && _investorOf(sender) != _investorOf(receiver) && value != 0) {
            _trackInvestors(sender, sent, receiver, received, value);
        }
    }

    /// @dev After a move of `value` between two investors' wallets (records `sender` and `receiver`,
    /// balances before: `sent` and `received`), moves it between the totals of multi-wallet
    /// investors; the holder count is touched only when a holding leaves or reaches zero.
    function _trackInvestors(uint256 sender, uint256 sent, uint256 receiver, uint256 received, uint256 value)
        private
    {
        bool left = false;
        bool joined = false;
        uint48 fromInvestor = _investorOf(sender); // zero for a mint
        if (fromInvestor != 0) {
            if (_multiWallet(sender)) {
                uint256 remaining = _investorBalances[fromInvestor] - value;
                _investorBalances[fromInvestor] = remaining;
                left = remaining == 0;
            } else {
                left = sent == value;
            }
        }
        uint48 toInvestor = _investorOf(receiver); // zero for a burn
        if (toInvestor != 0) {
            if (_multiWallet(receiver)) {
                uint256 held = _investorBalances[toInvestor];
                joined = held == 0;
                _investorBalances[toInvestor] = held + value;
            } else {
                joined = received == 0;
            }
        }
        if (joined != left) {
            if (joined) ++_counts.holders;
            else --_counts.holders;
        }
    }

    /// @dev The holding of the investor with record `party`, whose wallet holds `balance`: the stored
    /// total of a multi-wallet investor, else that balance (their only wallet's).
    function _holding(uint256 party, uint256 balance) private view returns (uint256) {
        return _multiWallet(party) ? _investorBalances[_investorOf(party)] : balance;
    }

    /// @dev Frozen shares taken by a burn or forced transfer stop being frozen (ERC-3643 behaviour).
    function _releaseFrozen(address from, uint256 value) private {
        Account storage account = _account(from);
        if (account.meta & PARTLY_FROZEN == 0) return;
        uint256 balance = account.balance;
        uint256 frozen = _frozenTokens[from];
        uint256 free = balance > frozen ? balance - frozen : 0;
        if (value > free && value <= balance) {
            uint256 released = value - free;
            _setFrozenTokens(from, frozen - released);
            emit TokensUnfrozen(from, released);
        }
    }

    function _setFrozenTokens(address account, uint256 amount) private {
        _frozenTokens[account] = amount;
        _setFlag(account, PARTLY_FROZEN, amount != 0);
        emit Frozen(account, amount);
    }

    function _setFlag(address account, uint160 flag, bool on) private {
        Account storage slot = _account(account);
        slot.meta = on ? slot.meta | flag : slot.meta & ~flag;
    }

    function _setDocument(bytes32 name_, string memory uri, bytes32 documentHash) private {
        Document storage document = _documents[name_];
        if (document.index == 0) {
            _documentNames.push(name_);
            document.index = uint32(_documentNames.length);
        }
        document.uri = uri;
        document.documentHash = documentHash;
        document.lastModified = uint40(block.timestamp);
        emit DocumentUpdated(name_, uri, documentHash);
    }

    /// @dev Sets bit `which` (0 allowed, 1 blocked) of `country`; returns whether it changed.
    function _setCountryBit(uint16 country, uint256 which, bool value) private returns (bool) {
        if (country == 0 || country > 999) revert AssetInvalidCountry(country);
        uint256 mask = 1 << (((country & 127) << 1) + which);
        uint256 bits = _countryBits[country >> 7];
        uint256 updated = value ? bits | mask : bits & ~mask;
        _countryBits[country >> 7] = updated;
        return updated != bits;
    }

    function _countryBit(uint16 country, uint256 which) private view returns (bool) {
        return (_countryBits[country >> 7] >> (((country & 127) << 1) + which)) & 1 == 1;
    }

    // Registry words (IInvestorRegistry.Wallet packed in one slot): investor bits 0-47,
    // KYC expiry 48-87, country 88-103, class 104-111, revoked 112-119, multiWallet 120-127.

    function _investorOf(uint256 party) private pure returns (uint48) {
        return uint48(party);
    }

    function _kycExpiry(uint256 party) private pure returns (uint40) {
        return uint40(party >> 48);
    }

    function _countryOf(uint256 party) private pure returns (uint16) {
        return uint16(party >> 88);
    }

    function _classOf(uint256 party) private pure returns (uint8) {
        return uint8(party >> 104);
    }

    function _revoked(uint256 party) private pure returns (bool) {
        return uint8(party >> 112) != 0;
    }

    function _multiWallet(uint256 party) private pure returns (bool) {
        return uint8(party >> 120) != 0;
    }
}
