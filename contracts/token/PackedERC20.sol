// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Context} from "@openzeppelin/contracts/utils/Context.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

/// @title PackedERC20
/// @notice OpenZeppelin's ERC20 behaviour (same functions, events, EIP-6093 errors and virtual
/// {_update} hook) over a different storage layout: each holder's balance shares one slot with 160
/// bits the subclass keeps per holder (for AssetToken: compliance data and flags), so reading them
/// on a transfer costs no extra storage read (Centrifuge's technique).
/// @dev Balances are uint96: a subclass must keep the total supply within `type(uint96).max`
/// (7.9e28 base units), which {_update} enforces on mint.
abstract contract PackedERC20 is Context, IERC20, IERC20Metadata, IERC20Errors {
    /// @dev One storage slot per holder.
    struct Account {
        uint96 balance;
        uint160 meta;
    }

    /// @dev The total supply, with 160 bits the subclass keeps beside it (for AssetToken: the
    /// authorised shares and the holder counts, read by every issuance anyway).
    struct Supply {
        uint96 total;
        uint160 meta;
    }

    /// @dev Minting `amount` would take the `supply` past what a uint96 balance can hold.
    error PackedERC20SupplyOverflow(uint256 supply, uint256 amount);

    mapping(address account => Account) private _accounts;
    mapping(address account => mapping(address spender => uint256)) private _allowances;
    Supply private _supply;
    string private _name;
    string private _symbol;

    constructor(string memory name_, string memory symbol_) {
        _name = name_;
        _symbol = symbol_;
    }

    function name() public view virtual returns (string memory) {
        return _name;
    }

    function symbol() public view virtual returns (string memory) {
        return _symbol;
    }

    function decimals() public view virtual returns (uint8) {
        return 18;
    }

    function totalSupply() public view virtual returns (uint256) {
        return _supply.total;
    }

    function balanceOf(address account) public view virtual returns (uint256) {
        return _accounts[account].balance;
    }

    function transfer(address to, uint256 value) public virtual returns (bool) {
        _transfer(_msgSender(), to, value);
        return true;
    }

    function allowance(address owner, address spender) public view virtual returns (uint256) {
        return _allowances[owner][spender];
    }

    function approve(address spender, uint256 value) public virtual returns (bool) {
        _approve(_msgSender(), spender, value);
        return true;
    }

    function transferFrom(address from, address to, uint256 value) public virtual returns (bool) {
        _spendAllowance(from, _msgSender(), value);
        _transfer(from, to, value);
        return true;
    }

    /// @dev The holder's slot, for subclasses that read or set its `meta` bits.
    function _account(address account) internal view returns (Account storage) {
        return _accounts[account];
    }

    /// @dev The supply slot, for subclasses that read or set its `meta` bits.
    function _supplySlot() internal view returns (Supply storage) {
        return _supply;
    }

    function _transfer(address from, address to, uint256 value) internal {
        if (from == address(0)) revert ERC20InvalidSender(address(0));
        if (to == address(0)) revert ERC20InvalidReceiver(address(0));
        _update(from, to, value);
    }

    function _mint(address account, uint256 value) internal {
        if (account == address(0)) revert ERC20InvalidReceiver(address(0));
        _update(address(0), account, value);
    }

    function _burn(address account, uint256 value) internal {
        if (account == address(0)) revert ERC20InvalidSender(address(0));
        _update(account, address(0), value);
    }

    /// @dev Moves `value` from `from` to `to`, minting if `from` is zero and burning if `to` is zero.
    /// Emits {Transfer}.
    function _update(address from, address to, uint256 value) internal virtual {
        if (from == address(0)) {
            uint256 supply = _supply.total;
            if (value > type(uint96).max - supply) revert PackedERC20SupplyOverflow(supply, value);
            // supply + value <= type(uint96).max, checked just above.
            unchecked {
                _supply.total = uint96(supply + value);
            }
        } else {
            Account storage sender = _accounts[from];
            uint256 balance = sender.balance;
            if (balance < value) revert ERC20InsufficientBalance(from, balance, value);
            // value <= balance, checked just above.
            unchecked {
                sender.balance = uint96(balance - value);
            }
        }
        if (to == address(0)) {
            // value <= a balance <= the total supply.
            unchecked {
                _supply.total -= uint96(value);
            }
        } else {
            // Every balance is at most the total supply, which the mint branch keeps within uint96.
            unchecked {
                _accounts[to].balance += uint96(value);
            }
        }
        emit Transfer(from, to, value);
    }

    function _approve(address owner, address spender, uint256 value) internal {
        _approve(owner, spender, value, true);
    }

    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal virtual {
        if (owner == address(0)) revert ERC20InvalidApprover(address(0));
        if (spender == address(0)) revert ERC20InvalidSpender(address(0));
        _allowances[owner][spender] = value;
        if (emitEvent) emit Approval(owner, spender, value);
    }

    function _spendAllowance(address owner, address spender, uint256 value) internal virtual {
        uint256 currentAllowance = allowance(owner, spender);
        if (currentAllowance < type(uint256).max) {
            if (currentAllowance < value) revert ERC20InsufficientAllowance(spender, currentAllowance, value);
            // value <= currentAllowance, checked just above.
            unchecked {
                _approve(owner, spender, currentAllowance - value, false);
            }
        }
    }
}
