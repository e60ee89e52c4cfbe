// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ERC-7540 asynchronous vaults, with ERC-7575's `share()` and ERC-7887's cancellation
/// @notice Written from the ERC texts (ERC-7540 Final, ERC-7575 Final, ERC-7887 Draft). Interface ids:
/// operators 0xe3bc4e65, ERC-7575 0x2f0a18c5, asynchronous deposit 0xce3bbe50, asynchronous redeem
/// 0x620ee8e4, deposit cancellation 0x8bf840e3, redeem cancellation 0xe76cffc7.
interface IERC7540Operator {
    event OperatorSet(address indexed controller, address indexed operator, bool approved);

    function setOperator(address operator, bool approved) external returns (bool);
    function isOperator(address controller, address operator) external view returns (bool);
}

interface IERC7575 {
    /// @dev ERC-4626's events, emitted by the claims: `sender` is the controller for a deposit claim.
    event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares);
    event Withdraw(
        address indexed sender, address indexed receiver, address indexed owner, uint256 assets, uint256 shares
    );

    function asset() external view returns (address);
    function share() external view returns (address);
    function totalAssets() external view returns (uint256);
    function convertToShares(uint256 assets) external view returns (uint256);
    function convertToAssets(uint256 shares) external view returns (uint256);
    function maxDeposit(address receiver) external view returns (uint256);
    function previewDeposit(uint256 assets) external view returns (uint256);
    function deposit(uint256 assets, address receiver) external returns (uint256 shares);
    function maxMint(address receiver) external view returns (uint256);
    function previewMint(uint256 shares) external view returns (uint256);
    function mint(uint256 shares, address receiver) external returns (uint256 assets);
    function maxWithdraw(address owner) external view returns (uint256);
    function previewWithdraw(uint256 assets) external view returns (uint256);
    function withdraw(uint256 assets, address receiver, address owner) external returns (uint256 shares);
    function maxRedeem(address owner) external view returns (uint256);
    function previewRedeem(uint256 shares) external view returns (uint256);
    function redeem(uint256 shares, address receiver, address owner) external returns (uint256 assets);
}

interface IERC7540Deposit {
    event DepositRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 assets
    );

    function requestDeposit(uint256 assets, address controller, address owner) external returns (uint256 requestId);
    function pendingDepositRequest(uint256 requestId, address controller) external view returns (uint256 assets);
    function claimableDepositRequest(uint256 requestId, address controller) external view returns (uint256 assets);
    function deposit(uint256 assets, address receiver, address controller) external returns (uint256 shares);
    function mint(uint256 shares, address receiver, address controller) external returns (uint256 assets);
}

interface IERC7540Redeem {
    event RedeemRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 shares
    );

    function requestRedeem(uint256 shares, address controller, address owner) external returns (uint256 requestId);
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256 shares);
    function claimableRedeemRequest(uint256 requestId, address controller) external view returns (uint256 shares);
}

interface IERC7887Deposit {
    event CancelDepositRequest(address indexed controller, uint256 indexed requestId, address sender);
    event CancelDepositClaim(
        address indexed controller, address indexed receiver, uint256 indexed requestId, address sender, uint256 assets
    );

    function cancelDepositRequest(uint256 requestId, address controller) external;
    function pendingCancelDepositRequest(uint256 requestId, address controller) external view returns (bool);
    function claimableCancelDepositRequest(uint256 requestId, address controller) external view returns (uint256);
    function claimCancelDepositRequest(uint256 requestId, address receiver, address controller) external;
}

interface IERC7887Redeem {
    event CancelRedeemRequest(address indexed controller, uint256 indexed requestId, address sender);
    event CancelRedeemClaim(
        address indexed controller, address indexed receiver, uint256 indexed requestId, address sender, uint256 shares
    );

    function cancelRedeemRequest(uint256 requestId, address controller) external;
    function pendingCancelRedeemRequest(uint256 requestId, address controller) external view returns (bool);
    function claimableCancelRedeemRequest(uint256 requestId, address controller) external view returns (uint256);
    function claimCancelRedeemRequest(uint256 requestId, address receiver, address controller) external;
}
