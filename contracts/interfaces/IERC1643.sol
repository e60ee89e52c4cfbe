// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC1643
/// @notice ERC-1643 document management: named documents with a URI, a content hash and the time
/// they last changed (prospectus, valuation report, audited accounts).
interface IERC1643 {
    event DocumentUpdated(bytes32 indexed name, string uri, bytes32 documentHash);
    event DocumentRemoved(bytes32 indexed name, string uri, bytes32 documentHash);

    function getDocument(bytes32 name) external view returns (string memory uri, bytes32 documentHash, uint256 lastModified);
    function setDocument(bytes32 name, string calldata uri, bytes32 documentHash) external;
    function removeDocument(bytes32 name) external;
    function getAllDocuments() external view returns (bytes32[] memory);
}
