// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AssetTokenDeployer} from "./AssetTokenDeployer.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";

/// @title AssetFactory
/// @notice One per platform: creates each asset's token against the shared registry, registers it
/// there so it receives record changes, and keeps the list of assets, with symbols unique across the
/// platform. Needs the registry's ASSET_ROLE.
/// @dev Each asset is a full deployment, not an EIP-1167 clone: creation costs more once, but every
/// transfer of a clone would pay a DELEGATECALL and storage reads for what are immutables here
/// (measured in bench/gas.py).
contract AssetFactory is AccessControl {
    /// @notice May create assets; becomes the new asset's admin and issuer.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    IInvestorRegistry public immutable registry;
    AssetTokenDeployer public immutable deployer;

    address[] private _assets;
    mapping(bytes32 symbolHash => address asset) private _bySymbol;
    mapping(address asset => bool created) private _isAsset;

    /// @dev Another asset of the platform already uses `symbol`.
    error FactorySymbolTaken(string symbol, address asset);

    event AssetCreated(address indexed asset, address indexed issuer, string symbol, IAssetToken.AssetKind kind);

    constructor(IInvestorRegistry registry_, AssetTokenDeployer deployer_, address admin) {
        registry = registry_;
        deployer = deployer_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ISSUER_ROLE, admin);
    }

    /// @notice Deploys a new asset token; the caller becomes its admin, issuer and compliance officer.
    /// Requirements: caller has ISSUER_ROLE; the symbol is new on this platform.
    /// Emits {AssetCreated}.
    function createAsset(IAssetToken.AssetParams calldata params) external onlyRole(ISSUER_ROLE) returns (address) {
        bytes32 symbolHash = keccak256(bytes(params.symbol));
        address existing = _bySymbol[symbolHash];
        if (existing != address(0)) revert FactorySymbolTaken(params.symbol, existing);
        address asset = deployer.deploy(params, registry, _msgSender());
        _assets.push(asset);
        _bySymbol[symbolHash] = asset;
        _isAsset[asset] = true;
        registry.addAsset(asset);
        emit AssetCreated(asset, _msgSender(), params.symbol, params.kind);
        return asset;
    }

    /// @notice Every asset created, oldest first.
    function assets() external view returns (address[] memory) {
        return _assets;
    }

    function assetCount() external view returns (uint256) {
        return _assets.length;
    }

    /// @notice True if this factory created `asset`.
    function isAsset(address asset) external view returns (bool) {
        return _isAsset[asset];
    }

    /// @notice The asset with `symbol`, or the zero address.
    function assetBySymbol(string calldata symbol) external view returns (address) {
        return _bySymbol[keccak256(bytes(symbol))];
    }
}
