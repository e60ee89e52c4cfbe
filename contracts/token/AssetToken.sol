// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAssetToken} from "../interfaces/IAssetToken.sol";
import {IInvestorRegistry} from "../interfaces/IInvestorRegistry.sol";
import {TransferRestrictions as R} from "./TransferRestrictions.sol";

/// @title AssetToken
/// @notice Fractional shares of one real-world asset (a property, a fund). Every mint and transfer
/// passes one compliance check in {_update}: both parties must be registered investors whose KYC is
/// current and who are not revoked. Burning (redemption) is an issuer power and checks no party.
/// @dev Deployed whole rather than as a clone: the registry and decimals are immutables in the
/// bytecode, so a transfer pays neither a DELEGATECALL nor a storage read to find them.
contract AssetToken is IAssetToken, ERC20, AccessControl {
    /// @notice Mints, burns and pauses (ERC-3643's "agent").
    bytes32 public constant ISSUER_ROLE = keccak256("ISSUER_ROLE");

    IInvestorRegistry private immutable _registry;
    uint8 private immutable _decimals;
    AssetKind private immutable _kind;

    bool private _paused;
    uint256 private _sharesAuthorised;
    string private _documentUri;
    bytes32 private _documentHash;

    /// @param params The asset's name, symbol, decimals, kind, authorised shares and document.
    /// @param registry_ The platform's investor registry.
    /// @param admin Receives DEFAULT_ADMIN_ROLE and ISSUER_ROLE.
    constructor(AssetParams memory params, IInvestorRegistry registry_, address admin)
        ERC20(params.name, params.symbol)
    {
        _registry = registry_;
        _decimals = params.decimals;
        _kind = params.kind;
        _sharesAuthorised = params.sharesAuthorised;
        _documentUri = params.documentUri;
        _documentHash = params.documentHash;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ISSUER_ROLE, admin);
    }

    /// @notice Issues `amount` new shares to a verified investor's wallet.
    /// Requirements: caller has ISSUER_ROLE; `to` passes the compliance check; supply stays within
    /// the authorised shares. Emits {Transfer} from the zero address.
    function mint(address to, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _mint(to, amount);
    }

    /// @notice {mint} to many wallets in one transaction; all or none are issued.
    function batchMint(address[] calldata to, uint256[] calldata amounts) external onlyRole(ISSUER_ROLE) {
        _checkLengths(to.length, amounts.length);
        for (uint256 i = 0; i < to.length; ++i) {
            _mint(to[i], amounts[i]);
        }
    }

    /// @notice Burns `amount` of `from`'s shares (a redemption or a correction).
    /// Requirements: caller has ISSUER_ROLE; `from` holds `amount`. Emits {Transfer} to the zero address.
    function burn(address from, uint256 amount) external onlyRole(ISSUER_ROLE) {
        _burn(from, amount);
    }

    /// @notice {burn} from many wallets in one transaction; all or none are burnt.
    function batchBurn(address[] calldata from, uint256[] calldata amounts) external onlyRole(ISSUER_ROLE) {
        _checkLengths(from.length, amounts.length);
        for (uint256 i = 0; i < from.length; ++i) {
            _burn(from[i], amounts[i]);
        }
    }

    /// @notice Stops transfers between holders; the issuer can still mint and burn. Emits {Paused}.
    function pause() external onlyRole(ISSUER_ROLE) {
        if (_paused) revert AssetPaused(true);
        _paused = true;
        emit Paused(_msgSender());
    }

    /// @notice Lets transfers resume. Emits {Unpaused}.
    function unpause() external onlyRole(ISSUER_ROLE) {
        if (!_paused) revert AssetPaused(false);
        _paused = false;
        emit Unpaused(_msgSender());
    }

    /// @notice Changes the number of shares that may ever be outstanding (a corporate action).
    /// Requirements: caller has DEFAULT_ADMIN_ROLE; not below the current supply.
    /// Emits {SharesAuthorisedUpdated}.
    function setSharesAuthorised(uint256 sharesAuthorised_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (sharesAuthorised_ < totalSupply()) revert AssetAuthorisedBelowSupply(sharesAuthorised_, totalSupply());
        _sharesAuthorised = sharesAuthorised_;
        emit SharesAuthorisedUpdated(sharesAuthorised_);
    }

    /// @notice Replaces the asset's offering document (URI and content hash). Emits {AssetDocumentUpdated}.
    function setAssetDocument(string calldata uri, bytes32 documentHash) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _documentUri = uri;
        _documentHash = documentHash;
        emit AssetDocumentUpdated(uri, documentHash);
    }

    function paused() external view returns (bool) {
        return _paused;
    }

    /// @notice ERC-3643 name: the investor registry this asset checks.
    function identityRegistry() external view returns (IInvestorRegistry) {
        return _registry;
    }

    function assetKind() external view returns (AssetKind) {
        return _kind;
    }

    function sharesAuthorised() external view returns (uint256) {
        return _sharesAuthorised;
    }

    function assetDocument() external view returns (string memory uri, bytes32 documentHash) {
        return (_documentUri, _documentHash);
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice ERC-7943 `canTransfer`: true if `from` may send `amount` to `to` now.
    function canTransfer(address from, address to, uint256 amount) external view returns (bool) {
        return detectTransferRestriction(from, to, amount) == R.SUCCESS;
    }

    /// @notice ERC-1404: why a transfer would be refused (0: it would not). `from` zero checks a mint.
    function detectTransferRestriction(address from, address to, uint256 amount) public view returns (uint8) {
        if (from == address(0)) {
            if (totalSupply() + amount > _sharesAuthorised) return R.EXCEEDS_AUTHORISED;
            return _receiverRestriction(_registry.wallet(to));
        }
        if (_paused) return R.PAUSED;
        if (balanceOf(from) < amount) return R.INSUFFICIENT_BALANCE;
        (IInvestorRegistry.Wallet memory sender, IInvestorRegistry.Wallet memory receiver) =
            _registry.transferParties(from, to);
        return _partiesRestriction(sender, receiver);
    }

    /// @notice ERC-1404: a readable message for a reason code.
    function messageForTransferRestriction(uint8 code) external pure returns (string memory) {
        return R.message(code);
    }

    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(IERC20).interfaceId || interfaceId == type(IAssetToken).interfaceId
            || super.supportsInterface(interfaceId);
    }

    /// @dev The one compliance hook: mint checks the receiver and the authorised shares, a transfer
    /// checks the pause and both parties, a burn checks nothing.
    function _update(address from, address to, uint256 value) internal override {
        uint8 code;
        if (from == address(0)) {
            uint256 supply = totalSupply() + value;
            if (supply > _sharesAuthorised) revert AssetExceedsAuthorised(supply, _sharesAuthorised);
            code = _receiverRestriction(_registry.wallet(to));
        } else if (to != address(0)) {
            if (_paused) revert AssetTransferRestricted(from, to, value, R.PAUSED);
            (IInvestorRegistry.Wallet memory sender, IInvestorRegistry.Wallet memory receiver) =
                _registry.transferParties(from, to);
            code = _partiesRestriction(sender, receiver);
        }
        if (code != R.SUCCESS) revert AssetTransferRestricted(from, to, value, code);
        super._update(from, to, value);
    }

    function _partiesRestriction(IInvestorRegistry.Wallet memory sender, IInvestorRegistry.Wallet memory receiver)
        private
        view
        returns (uint8)
    {
        if (sender.investor == 0) return R.SENDER_NOT_REGISTERED;
        if (sender.revoked) return R.SENDER_REVOKED;
        if (sender.kycExpiry <= block.timestamp) return R.SENDER_KYC_EXPIRED;
        return _receiverRestriction(receiver);
    }

    function _receiverRestriction(IInvestorRegistry.Wallet memory receiver) private view returns (uint8) {
        if (receiver.investor == 0) return R.RECEIVER_NOT_REGISTERED;
        if (receiver.revoked) return R.RECEIVER_REVOKED;
        if (receiver.kycExpiry <= block.timestamp) return R.RECEIVER_KYC_EXPIRED;
        return R.SUCCESS;
    }

    function _checkLengths(uint256 accounts, uint256 amounts) private pure {
        if (accounts != amounts) revert AssetBatchLengthMismatch(accounts, amounts);
    }
}
