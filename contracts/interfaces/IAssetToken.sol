// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInvestorRegistry} from "./IInvestorRegistry.sol";

/// @title IAssetToken
/// @notice Shares of one real-world asset: a permissioned ERC-20 whose every move is checked
/// against the shared {IInvestorRegistry}.
interface IAssetToken {
    enum AssetKind {
        Property,
        Fund
    }

    /// @notice What an issuer chooses when creating an asset.
    struct AssetParams {
        string name;
        string symbol;
        uint8 decimals;
        AssetKind kind;
        uint256 sharesAuthorised;
        string documentUri;
        bytes32 documentHash;
    }

    /// @dev A move of `amount` from `from` to `to` is refused for reason `code` (see TransferRestrictions).
    error AssetTransferRestricted(address from, address to, uint256 amount, uint8 code);
    /// @dev Issuance would take the supply to `supply`, above the `authorised` shares.
    error AssetExceedsAuthorised(uint256 supply, uint256 authorised);
    /// @dev A batch call's arrays differ in length.
    error AssetBatchLengthMismatch(uint256 accounts, uint256 amounts);
    /// @dev The authorised shares cannot fall below the shares already issued.
    error AssetAuthorisedBelowSupply(uint256 authorised, uint256 supply);
    /// @dev The asset is paused (or, for {unpause}, is not).
    error AssetPaused(bool paused);

    event Paused(address account);
    event Unpaused(address account);
    event SharesAuthorisedUpdated(uint256 sharesAuthorised);
    event AssetDocumentUpdated(string uri, bytes32 documentHash);

    function mint(address to, uint256 amount) external;
    function batchMint(address[] calldata to, uint256[] calldata amounts) external;
    function burn(address from, uint256 amount) external;
    function batchBurn(address[] calldata from, uint256[] calldata amounts) external;
    function pause() external;
    function unpause() external;
    function paused() external view returns (bool);
    function setSharesAuthorised(uint256 sharesAuthorised) external;
    function setAssetDocument(string calldata uri, bytes32 documentHash) external;

    function identityRegistry() external view returns (IInvestorRegistry);
    function assetKind() external view returns (AssetKind);
    function sharesAuthorised() external view returns (uint256);
    function assetDocument() external view returns (string memory uri, bytes32 documentHash);

    function canTransfer(address from, address to, uint256 amount) external view returns (bool);
    function detectTransferRestriction(address from, address to, uint256 amount) external view returns (uint8);
    function messageForTransferRestriction(uint8 code) external pure returns (string memory);
}
