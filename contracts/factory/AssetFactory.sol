// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {AssetTokenDeployer} from "./AssetTokenDeployer.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {InvestorRegistry} from "../registry/InvestorRegistry.sol";

/// @title AssetFactory
/// @notice One per platform: creates each asset's token through the registry's deployer and keeps
/// the list of assets, with symbols unique across the platform. Needs the registry's ASSET_ROLE.
/// @dev Each asset is a full deployment, not an EIP-1167 clone: creation costs more once, but every
/// transfer of a clone would pay a DELEGATECALL and storage reads for what are immutables here
/// (measured in bench/gas.py). Symbols are checked here, on chain, so every client (the Python
/// services, the API, Brownie, cast) gets the same rule: 1 to 11 characters, uppercase ASCII
/// letters and digits, starting with a letter. A strict set makes byte equality the same as
/// case-insensitive equality, and leaves no look-alikes (spaces, zero-width or non-ASCII characters).
contract AssetFactory is AccessControl {
    /// @notice May create assets; becomes the new asset's admin and issuer.
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");
    /// @notice Longest symbol accepted.
    uint256 public constant MAX_SYMBOL_LENGTH = 11;

    IInvestorRegistry public immutable registry;
    AssetTokenDeployer public immutable deployer;

    address[] private _assets;
    mapping(bytes32 symbolHash => address asset) private _bySymbol;
    mapping(address asset => bool created) private _isAsset;

    /// @dev Another asset of the platform already uses `symbol`.
    error FactorySymbolTaken(string symbol, address asset);
    /// @dev A symbol is 1 to 11 characters of A-Z and 0-9, starting with a letter.
    error FactoryInvalidSymbol(string symbol);

    event AssetCreated(address indexed asset, address indexed issuer, string symbol, IAssetToken.AssetKind kind);

    constructor(IInvestorRegistry registry_, address admin) {
        registry = registry_;
        deployer = InvestorRegistry(address(registry_)).deployer();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ISSUER_ROLE, admin);
    }

    /// @notice Deploys a new asset token; the caller becomes its admin, issuer and compliance officer.
    /// Requirements: caller has ISSUER_ROLE; the symbol is valid and new on this platform.
    /// Emits {AssetCreated}.
    function createAsset(IAssetToken.AssetParams calldata params) external onlyRole(ISSUER_ROLE) returns (address) {
        _checkSymbol(params.symbol);
        bytes32 symbolHash = keccak256(bytes(params.symbol));
        address existing = _bySymbol[symbolHash];
        if (existing != address(0)) revert FactorySymbolTaken(params.symbol, existing);
        address asset = deployer.deploy(params, _msgSender());
        _assets.push(asset);
        _bySymbol[symbolHash] = asset;
        _isAsset[asset] = true;
        emit AssetCreated(asset, _msgSender(), params.symbol, params.kind);
        return asset;
    }

    /// @notice Every asset created, oldest first.
    function assets() external view returns (address[] memory) {
        return _assets;
    }

    /// @notice How many assets this factory created.
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

    function _checkSymbol(string calldata symbol) private pure {
        bytes calldata raw = bytes(symbol);
        bool valid = raw.length != 0 && raw.length <= MAX_SYMBOL_LENGTH && raw[0] >= "A" && raw[0] <= "Z";
        for (uint256 i = 1; valid && i < raw.length; ++i) {
            bytes1 c = raw[i];
            valid = (c >= "A" && c <= "Z") || (c >= "0" && c <= "9");
        }
        if (!valid) revert FactoryInvalidSymbol(symbol);
    }
}
