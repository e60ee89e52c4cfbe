// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title TransferRestrictions
/// @notice ERC-1404-style reason codes: why a move of shares is refused. Codes are stable; the
/// Python package and the HTTP API map each one to a machine-readable name.
library TransferRestrictions {
    uint8 internal constant SUCCESS = 0;
    uint8 internal constant PAUSED = 1;
    uint8 internal constant SENDER_NOT_REGISTERED = 2;
    uint8 internal constant RECEIVER_NOT_REGISTERED = 3;
    uint8 internal constant SENDER_KYC_EXPIRED = 4;
    uint8 internal constant RECEIVER_KYC_EXPIRED = 5;
    uint8 internal constant SENDER_REVOKED = 6;
    uint8 internal constant RECEIVER_REVOKED = 7;
    uint8 internal constant INSUFFICIENT_BALANCE = 8;
    uint8 internal constant EXCEEDS_AUTHORISED = 9;

    /// @notice A readable message for `code` (ERC-1404 `messageForTransferRestriction`).
    function message(uint8 code) internal pure returns (string memory) {
        if (code == SUCCESS) return "Transfer allowed";
        if (code == PAUSED) return "Transfers of this asset are paused";
        if (code == SENDER_NOT_REGISTERED) return "Sender is not a registered investor";
        if (code == RECEIVER_NOT_REGISTERED) return "Receiver is not a registered investor";
        if (code == SENDER_KYC_EXPIRED) return "Sender's KYC has expired";
        if (code == RECEIVER_KYC_EXPIRED) return "Receiver's KYC has expired";
        if (code == SENDER_REVOKED) return "Sender has been revoked";
        if (code == RECEIVER_REVOKED) return "Receiver has been revoked";
        if (code == INSUFFICIENT_BALANCE) return "Sender's balance is too low";
        if (code == EXCEEDS_AUTHORISED) return "Issuance would exceed the authorised shares";
        return "Unknown restriction";
    }
}
