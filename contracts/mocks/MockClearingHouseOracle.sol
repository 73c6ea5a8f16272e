// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouseOracle} from "../interfaces/IClearingHouseOracle.sol";

/// @title MockClearingHouseOracle
/// @notice TEST ONLY. A settable stand-in for the ClearingHouse: cycles of `cycleLength` seconds from `genesis`,
///         V1 fallback opening times set per (cycle, asset), and it accepts the ETH the vault sends it on seizure.
contract MockClearingHouseOracle is IClearingHouseOracle {
    uint64 private _genesis;
    uint64 private _cycleLength;
    mapping(uint256 cycleId => mapping(address asset => uint64)) private _opensAt;

    constructor(uint64 genesis_, uint64 cycleLength_) {
        _genesis = genesis_;
        _cycleLength = cycleLength_;
    }

    /// @notice Sets when V1 certificates of (`cycleId`, `asset`) become redeemable (0 = not missed).
    function setV1FallbackOpensAt(uint256 cycleId, address asset, uint64 opensAt) external {
        _opensAt[cycleId][asset] = opensAt;
    }

    /// @inheritdoc IClearingHouseOracle
    function cycleOf(uint64 t) external view returns (uint256) {
        return (t - _genesis) / _cycleLength;
    }

    /// @inheritdoc IClearingHouseOracle
    function v1FallbackOpensAt(uint256 cycleId, address asset) external view returns (uint64) {
        return _opensAt[cycleId][asset];
    }

    /// @dev Receives seized ETH.
    receive() external payable {}
}
