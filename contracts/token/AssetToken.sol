// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";
import {ERC1643Documents} from "./ERC1643Documents.sol";
import {IERC7943Fungible} from "../interfaces/IERC7943.sol";
import {IInvestorRegistry, IRegistrySubscriber} from "../interfaces/IInvestorRegistry.sol";
import {AssetLedger} from "./AssetLedger.sol";
import {TransferRestrictions as R} from "./TransferRestrictions.sol";

/// @title AssetToken
/// @notice Fractional shares of one real-world asset (a property, a fund). Every move of a share
/// passes one compliance check: both parties must be registered investors whose KYC is current and
/// who are not revoked, and the asset's rules (countries, investor classes, lock-up, minimum lot,
/// frozen wallets and amounts, maximum holders and balance per investor) must allow it.
/// Issuer controls follow ERC-3643's names; ERC-7943 (uRWA) and ERC-1643 (documents) are implemented.
/// @dev The ledger and the compliance check live in {AssetLedger} (its NatSpec describes the storage
/// design that keeps them cheap); this contract adds the issuer's and the compliance officer's
/// functions, the documents and the views. Deployed whole rather than as a clone: the registry,
/// decimals and the investor-limits switch are immutables, so a transfer pays neither a DELEGATECALL
/// nor a storage read to find them.
contract AssetToken is
    IAssetToken,
    IERC7943Fungible,
    IRegistrySubscriber,
    AssetLedger,
    ERC1643Documents,
    AccessControl
{
    /// @notice Mints, burns, pauses, freezes, forces transfers, recovers wallets, publishes documents
    /// (ERC-3643's "agent").
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Sets the compliance rules.
    bytes32 public constant COMPLIANCE_ROLE = keccak256("COMPLIANCE_ROLE");
    /// @notice The ERC-1643 name of the offering document given at creation.
    bytes32 public constant OFFERING_DOCUMENT = "offering";

    uint8 private immutable _decimals;
    AssetKind private immutable _kind;

    uint16 private _blockedCountries;

    /// @param params The asset's name, symbol, decimals, kind, authorised shares, offering document
    /// and whether it keeps investor totals.
    /// @param registry_ The platform's investor registry.
    /// @param admin Receives DEFAULT_ADMIN_ROLE, ISSUER_ROLE and COMPLIANCE_ROLE.
    /// @param index The nonce the registry's deployer creates this token with.
    constructor(AssetParams memory params, IInvestorRegistry registry_, address admin, uint256 index)
        AssetLedger(params.name, params.symbol, registry_, index, params.investorLimits)
    {
        if (params.sharesAuthorised > AUTHORISED_MASK) revert AssetInvalidAuthorised(params.sharesAuthorised, 0);
        _decimals = params.decimals;
        _kind = params.kind;
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
        _issue(to, amount);
    }

    /// @notice {mint} to many wallets in one transaction; all or none are issued.
    function batchMint(address[] calldata to, uint256[] calldata amounts) external onlyRole(ISSUER_ROLE) {
        if (to.length != amounts.length) revert AssetBatchLengthMismatch();
        for (uint256 i = 0; i < to.length; ++i) {
            _issue(to[i], amounts[i]);
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

    /// @notice Lets holders transfer again. Requirements: caller has ISSUER_ROLE; paused. Emits {Unpaused}.
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

    /// @notice {setAddressFrozen} for many wallets in one transaction; all or none change.
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

    /// @notice {freezePartialTokens} for many wallets in one transaction; all or none are frozen.
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

    /// @notice {unfreezePartialTokens} for many wallets in one transaction; all or none are released.
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

    /// @notice {forcedTransfer} for many moves in one transaction; all or none happen.
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

    // ---------------------------------------------------------------- views

    /// @notice Decimals of a share, fixed at creation (fractions of a share are base units).
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice ERC-3643 name: the investor registry this asset checks.
    function identityRegistry() external view returns (IInvestorRegistry) {
        return _registry;
    }

    /// @notice Property or fund, fixed at creation.
    function assetKind() external view returns (AssetKind) {
        return _kind;
    }

    /// @notice How many shares (base units) may ever be outstanding.
    function sharesAuthorised() external view returns (uint256) {
        return _supplySlot().meta & AUTHORISED_MASK;
    }

    /// @notice Whether holder transfers are stopped.
    function paused() external view returns (bool) {
        return _rules.paused;
    }

    /// @notice The rules read on every transfer (see {IAssetToken-Rules}).
    function rules() external view returns (Rules memory) {
        return _rules;
    }

    /// @notice Holders (investors, not wallets), the maximum holders, and how many countries are blocked.
    function counts() external view returns (Counts memory) {
        uint256 meta = _supplySlot().meta;
        return Counts({
            holders: uint32(meta >> HOLDERS_SHIFT),
            maxHolders: uint32(meta >> MAX_HOLDERS_SHIFT),
            blockedCountries: _blockedCountries
        });
    }

    /// @notice Whether this asset keeps investor totals (maximum holders and balance per investor).
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

    /// @notice Whether `country` (ISO 3166-1 numeric) is on the allow-list.
    function isCountryAllowed(uint16 country) external view returns (bool) {
        return _countryBit(country, 0);
    }

    /// @notice Whether `country` (ISO 3166-1 numeric) is on the block-list.
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

    /// @notice ERC-165: ERC-20, IAssetToken, ERC-7943 (fungible), ERC-1643 and AccessControl.
    function supportsInterface(bytes4 interfaceId) public view override(AccessControl, IERC165) returns (bool) {
        return interfaceId == type(IERC20).interfaceId || interfaceId == type(IAssetToken).interfaceId
            || interfaceId == type(IERC7943Fungible).interfaceId
            || interfaceId == type(IERC1643).interfaceId || super.supportsInterface(interfaceId);
    }

    /// @dev ERC-1643 documents are the issuer's to publish and remove.
    function _authorizeDocuments() internal view override {
        _checkRole(ISSUER_ROLE);
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

}
