// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IRegistrySubscriber
/// @notice An asset that keeps copies of registry records and takes their changes.
interface IRegistrySubscriber {
    /// @notice The record of `wallet` is now `word` (zero: the wallet left the registry).
    function syncWallet(address wallet, uint256 word) external;
}

/// @title IInvestorRegistry
/// @notice The platform's shared register of verified investors, read by every asset token.
/// @dev Each wallet's compliance data sits in one storage slot (see {Wallet}), so a token checks
/// a party with one external call and one storage read. Assets keep copies of these records beside
/// balances; the registry remembers, per wallet, which assets hold a copy ({subscribe}) and pushes a
/// changed record to those assets only, so a record change costs O(assets the investor is in), not
/// O(assets on the platform).
interface IInvestorRegistry {
    /// @notice Investor classes a rule can admit or refuse (professional-investor-only offerings).
    enum InvestorClass {
        Retail,
        Professional,
        Institutional
    }

    /// @notice What a token needs to know about one wallet, packed into the low 128 bits of the
    /// wallet's slot. Tokens read it as a raw word ({walletWord}): investor bits 0-47, KYC expiry
    /// 48-87, country 88-103, class 104-111, revoked 112-119, multiWallet 120-127.
    /// @param investor Internal investor number (0: the wallet is not registered).
    /// @param kycExpiry Unix time at which the investor's KYC stops being valid.
    /// @param country ISO 3166-1 numeric country code (1..999).
    /// @param investorClass The investor's {InvestorClass}.
    /// @param revoked True once the registrar revoked the investor (AML hit, withdrawn consent).
    /// @param multiWallet True once the investor has had more than one wallet; never cleared. Until
    /// then the wallet is the only one that can hold the investor's shares, so a token counting
    /// investors takes the wallet's balance as the investor's total and stores no separate total.
    struct Wallet {
        uint48 investor;
        uint40 kycExpiry;
        uint16 country;
        InvestorClass investorClass;
        bool revoked;
        bool multiWallet;
    }

    /// @notice One investor, as the registrar records them.
    struct InvestorData {
        bytes32 investorId;
        address[] wallets;
        uint16 country;
        InvestorClass investorClass;
        uint40 kycExpiry;
    }

    /// @dev The investor id is already registered.
    error RegistryInvestorExists(bytes32 investorId);
    /// @dev No investor has this id.
    error RegistryUnknownInvestor(bytes32 investorId);
    /// @dev The wallet already belongs to an investor.
    error RegistryWalletTaken(address wallet);
    /// @dev The wallet is not a wallet of that investor.
    error RegistryUnknownWallet(bytes32 investorId, address wallet);
    /// @dev The zero address cannot be an investor's wallet.
    error RegistryZeroWallet();
    /// @dev An investor needs at least one and at most `max` wallets.
    error RegistryWalletCount(bytes32 investorId, uint256 count, uint256 max);
    /// @dev Country codes are ISO 3166-1 numeric: 1..999.
    error RegistryInvalidCountry(uint16 country);
    /// @dev The investor id 0 is reserved.
    error RegistryInvalidInvestorId();
    /// @dev Only an asset created by this registry's deployer may subscribe, and only as itself.
    error RegistryNotAsset(address caller, uint256 index);
    /// @dev The wallet already has copies in the most assets one wallet may be followed in.
    error RegistryTooManySubscriptions(address wallet);

    /// @param investor The internal number every wallet word of this investor carries.
    event InvestorRegistered(
        bytes32 indexed investorId, uint48 indexed investor, uint16 country, InvestorClass investorClass, uint40 kycExpiry
    );
    event InvestorUpdated(
        bytes32 indexed investorId, uint16 country, InvestorClass investorClass, uint40 kycExpiry
    );
    event InvestorRevoked(bytes32 indexed investorId);
    event InvestorReinstated(bytes32 indexed investorId);
    event WalletAdded(bytes32 indexed investorId, address indexed wallet);
    event WalletRemoved(bytes32 indexed investorId, address indexed wallet);

    function registerInvestor(InvestorData calldata data) external;
    function batchRegisterInvestors(InvestorData[] calldata data) external;
    function updateInvestor(bytes32 investorId, uint16 country, InvestorClass investorClass, uint40 kycExpiry)
        external;
    function revokeInvestor(bytes32 investorId) external;
    function batchRevokeInvestors(bytes32[] calldata investorIds) external;
    function reinstateInvestor(bytes32 investorId) external;
    function addWallet(bytes32 investorId, address wallet) external;
    function removeWallet(bytes32 investorId, address wallet) external;

    /// @notice Called by an asset the first time it keeps a copy of `wallet`'s record: returns the
    /// record word (zero for an unregistered wallet, which is then not followed) and remembers that
    /// asset `index` must receive the wallet's changes.
    function subscribe(uint256 index, address wallet) external returns (uint256 word);

    function wallet(address account) external view returns (Wallet memory);
    function walletWord(address account) external view returns (uint256);
    function investorNumber(bytes32 investorId) external view returns (uint48);
    function investor(bytes32 investorId) external view returns (Wallet memory);
    function walletsOf(bytes32 investorId) external view returns (address[] memory);
    function subscriptionsOf(address account) external view returns (address[] memory);
    function isVerified(address account) external view returns (bool);
    function investorCountry(address account) external view returns (uint16);
    function investorCount() external view returns (uint256);
    function assetCount() external view returns (uint256);
    function assetAt(uint256 index) external view returns (address);
}
