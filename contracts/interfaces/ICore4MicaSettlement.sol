// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title ICore4MicaSettlement
/// @notice The vault functions that only the ClearingHouse may call.
interface ICore4MicaSettlement {
    /// @notice Marks guarantee ids as paid by netting. Reverts `Core4MicaGuaranteeAlreadyConsumed(id)` if any
    ///         was already consumed (redeemed directly or netted before), so one guarantee is paid once.
    function consumeGuarantees(bytes32[] calldata guaranteeIds) external;

    /// @notice Moves up to `amount` of `user`'s `asset` collateral to the ClearingHouse to cover a default.
    /// @return seized What was moved: `min(amount, collateral)`.
    function seizeCollateral(address user, address asset, uint256 amount) external returns (uint256 seized);

    /// @notice Whether a guarantee id has been paid (by redemption or by netting).
    function isConsumed(bytes32 guaranteeId) external view returns (bool);
}
