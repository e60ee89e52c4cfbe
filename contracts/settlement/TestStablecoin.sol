// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

/// @title TestStablecoin
/// @notice A settlement currency for local chains only (the platform deploys it on Anvil, Ganache and
/// the in-process chain, never on a public network, where it settles in a real stablecoin configured by
/// address): a plain ERC-20 with EIP-2612 permit, minted by MINTER_ROLE holders.
/// @dev EIP-2612 is written out here rather than inherited from OpenZeppelin's ERC20Permit: OpenZeppelin
/// 5.7's EIP712 reaches utils/Bytes.sol, which uses `mcopy` (Cancun), and the platform compiles for
/// Shanghai so that one set of artifacts runs on Ganache too. The signed message is EIP-2612's (domain:
/// name, version "1", chain id, this contract), verified with OpenZeppelin's ECDSA and Nonces.
contract TestStablecoin is ERC20, IERC20Permit, Nonces, AccessControl {
    /// @notice Creates new coins.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    bytes32 private constant PERMIT_TYPEHASH =
        keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)");
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    uint8 private immutable _decimals;
    bytes32 private immutable _nameHash;

    /// @dev The permit's deadline has passed.
    error ERC2612ExpiredSignature(uint256 deadline);
    /// @dev The permit was signed by `signer`, not by `owner`.
    error ERC2612InvalidSigner(address signer, address owner);

    /// @param admin Receives DEFAULT_ADMIN_ROLE and MINTER_ROLE.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address admin) ERC20(name_, symbol_) {
        _decimals = decimals_;
        _nameHash = keccak256(bytes(name_));
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(MINTER_ROLE, admin);
    }

    /// @notice Mints `amount` new coins to `to`. Requirements: caller has MINTER_ROLE; `to` is not the
    /// zero address. Emits {Transfer}.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        _mint(to, amount);
    }

    /// @notice EIP-2612: sets `spender`'s allowance over `owner`'s coins to `value` by `owner`'s
    /// signature. Requirements: before `deadline`; signed by `owner` with its current nonce.
    /// Emits {Approval}.
    function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s)
        external
    {
        if (block.timestamp > deadline) revert ERC2612ExpiredSignature(deadline);
        bytes32 structHash = keccak256(abi.encode(PERMIT_TYPEHASH, owner, spender, value, _useNonce(owner), deadline));
        bytes32 digest = keccak256(abi.encodePacked(hex"1901", DOMAIN_SEPARATOR(), structHash));
        address signer = ECDSA.recover(digest, v, r, s);
        if (signer != owner) revert ERC2612InvalidSigner(signer, owner);
        _approve(owner, spender, value);
    }

    /// @notice EIP-2612: the permit's next nonce for `owner`.
    function nonces(address owner) public view override(IERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    /// @notice EIP-712's domain separator, for the current chain id.
    // solhint-disable-next-line func-name-mixedcase
    function DOMAIN_SEPARATOR() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, _nameHash, keccak256("1"), block.chainid, address(this)));
    }

    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}
