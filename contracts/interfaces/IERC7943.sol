// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @title IERC7943Fungible
/// @notice ERC-7943 (uRWA), the fungible interface as in the Final text of the ERC
/// (functions canSend/canReceive; earlier drafts named them isUserAllowed/canTransact).
interface IERC7943Fungible is IERC165 {
    event ForcedTransfer(address indexed from, address indexed to, uint256 amount);
    event Frozen(address indexed account, uint256 amount);

    /// @dev The ERC's ERC7943CannotSend/CannotReceive/CannotTransfer are not declared: the ERC lets a
    /// token replace them with more specific errors, and rwakit's tokens refuse with
    /// `AssetTransferRestricted(from, to, amount, code)`, whose reason code names the rule (see
    /// TransferRestrictions). Interface ids cover functions only, so the id is the ERC's (0x3edbb4c4).
    error ERC7943InsufficientUnfrozenBalance(address account, uint256 amount, uint256 unfrozen);

    function forcedTransfer(address from, address to, uint256 amount) external returns (bool result);
    function setFrozenTokens(address account, uint256 amount) external returns (bool result);
    function canSend(address account) external view returns (bool allowed);
    function canReceive(address account) external view returns (bool allowed);
    function getFrozenTokens(address account) external view returns (uint256 amount);
    function canTransfer(address from, address to, uint256 amount) external view returns (bool allowed);
}
