// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IERC1643} from "../interfaces/IERC1643.sol";

/// @title ERC1643Documents
/// @notice ERC-1643 document management for a token: named documents (prospectus, valuation report,
/// audited accounts), each with a URI, a content hash and the time it last changed.
/// @dev The token decides who may publish and remove documents ({_authorizeDocuments}). Kept apart
/// from the ledger: nothing here is on the path of a transfer.
abstract contract ERC1643Documents is IERC1643 {
    struct Document {
        string uri;
        bytes32 documentHash;
        uint40 lastModified;
        uint32 index; // position + 1 in _documentNames (0: absent)
    }

    mapping(bytes32 name => Document) private _documents;
    bytes32[] private _documentNames;

    /// @notice ERC-1643: publishes or replaces the document `name_` (a URI and its content hash).
    /// Requirements: {_authorizeDocuments}. Emits {DocumentUpdated}.
    function setDocument(bytes32 name_, string calldata uri, bytes32 documentHash) external {
        _authorizeDocuments();
        _setDocument(name_, uri, documentHash);
    }

    /// @notice ERC-1643: removes the document `name_`. Requirements: {_authorizeDocuments}; the document
    /// exists. Emits {DocumentRemoved}.
    function removeDocument(bytes32 name_) external {
        _authorizeDocuments();
        Document memory document = _documents[name_];
        if (document.index == 0) revert IAssetToken.AssetUnknownDocument(name_);
        bytes32 last = _documentNames[_documentNames.length - 1];
        _documentNames[document.index - 1] = last;
        _documents[last].index = document.index;
        _documentNames.pop();
        delete _documents[name_];
        emit DocumentRemoved(name_, document.uri, document.documentHash);
    }

    /// @notice ERC-1643: the document's URI, content hash and last change time (reverts if unknown).
    function getDocument(bytes32 name_) external view returns (string memory, bytes32, uint256) {
        Document storage document = _documents[name_];
        if (document.index == 0) revert IAssetToken.AssetUnknownDocument(name_);
        return (document.uri, document.documentHash, document.lastModified);
    }

    /// @notice ERC-1643: the names of every document published.
    function getAllDocuments() external view returns (bytes32[] memory) {
        return _documentNames;
    }

    /// @dev Reverts unless the caller may publish and remove documents.
    function _authorizeDocuments() internal view virtual;

    function _setDocument(bytes32 name_, string memory uri, bytes32 documentHash) internal {
        Document storage document = _documents[name_];
        if (document.index == 0) {
            _documentNames.push(name_);
            document.index = uint32(_documentNames.length);
        }
        document.uri = uri;
        document.documentHash = documentHash;
        document.lastModified = uint40(block.timestamp);
        emit DocumentUpdated(name_, uri, documentHash);
    }
}
