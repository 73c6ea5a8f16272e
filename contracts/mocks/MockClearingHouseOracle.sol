// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouseOracle} from "../interfaces/IClearingHouseOracle.sol";
import {CycleSchedule} from "../libraries/CycleSchedule.sol";

/// @title MockClearingHouseOracle
/// @notice TEST ONLY. A settable stand-in for the ClearingHouse: cycles of `cycleLength` seconds from `genesis`,
///         V1 fallback opening times set per (cycle, asset), and it accepts the ETH the vault sends it on seizure.
///         Its schedule (for the vault's timing checks) is one segment with short phases: 1 h cutoff, 15 min commit
///         delay, 1 h payment and 1 h finality windows.
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

    /// @notice The one-segment schedule the vault checks its timings against.
    function scheduleSegments() external view returns (CycleSchedule.Segment[] memory segments) {
        segments = new CycleSchedule.Segment[](1);
        segments[0] = CycleSchedule.Segment(
            uint48(_genesis),
            0,
            uint32(_cycleLength),
            1 hours,
            15 minutes,
            1 hours,
            1 hours
        );
    }

    /// @dev Receives seized ETH.
    receive() external payable {}
}
