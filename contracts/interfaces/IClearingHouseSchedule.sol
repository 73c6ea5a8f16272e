// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {CycleSchedule} from "../libraries/CycleSchedule.sol";
import {IClearingHouseOracle} from "./IClearingHouseOracle.sol";

/// @title IClearingHouseSchedule
/// @notice The on-chain settlement cycle schedule (docs/protocol.md §6): anyone can compute a cycle's deadlines
///         from its id. Cycles are numbered 0, 1, 2, ... from genesis; a schedule change appends a segment that
///         starts at a future cycle boundary, so no cycle that can already hold guarantees moves and ids stay
///         continuous.
interface IClearingHouseSchedule is IClearingHouseOracle {
    /// @notice `t` is before the schedule's genesis: no cycle contains it.
    error ClearingHouseBeforeGenesis(uint256 t, uint256 genesis);
    /// @notice The schedule does not answer for cycle ids above `CycleSchedule.MAX_CYCLE_ID`.
    error ClearingHouseCycleIdOutOfRange(uint256 cycleId);
    /// @notice Phase lengths refused: the cycle length, commit delay and payment window must be non-zero.
    error ClearingHouseInvalidScheduleParams(
        uint32 cycleLength,
        uint32 resolutionCutoff,
        uint32 commitDelay,
        uint32 paymentWindow,
        uint32 finalityWindow
    );
    /// @notice A schedule change must start no earlier than `earliest` (see {earliestScheduleChange}).
    error ClearingHouseScheduleStartTooEarly(uint256 startTime, uint256 earliest);
    /// @notice A schedule change must start on a cycle boundary of the schedule it follows.
    error ClearingHouseScheduleStartNotOnBoundary(uint256 startTime);

    /// @notice A schedule segment was added: cycles from `firstCycleId` start at `startTime` and use these
    ///         phase lengths. Emitted for the genesis segment too. Pending segments that started at or after
    ///         `startTime` were dropped.
    event ScheduleSegmentAdded(
        uint256 indexed firstCycleId,
        uint256 startTime,
        uint32 cycleLength,
        uint32 resolutionCutoff,
        uint32 commitDelay,
        uint32 paymentWindow,
        uint32 finalityWindow
    );

    /// @notice How far ahead of the chain clock a schedule change must leave alone (5 minutes): a change never
    ///         starts before the end of the cycle that contains `now + SCHEDULE_CHANGE_NOTICE`, because a payer may
    ///         sign a request slightly ahead of the chain clock and that cycle must not move under it.
    function SCHEDULE_CHANGE_NOTICE() external view returns (uint256);

    /// @notice Changes the schedule from the cycle boundary `startTime` on. Restricted (GOVERNANCE).
    /// @dev `startTime` must be a boundary of the schedule in force just before it, no earlier than
    ///      {earliestScheduleChange}. Segments not yet started at or after `startTime` are replaced.
    function setSchedule(uint48 startTime, CycleSchedule.Params calldata params) external;

    /// @notice The earliest start a schedule change may have now: the end of the cycle that contains
    ///         `now + 5 minutes` (or genesis, if later).
    function earliestScheduleChange() external view returns (uint256);

    /// @notice Every segment of the schedule, oldest first.
    function scheduleSegments() external view returns (CycleSchedule.Segment[] memory);

    /// @notice The cycle that contains the current block's timestamp.
    function currentCycle() external view returns (uint256 cycleId);

    /// @notice Every timestamp of cycle `cycleId`: start, end and its four deadlines.
    function cycleDeadlines(uint256 cycleId) external view returns (CycleSchedule.Deadlines memory);
}
