// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantERC20
/// @notice TEST ONLY. A hostile ERC-20 with two switches:
///         - armed, its next `transfer` or `transferFrom` calls back into a preset target with preset calldata,
///           before or after the balances move (as an ERC-777 style hook would), once, and records the outcome;
///         - `transfer` and/or `transferFrom` can be made to move nothing and return false instead of reverting,
///           as some legacy tokens do. `SafeERC20` must turn that into a revert.
///         The token contract can also act as an account of its own (`execute`), so that a reentry comes from the
///         payer or creditor itself. Anyone can mint.
contract ReentrantERC20 is ERC20 {
    address private _target;
    bytes private _reentryCall;
    bool private _beforeMove;
    bool private _transferReturnsFalse;
    bool private _transferFromReturnsFalse;
    bool private _attempted;
    bool private _reentrySucceeded;
    bytes private _reentryRevertData;

    constructor() ERC20("Reentrant Token", "REENTER") {}

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms one reentry: the next `transfer` or `transferFrom` calls `target` with `reentryCall` (empty
    ///         calldata disarms), before the balances move if `beforeMove`, after them otherwise. Clears the
    ///         recorded outcome.
    function arm(address target, bytes calldata reentryCall, bool beforeMove) external {
        _target = target;
        _reentryCall = reentryCall;
        _beforeMove = beforeMove;
        _attempted = false;
        _reentrySucceeded = false;
        delete _reentryRevertData;
    }

    /// @notice Makes `transfer` and/or `transferFrom` move nothing and return false.
    function setReturnsFalse(bool onTransfer, bool onTransferFrom) external {
        _transferReturnsFalse = onTransfer;
        _transferFromReturnsFalse = onTransferFrom;
    }

    /// @notice Calls `target` with `data` as this contract (to approve, deposit, request or finalize a withdrawal
    ///         as an account), bubbling a revert up unchanged.
    function execute(address target, bytes calldata data) external {
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @notice Whether the armed reentry was tried, whether it succeeded, and its revert data.
    function outcome() external view returns (bool attempted, bool succeeded, bytes memory revertData) {
        return (_attempted, _reentrySucceeded, _reentryRevertData);
    }

    /// @notice `ERC20.transfer`, unless switched to return false; runs the armed reentry around the move.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (_transferReturnsFalse) return false;
        _reenter(true);
        bool ok = super.transfer(to, value);
        _reenter(false);
        return ok;
    }

    /// @notice `ERC20.transferFrom`, unless switched to return false; runs the armed reentry around the move.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (_transferFromReturnsFalse) return false;
        _reenter(true);
        bool ok = super.transferFrom(from, to, value);
        _reenter(false);
        return ok;
    }

    /// @dev Runs the armed reentry once, at the armed moment, and records its outcome.
    function _reenter(bool beforeMove) private {
        if (_reentryCall.length == 0 || _attempted || beforeMove != _beforeMove) return;
        _attempted = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = _target.call(_reentryCall);
        _reentrySucceeded = ok;
        _reentryRevertData = ret;
    }
}
