// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";

import {IClearingHouseOracle} from "./interfaces/IClearingHouseOracle.sol";
import {IClearingHouseSchedule} from "./interfaces/IClearingHouseSchedule.sol";
import {CycleSchedule} from "./libraries/CycleSchedule.sol";

/// @title ClearingHouseSchedule
/// @notice The ClearingHouse's cycle schedule: storage, governance changes and views (docs/protocol.md §6).
abstract contract ClearingHouseSchedule is IClearingHouseSchedule, AccessManaged {
    using CycleSchedule for CycleSchedule.Segment;
    using CycleSchedule for CycleSchedule.Segment[];

    /// @inheritdoc IClearingHouseSchedule
    uint256 public constant SCHEDULE_CHANGE_NOTICE = 5 minutes;

    CycleSchedule.Segment[] private _segments;

    constructor(uint48 genesis, CycleSchedule.Params memory params) {
        _checkParams(params);
        _addSegment(CycleSchedule.toSegment(genesis, 0, params));
    }

    /// @inheritdoc IClearingHouseSchedule
    function setSchedule(uint48 startTime, CycleSchedule.Params calldata params) external restricted {
        _checkParams(params);
        _checkSettlementTimings(params);
        uint256 earliest = earliestScheduleChange();
        if (startTime < earliest) revert ClearingHouseScheduleStartTooEarly(startTime, earliest);
        // Drop segments that start at or after `startTime`: they start after `now + notice` (because
        // `startTime >= earliest`), so none of their cycles has begun. The genesis segment is never dropped:
        // `earliest` is at least one cycle after genesis.
        while (_segments[_segments.length - 1].startTime >= startTime) _segments.pop();
        CycleSchedule.Segment memory last = _segments[_segments.length - 1];
        if (!last.isBoundary(startTime)) revert ClearingHouseScheduleStartNotOnBoundary(startTime);
        uint256 firstCycleId = last.cycleOf(startTime);
        if (firstCycleId > CycleSchedule.MAX_CYCLE_ID) revert ClearingHouseCycleIdOutOfRange(firstCycleId);
        // The cast is safe: checked against MAX_CYCLE_ID (uint48) just above.
        _addSegment(CycleSchedule.toSegment(startTime, uint48(firstCycleId), params));
    }

    /// @inheritdoc IClearingHouseSchedule
    function earliestScheduleChange() public view returns (uint256) {
        uint256 t = block.timestamp + SCHEDULE_CHANGE_NOTICE;
        uint256 genesis = _segments[0].startTime;
        if (t < genesis) t = genesis;
        (, uint256 index) = _segments.segmentAt(t);
        CycleSchedule.Segment memory s = _segments[index];
        return s.cycleStart(s.cycleOf(t)) + s.cycleLength;
    }

    /// @inheritdoc IClearingHouseSchedule
    function scheduleSegments() external view returns (CycleSchedule.Segment[] memory) {
        return _segments;
    }

    /// @inheritdoc IClearingHouseSchedule
    function currentCycle() external view returns (uint256) {
        return _cycleOf(block.timestamp);
    }

    /// @inheritdoc IClearingHouseSchedule
    function cycleDeadlines(uint256 cycleId) external view returns (CycleSchedule.Deadlines memory) {
        return _deadlines(cycleId);
    }

    /// @inheritdoc IClearingHouseOracle
    /// @dev Reverts `ClearingHouseBeforeGenesis` before genesis.
    function cycleOf(uint64 t) external view returns (uint256) {
        return _cycleOf(t);
    }

    function _cycleOf(uint256 t) internal view returns (uint256) {
        (bool found, uint256 index) = _segments.segmentAt(t);
        if (!found) revert ClearingHouseBeforeGenesis(t, _segments[0].startTime);
        return _segments[index].cycleOf(t);
    }

    function _deadlines(uint256 cycleId) internal view returns (CycleSchedule.Deadlines memory) {
        if (cycleId > CycleSchedule.MAX_CYCLE_ID) revert ClearingHouseCycleIdOutOfRange(cycleId);
        return _segments[_segments.segmentOfCycle(cycleId)].deadlines(cycleId);
    }

    /// @dev The shared timing invariant ({SettlementTimings}) of new phase lengths against the vault's timings.
    function _checkSettlementTimings(CycleSchedule.Params memory params) internal view virtual;

    function _addSegment(CycleSchedule.Segment memory s) private {
        _segments.push(s);
        emit ScheduleSegmentAdded(
            s.firstCycleId,
            s.startTime,
            s.cycleLength,
            s.resolutionCutoff,
            s.commitDelay,
            s.paymentWindow,
            s.finalityWindow
        );
    }

    function _checkParams(CycleSchedule.Params memory p) private pure {
        if (p.cycleLength == 0 || p.commitDelay == 0 || p.paymentWindow == 0) {
            revert ClearingHouseInvalidScheduleParams(
                p.cycleLength,
                p.resolutionCutoff,
                p.commitDelay,
                p.paymentWindow,
                p.finalityWindow
            );
        }
    }
}
