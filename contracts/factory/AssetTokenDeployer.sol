// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AssetToken} from "../token/AssetToken.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";

/// @title AssetTokenDeployer
/// @notice Holds AssetToken's creation code so that {AssetFactory} stays far below the 24 KiB
/// contract size limit (a factory using `new AssetToken` would carry the token's whole bytecode).
/// @dev Unrestricted on purpose: a token deployed here by anyone else is not recorded by the
/// platform's factory, and its roles go only to the `admin` given.
contract AssetTokenDeployer {
    function deploy(IAssetToken.AssetParams calldata params, IInvestorRegistry registry, address admin)
        external
        returns (address)
    {
        return address(new AssetToken(params, registry, admin));
    }
}
