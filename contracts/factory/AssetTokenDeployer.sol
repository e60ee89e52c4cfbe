// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {AssetToken} from "../token/AssetToken.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";

/// @title AssetTokenDeployer
/// @notice Holds AssetToken's creation code so that {AssetFactory} stays far below the 24 KiB
/// contract size limit (a factory using `new AssetToken` would carry the token's whole bytecode).
/// @dev Only a caller holding the registry's ASSET_ROLE (the platform's factory) may deploy against
/// it: a token the registry does not know would never receive its record changes, so its copies of
/// investors' records could go stale.
contract AssetTokenDeployer {
    bytes32 private constant ASSET_ROLE = keccak256("ASSET_ROLE");

    /// @dev The caller may not register assets with `registry`.
    error DeployerUnauthorized(address caller);

    function deploy(IAssetToken.AssetParams calldata params, IInvestorRegistry registry, address admin)
        external
        returns (address)
    {
        if (!IAccessControl(address(registry)).hasRole(ASSET_ROLE, msg.sender)) revert DeployerUnauthorized(msg.sender);
        return address(new AssetToken(params, registry, admin));
    }
}
