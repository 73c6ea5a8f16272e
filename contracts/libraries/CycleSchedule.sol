// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title CycleSchedule
/// @notice The settlement cycle schedule (docs/protocol.md §6) as a list of segments. Each segment numbers its
///         cycles on from the previous one, so cycle ids stay continuous across schedule changes, and fixes the
///         phase lengths of every cycle that starts inside it.
/// @dev Pure arithmetic plus lookups over a `Segment[]` held by the caller. The caller validates changes
///      (see {ClearingHouseSchedule}); this library never reverts except where documented.
library CycleSchedule {
    /// @notice The phase lengths of a cycle, in seconds.
    struct Params {
        /// @dev Length of a cycle; > 0.
        uint32 cycleLength;
        /// @dev From the cycle's end to its resolution cutoff (when the commit window opens).
        uint32 resolutionCutoff;
        /// @dev From the cutoff to the commit deadline; > 0.
        uint32 commitDelay;
        /// @dev From the commit deadline to the payment deadline; > 0.
        uint32 paymentWindow;
        /// @dev From the payment deadline to the finality deadline.
        uint32 finalityWindow;
    }

    /// @notice A run of equal cycles starting at `startTime` with id `firstCycleId`. Packed into one slot.
    struct Segment {
        uint48 startTime;
        uint48 firstCycleId;
        uint32 cycleLength;
        uint32 resolutionCutoff;
        uint32 commitDelay;
        uint32 paymentWindow;
        uint32 finalityWindow;
    }

    /// @notice Every timestamp of one cycle. The cycle is `[start, end)`; every deadline is inclusive.
    struct Deadlines {
        uint256 start;
        uint256 end;
        uint256 resolutionCutoff;
        uint256 commitDeadline;
        uint256 paymentDeadline;
        uint256 finalityDeadline;
    }

    /// @notice The largest cycle id the schedule answers for. Far beyond any real id (2^48 cycles), small enough
    ///         that no deadline computation can overflow.
    uint256 internal constant MAX_CYCLE_ID = type(uint48).max;

    /// @notice Builds a segment from its start, first id and phase lengths.
    function toSegment(uint48 startTime, uint48 firstCycleId, Params memory p) internal pure returns (Segment memory) {
        return
            Segment({
                startTime: startTime,
                firstCycleId: firstCycleId,
                cycleLength: p.cycleLength,
                resolutionCutoff: p.resolutionCutoff,
                commitDelay: p.commitDelay,
                paymentWindow: p.paymentWindow,
                finalityWindow: p.finalityWindow
            });
    }

    /// @notice Index of the segment in force at time `t`: the last one with `startTime <= t`.
    /// @dev `found` is false when `t` is before the first segment (genesis). Segments are few and the current
    ///      one is last, so a backward scan costs one slot read in the common case.
    function segmentAt(Segment[] storage segments, uint256 t) internal view returns (bool found, uint256 index) {
        for (uint256 i = segments.length; i > 0; --i) {
            if (segments[i - 1].startTime <= t) return (true, i - 1);
        }
        return (false, 0);
    }

    /// @notice Index of the segment that holds cycle `cycleId`: the last one with `firstCycleId <= cycleId`.
    /// @dev The first segment starts at id 0, so every id has a segment.
    function segmentOfCycle(Segment[] storage segments, uint256 cycleId) internal view returns (uint256 index) {
        for (uint256 i = segments.length; i > 1; --i) {
            if (segments[i - 1].firstCycleId <= cycleId) return i - 1;
        }
        return 0;
    }

    /// @notice The cycle of segment `s` that contains `t`. Requires `t >= s.startTime`.
    function cycleOf(Segment memory s, uint256 t) internal pure returns (uint256) {
        return uint256(s.firstCycleId) + (t - s.startTime) / s.cycleLength;
    }

    /// @notice The start of cycle `cycleId` of segment `s`. Requires `s.firstCycleId <= cycleId <= MAX_CYCLE_ID`.
    function cycleStart(Segment memory s, uint256 cycleId) internal pure returns (uint256) {
        // At most 2^48 cycles of at most 2^32 s each after a 48-bit start: far below 2^256.
        return uint256(s.startTime) + (cycleId - s.firstCycleId) * s.cycleLength;
    }

    /// @notice Every timestamp of cycle `cycleId` of segment `s`. Same requirements as {cycleStart}.
    function deadlines(Segment memory s, uint256 cycleId) internal pure returns (Deadlines memory d) {
        d.start = cycleStart(s, cycleId);
        d.end = d.start + s.cycleLength;
        d.resolutionCutoff = d.end + s.resolutionCutoff;
        d.commitDeadline = d.resolutionCutoff + s.commitDelay;
        d.paymentDeadline = d.commitDeadline + s.paymentWindow;
        d.finalityDeadline = d.paymentDeadline + s.finalityWindow;
    }

    /// @notice Whether `t` is a cycle boundary of segment `s` at or after its start.
    function isBoundary(Segment memory s, uint256 t) internal pure returns (bool) {
        return t >= s.startTime && (t - s.startTime) % s.cycleLength == 0;
    }
}
