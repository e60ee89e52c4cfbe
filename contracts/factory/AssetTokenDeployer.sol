// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AssetToken} from "../token/AssetToken.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";

/// @title AssetTokenDeployer
/// @notice Creates the asset tokens of one registry. Holds AssetToken's creation code so that
/// {AssetFactory} stays far below the 24 KiB contract size limit.
/// @dev Created by its registry (in the registry's constructor), so the registry it deploys against
/// is fixed, not a caller's argument. The n-th token it creates has index n: the CREATE nonce it was
/// made with, from which the registry derives the token's address to authenticate its subscriptions.
/// Only a holder of the registry's ASSET_ROLE (the platform's factory) may deploy: a token this
/// registry did not create could never subscribe, so its copies of records would go stale.
contract AssetTokenDeployer {
    bytes32 private constant ASSET_ROLE = keccak256("ASSET_ROLE");

    /// @notice The registry every token created here checks, and that created this deployer.
    IInvestorRegistry public immutable registry;
    /// @notice How many tokens this deployer created (the last one's index).
    uint256 public created;

    /// @dev The caller may not create assets for this registry.
    error DeployerUnauthorized(address caller);

    constructor() {
        registry = IInvestorRegistry(msg.sender);
    }

    /// @notice Deploys an asset token against {registry}, administered by `admin`.
    /// Requirements: the caller holds the registry's ASSET_ROLE.
    function deploy(IAssetToken.AssetParams calldata params, address admin) external returns (address) {
        if (!IAccessControl(address(registry)).hasRole(ASSET_ROLE, msg.sender)) revert DeployerUnauthorized(msg.sender);
        // A contract's first CREATE uses nonce 1 (EIP-161), so the token's index is its nonce.
        uint256 index = ++created;
        return address(new AssetToken(params, registry, admin, index));
    }
}
