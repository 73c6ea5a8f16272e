// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ReentrantRecipient
/// @notice TEST ONLY. On receiving ETH it calls back into the vault with preset calldata (a `remunerate` or a
///         `finalizeWithdrawal`) and records the outcome; it then accepts the ETH, or refuses it if told to.
contract ReentrantRecipient {
    address private _target;
    bytes private _reentryCall;
    bool private _refuse;
    bool private _attempted;
    bool private _reentrySucceeded;
    bytes private _reentryRevertData;

    /// @notice Sets what to call on the next ETH receipt (empty calldata = do nothing).
    function arm(address target, bytes calldata reentryCall) external {
        _target = target;
        _reentryCall = reentryCall;
    }

    /// @notice Makes `receive` revert, to test that a failed ETH payment reverts the payer side.
    function setRefuse(bool refuse) external {
        _refuse = refuse;
    }

    /// @notice Forwards a call (to deposit or request a withdrawal as a payer).
    function execute(address target, uint256 value, bytes calldata data) external payable {
        (bool ok, bytes memory ret) = target.call{value: value}(data);
        if (!ok) {
            // Bubble the revert reason up unchanged.
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    /// @notice Whether a reentry was tried, whether it succeeded, and its revert data.
    function outcome() external view returns (bool attempted, bool succeeded, bytes memory revertData) {
        return (_attempted, _reentrySucceeded, _reentryRevertData);
    }

    /// @dev Deliberately complex: the reentry attempt is the point of this mock.
    // solhint-disable-next-line no-complex-fallback
    receive() external payable {
        require(!_refuse, "refused"); // solhint-disable-line gas-custom-errors
        if (_reentryCall.length == 0 || _attempted) return;
        _attempted = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory ret) = _target.call(_reentryCall);
        _reentrySucceeded = ok;
        _reentryRevertData = ret;
    }
}
