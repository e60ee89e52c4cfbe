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
    uint8 internal constant SENDER_FROZEN = 10;
    uint8 internal constant RECEIVER_FROZEN = 11;
    uint8 internal constant INSUFFICIENT_UNFROZEN_BALANCE = 12;
    uint8 internal constant LOCKED_UP = 13;
    uint8 internal constant BELOW_MINIMUM_LOT = 14;
    uint8 internal constant COUNTRY_NOT_ALLOWED = 15;
    uint8 internal constant COUNTRY_BLOCKED = 16;
    uint8 internal constant CLASS_NOT_ALLOWED = 17;
    uint8 internal constant MAX_HOLDERS_REACHED = 18;
    uint8 internal constant MAX_BALANCE_EXCEEDED = 19;
    uint8 internal constant WALLET_REASSIGNED = 20;
    uint8 internal constant SENDER_WALLET_REASSIGNED = 21;

    /// @notice A readable message for `code` (ERC-1404 `messageForTransferRestriction`).
    function message(uint8 code) internal pure returns (string memory) {
        string[22] memory messages = [
            "Transfer allowed",
            "Transfers of this asset are paused",
            "Sender is not a registered investor",
            "Receiver is not a registered investor",
            "Sender's KYC has expired",
            "Receiver's KYC has expired",
            "Sender has been revoked",
            "Receiver has been revoked",
            "Sender's balance is too low",
            "Issuance would exceed the authorised shares",
            "Sender's wallet is frozen",
            "Receiver's wallet is frozen",
            "Sender's unfrozen balance is too low",
            "Shares are locked up",
            "Amount is below the minimum transfer lot",
            "Receiver's country is not allowed",
            "Receiver's country is blocked",
            "Receiver's investor class is not allowed",
            "The asset has reached its maximum number of holders",
            "Receiver would exceed the maximum balance per investor",
            "Receiver's wallet holds another investor's shares: recover them first",
            "Sender's wallet holds shares of an investor it no longer belongs to: recover them first"
        ];
        return code < messages.length ? messages[code] : "Unknown restriction";
    }
}
