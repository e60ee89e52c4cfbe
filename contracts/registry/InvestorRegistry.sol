// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IInvestorRegistry, IRegistrySubscriber} from "../interfaces/IInvestorRegistry.sol";
import {AssetTokenDeployer} from "../factory/AssetTokenDeployer.sol";

/// @title InvestorRegistry
/// @notice One register of KYC-verified investors shared by every asset of a platform. Off-chain
/// KYC is recorded here by a registrar; tokens read it on every move of a share.
/// @dev Storage is laid out for two costs: onboarding (two fresh slots per single-wallet investor)
/// and record changes that do not grow with the number of assets.
/// - Each wallet has one slot: its record word (low 128 bits, layout in {IInvestorRegistry-Wallet},
///   the same word for every wallet of an investor) and the assets that keep a copy of it (bits
///   128-223: four 24-bit asset indices; bits 240-255: how many; more in overflow pages).
/// - Each investor has one slot: number, wallet count and first wallet; further wallets go in a
///   mapping only multi-wallet investors pay for.
/// An asset subscribes to a wallet the first time it keeps the wallet's record beside a balance
/// ({subscribe}); a changed record is then pushed to exactly the assets that hold a copy.
/// Assets are identified by an index: the CREATE nonce of this registry's own {AssetTokenDeployer},
/// so an asset's address follows from its index and is checked without a storage read, and the
/// registry keeps no list of assets and has no cap below 2^24 of them.
/// The investor's id is not stored per number (it would be a third fresh slot per investor):
/// {InvestorRegistered} carries both, so a client maps a wallet's number back to the id from logs.
contract InvestorRegistry is IInvestorRegistry, AccessControl {
    /// @notice Records, updates and revokes investors and their wallets.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");
    /// @notice May create assets through {deployer} (given to the platform's factory).
    bytes32 public constant ASSET_ROLE = keccak256("ASSET_ROLE");
    /// @notice Most wallets one investor may hold, bounding the cost of an update.
    uint256 public constant MAX_WALLETS = 16;
    /// @notice The highest asset index (24 bits in a subscription entry).
    uint256 public constant MAX_ASSET_INDEX = (1 << 24) - 1;

    uint256 private constant WORD_MASK = (1 << 128) - 1;
    uint256 private constant NUMBER_MASK = (1 << 48) - 1;
    uint256 private constant REVOKED = 1 << 112;
    uint256 private constant MULTI_WALLET = 1 << 120;
    uint256 private constant INLINE_SUBSCRIPTIONS = 4;
    uint256 private constant PAGE_SUBSCRIPTIONS = 10;
    uint256 private constant COUNT_SHIFT = 240;

    /// @dev Packs into one slot.
    struct Investor {
        uint48 number;
        uint8 walletCount;
        address firstWallet;
    }

    /// @notice Creates every asset token of this registry; tokens' addresses follow from its nonces.
    AssetTokenDeployer public immutable deployer;

    mapping(bytes32 investorId => Investor) private _investors;
    mapping(bytes32 investorId => mapping(uint256 position => address wallet)) private _moreWallets;
    mapping(address wallet => uint256 slot) private _wallets;
    mapping(address wallet => mapping(uint256 page => uint256 indices)) private _moreSubscriptions;
    uint48 private _investorCount;

    constructor(address admin) {
        deployer = new AssetTokenDeployer();
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

    /// @notice Replaces an investor's country, class and KYC expiry on every wallet they hold, and in
    /// every asset that keeps a copy. Emits {InvestorUpdated}.
    function updateInvestor(bytes32 investorId, uint16 country, InvestorClass investorClass, uint40 kycExpiry)
        external
        onlyRole(REGISTRAR_ROLE)
    {
        _checkCountry(country);
        Investor memory record = _existing(investorId);
        uint256 word = _wallets[record.firstWallet] & WORD_MASK;
        word = (word & (NUMBER_MASK | REVOKED | MULTI_WALLET)) | (uint256(kycExpiry) << 48) | (uint256(country) << 88)
            | (uint256(uint8(investorClass)) << 104);
        _store(investorId, record, word);
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
    /// wallet `multiWallet` and pushes that to the assets holding a copy, which then keep the
    /// investor's total. Emits {WalletAdded}.
    function addWallet(bytes32 investorId, address account) external onlyRole(REGISTRAR_ROLE) {
        Investor memory record = _existing(investorId);
        uint256 count = record.walletCount;
        if (count == MAX_WALLETS) revert RegistryWalletCount(investorId, count + 1, MAX_WALLETS);
        uint256 word = _wallets[record.firstWallet] & WORD_MASK;
        _addWallet(investorId, word | MULTI_WALLET, account, count);
        record.walletCount = uint8(count + 1);
        _investors[investorId] = record;
        if (word & MULTI_WALLET == 0) _store(investorId, record, word | MULTI_WALLET);
    }

    /// @notice Removes a wallet from its investor; an investor keeps at least one wallet. Assets that
    /// kept a copy of its record drop it. Shares the wallet still holds stay there but can no longer
    /// move until the issuer recovers them (or forces a transfer), even if the wallet is later
    /// registered to someone else. Emits {WalletRemoved}.
    function removeWallet(bytes32 investorId, address account) external onlyRole(REGISTRAR_ROLE) {
        Investor memory record = _existing(investorId);
        uint256 slot = _wallets[account];
        if (slot & NUMBER_MASK != record.number) revert RegistryUnknownWallet(investorId, account);
        uint256 count = record.walletCount;
        if (count == 1) revert RegistryWalletCount(investorId, 0, MAX_WALLETS);
        address last = _moreWallets[investorId][count - 1];
        if (account == record.firstWallet) {
            record.firstWallet = last;
        } else {
            for (uint256 i = 1; i < count; ++i) {
                if (_moreWallets[investorId][i] == account) {
                    _moreWallets[investorId][i] = last;
                    break;
                }
            }
        }
        delete _moreWallets[investorId][count - 1];
        record.walletCount = uint8(count - 1);
        _investors[investorId] = record;
        address[] memory subscribers = _subscribers(account, slot);
        _forget(account, slot);
        emit WalletRemoved(investorId, account);
        _notify(subscribers, account, 0);
    }

    /// @inheritdoc IInvestorRegistry
    /// @dev Requirements: the caller is the asset this registry's deployer created with nonce `index`.
    function subscribe(uint256 index, address account) external returns (uint256 word) {
        // Index 0 wraps to 2^256 - 1: one comparison refuses it and every index above MAX_ASSET_INDEX.
        unchecked {
            if (index - 1 >= MAX_ASSET_INDEX || !_calledBy(_assetHash(index))) {
                revert RegistryNotAsset(msg.sender, index);
            }
        }
        bytes32 key; // the wallet's slot in _wallets, hashed once for the read and the write
        uint256 slot;
        // The mapping's slot for `account`, hashed in the scratch space (Solidity's layout for mappings).
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, _wallets.slot)
            key := keccak256(0x00, 0x40)
            slot := sload(key)
        }
        word = slot & WORD_MASK;
        if (word == 0) return 0;
        uint256 count = slot >> COUNT_SHIFT;
        if (count < INLINE_SUBSCRIPTIONS) {
            // count < 4 and index < 2^24: the entry fits bits 128-223, and the count below bit 240.
            unchecked {
                slot = (slot | (index << (128 + 24 * count))) + (1 << COUNT_SHIFT);
            }
        } else {
            if (count == type(uint16).max) revert RegistryTooManySubscriptions(account);
            // count < 2^16 - 1, checked just above; 4 <= count, so no underflow.
            unchecked {
                uint256 extra = count - INLINE_SUBSCRIPTIONS;
                _moreSubscriptions[account][extra / PAGE_SUBSCRIPTIONS] |= index << (24 * (extra % PAGE_SUBSCRIPTIONS));
                slot += 1 << COUNT_SHIFT;
            }
        }
        // The slot read above, written back once.
        assembly ("memory-safe") {
            sstore(key, slot)
        }
    }

    /// @notice The compliance record of `account` (all zero if unregistered).
    function wallet(address account) external view returns (Wallet memory) {
        return _decode(_wallets[account]);
    }

    /// @notice The wallet's record as one raw word (layout in {IInvestorRegistry-Wallet}): what a
    /// token reads on every issuance, without ABI-decoding a struct.
    function walletWord(address account) external view returns (uint256) {
        return _wallets[account] & WORD_MASK;
    }

    /// @notice The internal number of an investor (0 if unknown): what wallet words carry.
    function investorNumber(bytes32 investorId) external view returns (uint48) {
        return _investors[investorId].number;
    }

    /// @notice The wallets of an investor (empty if unknown).
    function walletsOf(bytes32 investorId) external view returns (address[] memory wallets) {
        Investor memory record = _investors[investorId];
        wallets = new address[](record.walletCount);
        if (wallets.length == 0) return wallets;
        wallets[0] = record.firstWallet;
        for (uint256 i = 1; i < wallets.length; ++i) {
            wallets[i] = _moreWallets[investorId][i];
        }
    }

    /// @notice The investor's current record (the one every wallet of theirs carries).
    function investor(bytes32 investorId) external view returns (Wallet memory) {
        return _decode(_wallets[_existing(investorId).firstWallet]);
    }

    /// @notice The assets that keep a copy of `account`'s record and receive its changes.
    function subscriptionsOf(address account) external view returns (address[] memory) {
        return _subscribers(account, _wallets[account]);
    }

    /// @notice ERC-3643 name: true if `account` belongs to an investor with current, unrevoked KYC.
    function isVerified(address account) external view returns (bool) {
        Wallet memory record = _decode(_wallets[account]);
        return record.investor != 0 && !record.revoked && record.kycExpiry > block.timestamp;
    }

    /// @notice ERC-3643 name: the ISO 3166-1 numeric country of the wallet's investor (0 if none).
    function investorCountry(address account) external view returns (uint16) {
        return uint16(_wallets[account] >> 88);
    }

    /// @notice How many investors were ever registered.
    function investorCount() external view returns (uint256) {
        return _investorCount;
    }

    /// @notice How many assets this registry's deployer has created (indices 1..assetCount).
    function assetCount() external view returns (uint256) {
        return deployer.created();
    }

    /// @notice The asset with index `index` (the zero address if none).
    function assetAt(uint256 index) external view returns (address) {
        return index == 0 || index > deployer.created() ? address(0) : _assetAt(index);
    }

    function _register(InvestorData calldata data) private {
        bytes32 investorId = data.investorId;
        if (investorId == bytes32(0)) revert RegistryInvalidInvestorId();
        if (_investors[investorId].number != 0) revert RegistryInvestorExists(investorId);
        uint256 count = data.wallets.length;
        if (count == 0 || count > MAX_WALLETS) revert RegistryWalletCount(investorId, count, MAX_WALLETS);
        _checkCountry(data.country);
        uint48 number = ++_investorCount;
        _investors[investorId] = Investor({number: number, walletCount: uint8(count), firstWallet: data.wallets[0]});
        uint256 word = uint256(number) | (uint256(data.kycExpiry) << 48) | (uint256(data.country) << 88)
            | (uint256(uint8(data.investorClass)) << 104) | (count > 1 ? MULTI_WALLET : 0);
        emit InvestorRegistered(investorId, number, data.country, data.investorClass, data.kycExpiry);
        for (uint256 i = 0; i < count; ++i) {
            _addWallet(investorId, word, data.wallets[i], i);
        }
    }

    /// @dev Records `account` as the investor's wallet number `position` (0: the first) with `word`.
    function _addWallet(bytes32 investorId, uint256 word, address account, uint256 position) private {
        if (account == address(0)) revert RegistryZeroWallet();
        if (_wallets[account] != 0) revert RegistryWalletTaken(account);
        _wallets[account] = word;
        if (position != 0) _moreWallets[investorId][position] = account;
        emit WalletAdded(investorId, account);
    }

    function _setRevoked(bytes32 investorId, bool revoked) private {
        Investor memory record = _existing(investorId);
        uint256 word = _wallets[record.firstWallet] & WORD_MASK;
        _store(investorId, record, revoked ? word | REVOKED : word & ~REVOKED);
    }

    /// @dev Writes `word` into each of the investor's wallets, then pushes it to the assets that keep a
    /// copy (every write before the first call).
    function _store(bytes32 investorId, Investor memory record, uint256 word) private {
        uint256 count = record.walletCount;
        address[] memory wallets = new address[](count);
        address[][] memory subscribers = new address[][](count);
        for (uint256 i = 0; i < count; ++i) {
            address account = i == 0 ? record.firstWallet : _moreWallets[investorId][i];
            uint256 slot = (_wallets[account] & ~WORD_MASK) | word;
            _wallets[account] = slot;
            (wallets[i], subscribers[i]) = (account, _subscribers(account, slot));
        }
        for (uint256 i = 0; i < count; ++i) {
            _notify(subscribers[i], wallets[i], word);
        }
    }

    /// @dev The assets keeping a copy of `account`'s record (whose slot is `slot`).
    function _subscribers(address account, uint256 slot) private view returns (address[] memory assets) {
        assets = new address[](slot >> COUNT_SHIFT);
        for (uint256 i = 0; i < assets.length; ++i) {
            assets[i] = _assetAt(_subscription(account, slot, i));
        }
    }

    /// @dev Sends `account`'s changed record (`word`; zero when it left) to each asset keeping a copy.
    function _notify(address[] memory assets, address account, uint256 word) private {
        for (uint256 i = 0; i < assets.length; ++i) {
            IRegistrySubscriber(assets[i]).syncWallet(account, word);
        }
    }

    /// @dev Deletes a removed wallet's slot and its overflow pages.
    function _forget(address account, uint256 slot) private {
        uint256 count = slot >> COUNT_SHIFT;
        if (count > INLINE_SUBSCRIPTIONS) {
            uint256 pages = (count - INLINE_SUBSCRIPTIONS + PAGE_SUBSCRIPTIONS - 1) / PAGE_SUBSCRIPTIONS;
            for (uint256 page = 0; page < pages; ++page) {
                delete _moreSubscriptions[account][page];
            }
        }
        delete _wallets[account];
    }

    /// @dev The index of the `i`-th asset following `account` (whose slot is `slot`).
    function _subscription(address account, uint256 slot, uint256 i) private view returns (uint256) {
        if (i < INLINE_SUBSCRIPTIONS) return uint24(slot >> (128 + 24 * i));
        uint256 extra = i - INLINE_SUBSCRIPTIONS;
        return uint24(_moreSubscriptions[account][extra / PAGE_SUBSCRIPTIONS] >> (24 * (extra % PAGE_SUBSCRIPTIONS)));
    }

    /// @dev The address the deployer's CREATE with nonce `index` gives, for 0 < index < 2^24 (callers
    /// check the range).
    function _assetAt(uint256 index) private view returns (address) {
        return address(uint160(_assetHash(index)));
    }

    /// @dev keccak256(rlp([deployer, index])), whose low 160 bits are {_assetAt}.
    function _assetHash(uint256 index) private view returns (uint256 hash) {
        address deployer_ = address(deployer);
        // Writes only the scratch space (0x00-0x3f) and leaves the free memory pointer alone. The RLP
        // list is 0xc0 + payload length, then 0x94 (a 20-byte string) and the deployer, then the nonce:
        // one byte itself up to 0x7f, else 0x80 + its length and its big-endian bytes.
        assembly ("memory-safe") {
            let head := or(shl(240, 0xd694), shl(80, deployer_))
            let length := 23
            switch lt(index, 0x80)
            case 1 { head := or(head, shl(72, index)) }
            default {
                let bytes_ := add(add(1, gt(index, 0xff)), gt(index, 0xffff)) // 1 to 3: index < 2^24
                length := add(23, bytes_)
                head := or(
                    add(head, shl(240, bytes_)), // the list prefix 0xd6 + the nonce's extra length
                    or(shl(72, add(0x80, bytes_)), shl(sub(72, shl(3, bytes_)), index))
                )
            }
            mstore(0x00, head)
            hash := keccak256(0x00, length)
        }
    }

    /// @dev Whether the caller is the address whose {_assetHash} is `hash`.
    function _calledBy(uint256 hash) private view returns (bool yes) {
        // Shifting out the top 96 bits compares the low 160 bits of the hash with the caller's address.
        assembly ("memory-safe") {
            yes := iszero(shl(96, xor(hash, caller())))
        }
    }

    function _existing(bytes32 investorId) private view returns (Investor memory record) {
        record = _investors[investorId];
        if (record.number == 0) revert RegistryUnknownInvestor(investorId);
    }

    function _decode(uint256 slot) private pure returns (Wallet memory) {
        return Wallet({
            investor: uint48(slot),
            kycExpiry: uint40(slot >> 48),
            country: uint16(slot >> 88),
            investorClass: InvestorClass(uint8(slot >> 104)),
            revoked: uint8(slot >> 112) != 0,
            multiWallet: uint8(slot >> 120) != 0
        });
    }

    function _checkCountry(uint16 country) private pure {
        if (country == 0 || country > 999) revert RegistryInvalidCountry(country);
    }
}
