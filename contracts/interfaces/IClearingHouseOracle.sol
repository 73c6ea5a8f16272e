// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title IClearingHouseOracle
/// @notice What the vault asks the ClearingHouse to decide the V1 liveness fallback (docs/protocol.md §5).
interface IClearingHouseOracle {
    /// @notice The cycle that contains timestamp `t`.
    function cycleOf(uint64 t) external view returns (uint256 cycleId);

    /// @notice When V1 certificates of (`cycleId`, `asset`) become redeemable directly from collateral.
    /// @return opensAt The cycle's finality deadline if the (cycle, asset) missed its commit deadline without
    ///         a commit; 0 while it is committed or may still be committed.
    function v1FallbackOpensAt(uint256 cycleId, address asset) external view returns (uint64 opensAt);
}
