// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInvestorRegistry} from "./IInvestorRegistry.sol";

/// @title IAssetToken
/// @notice Shares of one real-world asset: a permissioned ERC-20 whose every move is checked
/// against the shared {IInvestorRegistry} and the asset's own compliance rules.
interface IAssetToken {
    enum AssetKind {
        Property,
        Fund
    }

    /// @notice What an issuer chooses when creating an asset.
    /// @param investorLimits Keep per-investor totals so that a maximum number of holders or a
    /// maximum balance per investor can be set, now or later (about 10k more gas per transfer
    /// between two investors); fixed at creation because the totals must be exact from the start.
    struct AssetParams {
        string name;
        string symbol;
        uint8 decimals;
        AssetKind kind;
        uint256 sharesAuthorised;
        string documentUri;
        bytes32 documentHash;
        bool investorLimits;
    }

    /// @notice The rules read on every transfer: one storage slot.
    /// @param blockListActive Some country is blocked (else the check is skipped).
    /// @param allowedClasses Bit i admits InvestorClass i; zero admits every class.
    /// @param maxBalance Most shares one investor may hold over all wallets (0: no limit; needs
    /// investor limits).
    struct Rules {
        bool paused;
        bool allowListEnabled;
        bool blockListActive;
        uint8 allowedClasses;
        uint40 lockupUntil;
        uint80 minimumLot;
        uint96 maxBalance;
    }

    /// @notice Counters kept apart from {Rules}: the holder counts sit beside the total supply, read only
    /// when an investor becomes or stops being a holder; the count of blocked countries only when the
    /// block-list changes.
    struct Counts {
        uint32 holders;
        uint32 maxHolders;
        uint16 blockedCountries;
    }

    /// @dev A move of `amount` from `from` to `to` is refused for reason `code` (see TransferRestrictions).
    error AssetTransferRestricted(address from, address to, uint256 amount, uint8 code);
    /// @dev Issuing `amount` more than the `supply` already issued would exceed the `authorised` shares.
    error AssetExceedsAuthorised(uint256 supply, uint256 amount, uint256 authorised);
    /// @dev A batch call's arrays differ in length.
    error AssetBatchLengthMismatch();
    /// @dev The authorised shares must cover the shares issued and fit a uint96 balance.
    error AssetInvalidAuthorised(uint256 authorised, uint256 supply);
    /// @dev The asset is paused (or, for {unpause}, is not).
    error AssetPaused(bool paused);
    /// @dev The asset was created without investor totals, so per-investor limits cannot be set.
    error AssetInvestorLimitsDisabled();
    /// @dev A limit below what holders already have would break it at once.
    error AssetLimitBelowCurrent(uint256 limit, uint256 current);
    /// @dev Country codes are ISO 3166-1 numeric: 1..999.
    error AssetInvalidCountry(uint16 country);
    /// @dev ERC-3643's freezePartialTokens freezes at most the wallet's `unfrozen` balance.
    error AssetFreezeExceedsBalance(address account, uint256 amount, uint256 unfrozen);
    /// @dev A forced transfer from a wallet to itself would lift its freeze without moving anything.
    error AssetForcedTransferToSelf(address account);
    /// @dev The lost wallet is still registered to the investor: the registrar removes it first, so
    /// that it can hold and receive none of their shares after the recovery.
    error AssetRecoveryWalletRegistered(address lostWallet);
    /// @dev Unfreezing more than is frozen.
    error AssetUnfreezeExceedsFrozen(address account, uint256 amount, uint256 frozen);
    /// @dev `newWallet` is not a wallet of `investorId`, or `lostWallet` holds nothing of theirs.
    error AssetRecoveryInvalid(address lostWallet, address newWallet, bytes32 investorId);
    /// @dev The wallet holds shares counted for another investor than the registry now names:
    /// recover them first.
    error AssetWalletReassigned(address wallet, uint48 holdingInvestor, uint48 registryInvestor);
    /// @dev No document has this name.
    error AssetUnknownDocument(bytes32 name);
    /// @dev Only the asset's registry may push record changes.
    error AssetOnlyRegistry(address caller);

    event Paused(address account);
    event Unpaused(address account);
    event SharesAuthorisedUpdated(uint256 sharesAuthorised);
    event CountryAllowed(uint16 indexed country, bool allowed);
    event CountryBlocked(uint16 indexed country, bool blocked);
    event AllowListEnabled(bool enabled);
    event AllowedClassesSet(uint8 classes);
    event LockupSet(uint40 until);
    event MinimumLotSet(uint256 amount);
    event MaxHoldersSet(uint32 maxHolders);
    event MaxBalanceSet(uint256 maxBalance);
    /// @notice ERC-3643 events.
    event AddressFrozen(address indexed userAddress, bool indexed isFrozen, address indexed owner);
    event TokensFrozen(address indexed userAddress, uint256 amount);
    event TokensUnfrozen(address indexed userAddress, uint256 amount);
    event RecoverySuccess(address indexed lostWallet, address indexed newWallet, bytes32 indexed investorId);

    function identityRegistry() external view returns (IInvestorRegistry);
    function assetKind() external view returns (AssetKind);
    function sharesAuthorised() external view returns (uint256);
    function paused() external view returns (bool);
    function rules() external view returns (Rules memory);
    function counts() external view returns (Counts memory);
    function investorLimits() external view returns (bool);
    function detectTransferRestriction(address from, address to, uint256 amount) external view returns (uint8);
    function messageForTransferRestriction(uint8 code) external pure returns (string memory);
}
