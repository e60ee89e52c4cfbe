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
/// and the frozen flags. The first time the token keeps a wallet's copy it subscribes to that wallet
/// at the registry ({IInvestorRegistry-subscribe}), which then pushes every change of the record here
/// ({syncWallet}), so the copy is exact, and a transfer between existing holders reads no registry at
/// all: both holders' slots (read by any ERC-20 anyway), one {Rules} slot, a country word only when a
/// country rule is on, and investor totals only for an asset created with investor limits. A wallet
/// without a copy (a new holder) is read from the registry once. The authorised shares and the holder
/// counts sit beside the total supply, which an issuance writes anyway. An investor who has only ever had one wallet
/// (the registry's `multiWallet` bit clear) needs no stored total: that wallet's balance is it, so
/// counting investors costs such a holder no extra storage; a total is kept per investor from the
/// moment the registry reports a second wallet ({syncWallet}). Deployed whole rather than as a clone: the
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

    /// @dev Which checks a move of shares gets: plain numbers rather than an enum, which the compiler
    /// range-checks at every comparison on the hot path.
    uint256 private constant MINT = 0;
    uint256 private constant TRANSFER = 1;
    uint256 private constant FORCED = 2;

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

    /// @dev The supply slot's `meta` bits (see {PackedERC20-Supply}): authorised shares (0-95), holders
    /// (96-127), maximum holders (128-159).
    uint256 private constant AUTHORISED_MASK = (1 << 96) - 1;
    uint256 private constant HOLDERS_SHIFT = 96;
    uint256 private constant MAX_HOLDERS_SHIFT = 128;

    /// @dev Raw storage words, read and written whole on the hot paths. A holder's or the supply slot:
    /// balance or total (bits 0-95), then `meta` (bits 96-255). The {Rules} slot, as Solidity packs the
    /// struct: paused (byte 0), allowListEnabled (1), blockListActive (2), allowedClasses (3),
    /// lockupUntil (bits 32-71), minimumLot (72-151), maxBalance (152-247).
    uint256 private constant BALANCE_MASK = (1 << 96) - 1;
    uint256 private constant META_SHIFT = 96;
    uint256 private constant WORD_PARTY = uint256(PARTY_MASK) << META_SHIFT;
    uint256 private constant WORD_CACHED = uint256(CACHED) << META_SHIFT;
    uint256 private constant WORD_FROZEN = uint256(FROZEN) << META_SHIFT;
    uint256 private constant WORD_HOLDER = 1 << (META_SHIFT + HOLDERS_SHIFT);
    /// @dev The registry word's multi-wallet byte (bits 120-127), in a record or a holder's `meta`.
    uint256 private constant MULTI_WALLET = 0xff << 120;

    IInvestorRegistry private immutable _registry;
    /// @dev This token's index at the registry: the nonce its deployer created it with.
    uint256 private immutable _index;
    uint8 private immutable _decimals;
    AssetKind private immutable _kind;
    bool private immutable _investorLimits;

    Rules private _rules;
    uint16 private _blockedCountries;
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
    /// @param index The nonce the registry's deployer creates this token with.
    constructor(AssetParams memory params, IInvestorRegistry registry_, address admin, uint256 index)
        PackedERC20(params.name, params.symbol)
    {
        if (params.sharesAuthorised > AUTHORISED_MASK) revert AssetInvalidAuthorised(params.sharesAuthorised, 0);
        _registry = registry_;
        _index = index;
        _decimals = params.decimals;
        _kind = params.kind;
        _investorLimits = params.investorLimits;
        _supplySlot().meta = uint160(params.sharesAuthorised);
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
        if (sharesAuthorised_ < totalSupply() || sharesAuthorised_ > AUTHORISED_MASK) {
            revert AssetInvalidAuthorised(sharesAuthorised_, totalSupply());
        }
        Supply storage supply = _supplySlot();
        supply.meta = uint160((supply.meta & ~AUTHORISED_MASK) | sharesAuthorised_);
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
    /// Requirements: as in ERC-3643's reference, no more than the wallet's unfrozen balance (to freeze
    /// shares a wallet does not hold yet, use ERC-7943's {setFrozenTokens}).
    function freezePartialTokens(address account, uint256 amount) public onlyRole(ISSUER_ROLE) {
        uint256 frozen = _frozenTokens[account];
        uint256 balance = balanceOf(account);
        uint256 unfrozen = balance > frozen ? balance - frozen : 0;
        if (amount > unfrozen) revert AssetFreezeExceedsBalance(account, amount, unfrozen);
        _setFrozenTokens(account, frozen + amount);
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

    /// @notice ERC-7943: sets the wallet's frozen amount; unlike {freezePartialTokens} it may exceed the
    /// balance, withholding shares the wallet receives later.
    function setFrozenTokens(address account, uint256 amount) external onlyRole(ISSUER_ROLE) returns (bool) {
        _setFrozenTokens(account, amount);
        return true;
    }

    /// @notice ERC-3643 / ERC-7943: moves shares without the holder's consent (a court order).
    /// Bypasses pause, lock-up, minimum lot, country and class rules and frozen status; frozen shares
    /// are released as needed. Still refuses a receiver who is not verified, and keeps the
    /// per-investor limits. Refuses a wallet's transfer to itself, which would release its frozen
    /// shares without moving any (only an unfreeze lifts a freeze). Emits {ForcedTransfer} and {Transfer}.
    function forcedTransfer(address from, address to, uint256 amount) public onlyRole(ISSUER_ROLE) returns (bool) {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        if (from == to) revert AssetForcedTransferToSelf(from);
        _releaseFrozen(from, amount); // before the move reads the sender; the checks ignore frozen shares
        _checkedMove(from, to, amount, FORCED);
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
    /// of the same investor. The registrar first adds the new wallet to the investor and removes the
    /// lost one, so that afterwards the lost wallet can neither hold nor receive the investor's shares
    /// (ERC-3643's reference deletes the lost wallet's identity for the same reason).
    /// Emits {RecoverySuccess}.
    function recoveryAddress(address lostWallet, address newWallet, bytes32 investorId)
        external
        onlyRole(ISSUER_ROLE)
        returns (bool)
    {
        Account storage lost = _account(lostWallet);
        uint256 balance = lost.balance;
        uint160 meta = lost.meta;
        uint48 holding = _investorOf(meta);
        uint160 newMeta = _account(newWallet).meta;
        uint256 word = newMeta & CACHED != 0 ? newMeta & PARTY_MASK : _subscribe(newWallet);
        if (
            holding == 0 || _investorOf(word) != holding || balance == 0 || lostWallet == newWallet
                || _registry.investorNumber(investorId) != holding
        ) revert AssetRecoveryInvalid(lostWallet, newWallet, investorId);
        if (_investorOf(_registry.walletWord(lostWallet)) == holding) revert AssetRecoveryWalletRegistered(lostWallet);
        uint256 frozenTokens = _frozenTokens[lostWallet];
        if (frozenTokens != 0) _setFrozenTokens(lostWallet, 0);
        lost.meta = lost.meta & ~FROZEN; // re-read: clearing the frozen amount above also cleared its flag
        _move(lostWallet, newWallet, balance, word);
        if (frozenTokens != 0) _setFrozenTokens(newWallet, _frozenTokens[newWallet] + frozenTokens);
        if (meta & FROZEN != 0) _setFlag(newWallet, FROZEN, true);
        emit RecoverySuccess(lostWallet, newWallet, investorId);
        return true;
    }

    /// @notice Called by the registry when the record of a wallet this token subscribed to changes
    /// (update, revocation, reinstatement, a second wallet, wallet removal), so the copy it keeps
    /// beside the balance stays exact. `word` is the new record (zero: the wallet left the registry).
    function syncWallet(address wallet, uint256 word) external {
        if (_msgSender() != address(_registry)) revert AssetOnlyRegistry(_msgSender());
        Account storage account = _account(wallet);
        uint160 meta = account.meta;
        if (meta & CACHED == 0) return;
        if (_investorOf(word) == 0) {
            account.meta = meta & ~CACHED; // keep the holding investor and the flags
            return;
        }
        // The investor's first extra wallet: their total starts from this wallet's balance.
        if (_investorLimits && _multiWallet(word) && !_multiWallet(meta)) {
            _investorBalances[_investorOf(meta)] += account.balance;
        }
        account.meta = (meta & ~PARTY_MASK) | uint160(word & PARTY_MASK);
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
        uint16 count = _blockedCountries;
        for (uint256 i = 0; i < countries.length; ++i) {
            if (_setCountryBit(countries[i], 1, blocked)) {
                count = blocked ? count + 1 : count - 1;
            }
            emit CountryBlocked(countries[i], blocked);
        }
        _blockedCountries = count;
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
        Supply storage supply = _supplySlot();
        uint256 meta = supply.meta;
        uint32 holders = uint32(meta >> HOLDERS_SHIFT);
        if (maxHolders != 0 && maxHolders < holders) revert AssetLimitBelowCurrent(maxHolders, holders);
        supply.meta = uint160((meta & ~(uint256(type(uint32).max) << MAX_HOLDERS_SHIFT)) | (uint256(maxHolders) << MAX_HOLDERS_SHIFT));
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
        return _supplySlot().meta & AUTHORISED_MASK;
    }

    function paused() external view returns (bool) {
        return _rules.paused;
    }

    function rules() external view returns (Rules memory) {
        return _rules;
    }

    function counts() external view returns (Counts memory) {
        uint256 meta = _supplySlot().meta;
        return Counts({
            holders: uint32(meta >> HOLDERS_SHIFT),
            maxHolders: uint32(meta >> MAX_HOLDERS_SHIFT),
            blockedCountries: _blockedCountries
        });
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

    /// @notice ERC-7943: may `account` send shares now (verified, not frozen, and not holding shares
    /// of an investor other than the one it is registered to)?
    function canSend(address account) external view returns (bool) {
        uint256 held = _word(_account(account));
        return _sendingCode(account, held >> META_SHIFT, held & BALANCE_MASK) == R.SUCCESS;
    }

    /// @notice ERC-7943: may `account` receive shares now (verified, not frozen, country and class admitted)?
    function canReceive(address account) external view returns (bool) {
        uint160 meta = _account(account).meta;
        uint256 party = _party(account, meta);
        return _partyCode(party, false) == R.SUCCESS && meta & FROZEN == 0
            && _receiverRulesCode(_rulesWord(), party) == R.SUCCESS;
    }

    /// @notice ERC-7943 (Final) `canTransfer`: true if no permissioned rule refuses `from` sending `amount`
    /// to `to` now. Never reverts; checks `amount` against the unfrozen balance when shares are frozen,
    /// but not against the plain balance (an ERC-20 matter, which {detectTransferRestriction} reports).
    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        return _evaluate(from, to, amount, true) == R.SUCCESS;
    }

    /// @notice ERC-1404: why a transfer would be refused (0: it would not). `from` zero checks an issuance.
    /// Never reverts.
    function detectTransferRestriction(address from, address to, uint256 amount) public view returns (uint8) {
        return _evaluate(from, to, amount, false);
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
    /// releases frozen shares it takes. Forced transfers check in {_checkedMove} too; recoveries check
    /// in their own function and move through {_move}, so every path keeps the cached records and
    /// investor totals.
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
    function _checkedMove(address from, address to, uint256 value, uint256 move) private {
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
        // clean addresses (ABI-decoded or msg.sender), as Transfer's topics.
        assembly ("memory-safe") {
            let updated := or(
                or(and(received, not(shl(96, 0xffffffffffffffffffffffffffffffff))), shl(96, and(receiver, 0xffffffffffffffffffffffffffffffff))),
                shl(224, 1)
            )
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
    ) private view {
        uint8 code = _code(from, value, move, rules_, sent, received, receiver, supply, false);
        if (code == R.SUCCESS) return;
        if (code == R.INSUFFICIENT_BALANCE) revert ERC20InsufficientBalance(from, balanceOf(from), value);
        if (code == R.EXCEEDS_AUTHORISED) {
            revert AssetExceedsAuthorised(totalSupply(), value, _supplySlot().meta & AUTHORISED_MASK);
        }
        if (code == R.WALLET_REASSIGNED) {
            revert AssetWalletReassigned(to, _investorOf(_account(to).meta), _investorOf(receiver));
        }
        revert AssetTransferRestricted(from, to, value, code);
    }

    /// @dev The registry record of `wallet`, which the token subscribes to (it is about to keep a copy).
    /// {IInvestorRegistry-subscribe} called without ABI-encoding through memory: the same call, reverting
    /// with the registry's reason.
    function _subscribe(address wallet) private returns (uint256 word) {
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
    ) private view returns (bool ok, uint256) {
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
    function _evaluate(address from, address to, uint256 value, bool permissionedOnly) private view returns (uint8) {
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
    ) private view returns (uint8 code) {
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
    function _senderCode(address from, uint256 sent, uint256 value, uint256 rules_) private view returns (uint8) {
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
    function _sendingCode(address from, uint256 meta, uint256 balance) private view returns (uint8) {
        uint256 party = _party(from, uint160(meta));
        uint8 code = _partyCode(party, true);
        if (code != R.SUCCESS) return code;
        if (balance != 0 && _investorOf(meta) != _investorOf(party)) return R.SENDER_WALLET_REASSIGNED;
        if (meta & FROZEN != 0) return R.SENDER_FROZEN;
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

    /// @dev Country and class rules on the receiver; a country word is read only when a country rule is
    /// on. `rules_` is the raw {Rules} word.
    function _receiverRulesCode(uint256 rules_, uint256 receiver) private view returns (uint8) {
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
    ) private view returns (uint8) {
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
    function _move(address from, address to, uint256 value, uint256 receiver) private {
        uint256 sent = 0; // the sending wallet's slot (its holding investor's record); zero for a mint
        if (from != address(0)) sent = _word(_account(from));
        uint256 received = 0; // the receiving wallet's slot before the move
        if (to != address(0)) {
            Account storage receiving = _account(to);
            received = _word(receiving);
            uint48 toInvestor = _investorOf(receiver);
            uint48 holding = uint48(received >> META_SHIFT);
            if (holding != toInvestor && holding != 0 && received & BALANCE_MASK != 0) {
                revert AssetWalletReassigned(to, holding, toInvestor);
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
        private
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
    function _word(Account storage account) private view returns (uint256 word) {
        // One SLOAD of the slot the storage pointer names.
        assembly ("memory-safe") {
            word := sload(account.slot)
        }
    }

    function _word(Supply storage supply) private view returns (uint256 word) {
        // One SLOAD of the slot the storage pointer names.
        assembly ("memory-safe") {
            word := sload(supply.slot)
        }
    }

    function _setWord(Account storage account, uint256 word) private {
        // One SSTORE of the slot the storage pointer names; callers build `word` from the slot's fields.
        assembly ("memory-safe") {
            sstore(account.slot, word)
        }
    }

    function _setWord(Supply storage supply, uint256 word) private {
        // One SSTORE of the slot the storage pointer names; callers build `word` from the slot's fields.
        assembly ("memory-safe") {
            sstore(supply.slot, word)
        }
    }

    /// @dev The {Rules} slot as one word (see BALANCE_MASK for its layout).
    function _rulesWord() private view returns (uint256 word) {
        // One SLOAD of the state variable's slot (the struct starts a slot and fills one).
        assembly ("memory-safe") {
            word := sload(_rules.slot)
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
