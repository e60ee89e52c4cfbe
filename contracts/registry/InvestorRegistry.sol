// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IInvestorRegistry, IRegistrySubscriber} from "../interfaces/IInvestorRegistry.sol";

/// @title InvestorRegistry
/// @notice One register of KYC-verified investors shared by every asset of a platform. Off-chain
/// KYC is recorded here by a registrar; tokens read it on every move of a share.
/// @dev Each wallet slot holds a full copy of its investor's compliance data, read by a token as one
/// word. Assets keep a copy of it beside each holder's balance; every change of a record that
/// exists in a copy (update, revocation, reinstatement, wallet removal) is pushed to every asset
/// of the platform in the same transaction, so the copies are exact (and so is the sticky
/// `multiWallet` bit, pushed when an investor's second wallet is added). Writes pay for that: an update
/// costs a call per asset and rewrites every wallet of the investor, which {MAX_WALLETS} bounds.
contract InvestorRegistry is IInvestorRegistry, AccessControl {
    /// @notice Records, updates and revokes investors and their wallets.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice Adds assets whose copies the registry keeps in step (given to the platform's factory).
    bytes32 public constant ASSET_ROLE = keccak256("ASSET_ROLE");
    /// @notice Most assets one registry keeps in step, bounding the cost of a record change (a call per
    /// asset, ~6k gas each: ~1.3M gas at the limit, far below a block). A platform with more assets
    /// runs a second registry.
    uint256 public constant MAX_ASSETS = 200;
    /// @notice Most wallets one investor may hold, bounding the cost of an update.
    uint256 public constant MAX_WALLETS = 16;

    mapping(bytes32 investorId => Wallet record) private _investors;
    mapping(bytes32 investorId => address[] wallets) private _wallets;
    mapping(address account => Wallet record) private _walletRecords;
    mapping(uint48 investor => bytes32 investorId) private _investorIds;
    uint48 private _investorCount;
    address[] private _assets;

    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, admin);
    }

    /// @notice Registers an investor with their wallets and KYC result.
    /// Requirements: caller has REGISTRAR_ROLE; the id is new and non-zero; 1..MAX_WALLETS wallets,
    /// none zero or already registered; country in 1..999.
    /// Emits {InvestorRegistered} and one {WalletAdded} per wallet.
    function registerInvestor(InvestorData calldata data) external onlyRole(REGISTRAR_ROLE) {
        _register(data);
    }

    /// @notice {registerInvestor} for many investors; all or none are registered.
    function batchRegisterInvestors(InvestorData[] calldata data) external onlyRole(REGISTRAR_ROLE) {
        for (uint256 i = 0; i < data.length; ++i) {
            _register(data[i]);
        }
    }

    /// @notice Replaces an investor's country, class and KYC expiry on every wallet they hold.
    /// Emits {InvestorUpdated}.
    function updateInvestor(bytes32 investorId, uint16 country, InvestorClass investorClass, uint40 kycExpiry)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        _checkCountry(country);
        Wallet memory record = _existing(investorId);
        record.country = country;
        record.investorClass = investorClass;
        record.kycExpiry = kycExpiry;
        _store(investorId, record);
        emit InvestorUpdated(investorId, country, investorClass, kycExpiry);
    }

    /// @notice Revokes an investor: every token then refuses their wallets as sender and receiver.
    /// Emits {InvestorRevoked}.
    function revokeInvestor(bytes32 investorId) external onlyRole(REGISTRAR_ROLE) {
        _setRevoked(investorId, true);
        emit InvestorRevoked(investorId);
    }

    /// @notice {revokeInvestor} for many investors; all or none are revoked.
    function batchRevokeInvestors(bytes32[] calldata investorIds) external onlyRole(REGISTRAR_ROLE) {
        for (uint256 i = 0; i < investorIds.length; ++i) {
            _setRevoked(investorIds[i], true);
            emit InvestorRevoked(investorIds[i]);
        }
    }

    /// @notice Lifts a revocation. Emits {InvestorReinstated}.
    function reinstateInvestor(bytes32 investorId) external onlyRole(REGISTRAR_ROLE) {
        _setRevoked(investorId, false);
        emit InvestorReinstated(investorId);
    }

    /// @notice Adds a wallet to an existing investor. The investor's first extra wallet marks every
    /// wallet `multiWallet` and pushes that to every asset, which then keeps the investor's total.
    /// Emits {WalletAdded}.
    function addWallet(bytes32 investorId, address account) external onlyRole(REGISTRAR_ROLE) {
        Wallet memory record = _existing(investorId);
        _addWallet(investorId, record, account);
        if (_wallets[investorId].length > MAX_WALLETS) {
            revert RegistryWalletCount(investorId, _wallets[investorId].length, MAX_WALLETS);
        }
        if (!record.multiWallet) {
            record.multiWallet = true;
            _store(investorId, record);
        }
    }

    /// @notice Removes a wallet from its investor; an investor keeps at least one wallet.
    /// Tokens the wallet still holds stay there but can no longer move until it is registered
    /// again or the issuer recovers them. Emits {WalletRemoved}.
    function removeWallet(address account) external onlyRole(REGISTRAR_ROLE) {
        uint48 number = _walletRecords[account].investor;
        if (number == 0) revert RegistryUnknownWallet(account);
        bytes32 investorId = _investorIds[number];
        address[] storage wallets = _wallets[investorId];
        uint256 count = wallets.length;
        if (count == 1) revert RegistryWalletCount(investorId, 0, MAX_WALLETS);
        for (uint256 i = 0; i < count; ++i) {
            if (wallets[i] == account) {
                wallets[i] = wallets[count - 1];
                wallets.pop();
                break;
            }
        }
        delete _walletRecords[account];
        address[] memory removed = new address[](1);
        removed[0] = account;
        _push(removed, 0);
        emit WalletRemoved(investorId, account);
    }

    /// @notice Registers an asset to receive record changes ({IRegistrySubscriber-syncWallets}).
    /// Requirements: caller has ASSET_ROLE. Emits {AssetAdded}.
    function addAsset(address asset) external onlyRole(ASSET_ROLE) {
        if (_assets.length == MAX_ASSETS) revert RegistryTooManyAssets(MAX_ASSETS);
        _assets.push(asset);
        emit AssetAdded(asset);
    }

    /// @notice The assets kept in step with this registry.
    function assets() external view returns (address[] memory) {
        return _assets;
    }

    /// @notice The compliance record of `account` (all zero if unregistered).
    function wallet(address account) external view returns (Wallet memory) {
        return _walletRecords[account];
    }

    /// @notice The wallet's record as one raw word (layout in {IInvestorRegistry-Wallet}): what a
    /// token reads on every issuance, without ABI-decoding a struct.
    function walletWord(address account) external view returns (uint256 word) {
        Wallet storage record = _walletRecords[account];
        assembly ("memory-safe") {
            word := sload(record.slot)
        }
    }

    /// @notice The investor id owning `account`, or zero.
    function investorOf(address account) external view returns (bytes32) {
        uint48 number = _walletRecords[account].investor;
        return number == 0 ? bytes32(0) : _investorIds[number];
    }

    /// @notice The wallets of an investor.
    function walletsOf(bytes32 investorId) external view returns (address[] memory) {
        return _wallets[investorId];
    }

    /// @notice The investor's current record (the template copied to each wallet).
    function investor(bytes32 investorId) external view returns (Wallet memory) {
        return _existing(investorId);
    }

    /// @notice ERC-3643 name: true if `account` belongs to an investor with current, unrevoked KYC.
    function isVerified(address account) external view returns (bool) {
        Wallet memory record = _walletRecords[account];
        return record.investor != 0 && !record.revoked && record.kycExpiry > block.timestamp;
    }

    /// @notice ERC-3643 name: the ISO 3166-1 numeric country of the wallet's investor (0 if none).
    function investorCountry(address account) external view returns (uint16) {
        return _walletRecords[account].country;
    }

    /// @notice How many investors were ever registered.
    function investorCount() external view returns (uint256) {
        return _investorCount;
    }

    function _register(InvestorData calldata data) private {
        bytes32 investorId = data.investorId;
        if (investorId == bytes32(0)) revert RegistryInvalidInvestorId();
        if (_investors[investorId].investor != 0) revert RegistryInvestorExists(investorId);
        uint256 count = data.wallets.length;
        if (count == 0 || count > MAX_WALLETS) revert RegistryWalletCount(investorId, count, MAX_WALLETS);
        _checkCountry(data.country);
        Wallet memory record = Wallet({
            investor: ++_investorCount,
            kycExpiry: data.kycExpiry,
            country: data.country,
            investorClass: data.investorClass,
            revoked: false,
            multiWallet: count > 1
        });
        _investors[investorId] = record;
        _investorIds[record.investor] = investorId;
        emit InvestorRegistered(investorId, data.country, data.investorClass, data.kycExpiry);
        for (uint256 i = 0; i < count; ++i) {
            _addWallet(investorId, record, data.wallets[i]);
        }
    }

    function _addWallet(bytes32 investorId, Wallet memory record, address account) private {
        if (account == address(0)) revert RegistryZeroWallet();
        uint48 owner = _walletRecords[account].investor;
        if (owner != 0) revert RegistryWalletTaken(account, _investorIds[owner]);
        _walletRecords[account] = record;
        _wallets[investorId].push(account);
        emit WalletAdded(investorId, account);
    }

    function _setRevoked(bytes32 investorId, bool revoked) private {
        Wallet memory record = _existing(investorId);
        record.revoked = revoked;
        _store(investorId, record);
    }

    /// @dev Writes `record` as the investor's template and into each of their wallets, and pushes it
    /// to every asset.
    function _store(bytes32 investorId, Wallet memory record) private {
        Wallet storage template = _investors[investorId];
        template.kycExpiry = record.kycExpiry;
        template.country = record.country;
        template.investorClass = record.investorClass;
        template.revoked = record.revoked;
        template.multiWallet = record.multiWallet;
        address[] memory wallets = _wallets[investorId];
        for (uint256 i = 0; i < wallets.length; ++i) {
            _walletRecords[wallets[i]] = record;
        }
        uint256 word;
        assembly ("memory-safe") {
            word := sload(template.slot)
        }
        _push(wallets, word);
    }

    /// @dev Sends a changed record (`word`; zero when the wallets left) to every asset.
    function _push(address[] memory wallets, uint256 word) private {
        uint256 count = _assets.length;
        for (uint256 i = 0; i < count; ++i) {
            IRegistrySubscriber(_assets[i]).syncWallets(wallets, word);
        }
    }

    function _existing(bytes32 investorId) private view returns (Wallet memory record) {
        record = _investors[investorId];
        if (record.investor == 0) revert RegistryUnknownInvestor(investorId);
    }

    function _checkCountry(uint16 country) private pure {
        if (country == 0 || country > 999) revert RegistryInvalidCountry(country);
    }
}
