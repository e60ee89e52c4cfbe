// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AssetFactory} from "../factory/AssetFactory.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {AssetToken} from "../token/AssetToken.sol";
import {FundVault} from "./FundVault.sol";

/// @title FundVaultFactory
/// @notice One per platform: opens the dealing vault of a fund asset (one vault per fund), in the
/// platform's settlement currency, and lists them so an indexer finds every vault from one address.
/// The fund's admin then grants the vault the asset's ISSUER_ROLE (to mint and burn at dealing).
contract FundVaultFactory {
    AssetFactory public immutable factory;
    IERC20 public immutable settlementToken;

    mapping(address asset => address vault) public vaultOf;
    address[] private _vaults;

    /// @dev Not a fund asset of this platform.
    error VaultFactoryNotAFund(address asset);
    /// @dev Only the asset's admin (DEFAULT_ADMIN_ROLE) opens its vault.
    error VaultFactoryUnauthorized(address caller);
    error VaultFactoryVaultExists(address asset, address vault);

    event FundVaultCreated(address indexed asset, address indexed vault, address indexed admin, uint256 cutoff);

    constructor(AssetFactory factory_, IERC20 settlementToken_) {
        factory = factory_;
        settlementToken = settlementToken_;
    }

    /// @notice Deploys `asset`'s vault; the caller becomes its admin, `valuer` its VALUER_ROLE and `manager`
    /// its MANAGER_ROLE. Requirements: `asset` is a fund of this platform; the caller is its admin; it has
    /// no vault yet. Emits {FundVaultCreated}.
    function createVault(
        address asset,
        uint256 cutoff,
        uint256 initialNav,
        FundVault.Terms calldata terms,
        address valuer,
        address manager
    ) external returns (address vault) {
        if (!factory.isAsset(asset) || IAssetToken(asset).assetKind() != IAssetToken.AssetKind.Fund) {
            revert VaultFactoryNotAFund(asset);
        }
        if (!AssetToken(asset).hasRole(bytes32(0), msg.sender)) revert VaultFactoryUnauthorized(msg.sender);
        address existing = vaultOf[asset];
        if (existing != address(0)) revert VaultFactoryVaultExists(asset, existing);
        FundVault.Roles memory roles = FundVault.Roles(msg.sender, valuer, manager);
        vault = address(new FundVault(AssetToken(asset), settlementToken, cutoff, initialNav, terms, roles));
        vaultOf[asset] = vault;
        _vaults.push(vault);
        emit FundVaultCreated(asset, vault, msg.sender, cutoff);
    }

    /// @notice Every vault opened, oldest first.
    function vaults() external view returns (address[] memory) {
        return _vaults;
    }
}
