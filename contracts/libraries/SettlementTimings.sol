// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {CycleSchedule} from "./CycleSchedule.sol";

/// @title SettlementTimings
/// @notice The one timing invariant shared by the vault and the ClearingHouse (docs/protocol.md §7), checked by every
///         setter of either contract against the other's values:
///         1. `cycleLength + resolutionCutoff + commitDelay + paymentWindow + finalityWindow + SEIZURE_MARGIN
///            + synchronizationDelay < withdrawalDelay`: a payer that asks to withdraw after signing a request of a
///            cycle can be seized for that cycle's net debit before the withdrawal can be finalized;
///         2. `cycleLength + resolutionCutoff + commitDelay + paymentWindow + finalityWindow < guaranteeExpiry`:
///            every V1 liveness fallback window (from a missed cycle's finality deadline to its guarantees' expiry)
///            is non-empty.
/// @dev The schedule side is every segment that still decides something: the one in force, every later (scheduled)
///      one, and the one before while its last cycles can still be settled or fall back.
library SettlementTimings {
    /// @notice Time after a cycle's payment deadline reserved for keepers to prove signed requests and mark
    ///         defaults (1 hour). Inside it a default must be covered by the proven signed amount in full.
    uint256 internal constant SEIZURE_MARGIN = 1 hours;

    /// @notice Invariant 1 fails: a withdrawal requested just after a request was signed could be finalized
    ///         (`synchronizationDelay + withdrawalDelay` bound) before that cycle's seizure deadline
    ///         (`settlementHorizon` = cycle + cutoff + commit delay + payment + finality windows + seizure margin).
    error SettlementTimingsWithdrawalBeforeSeizure(
        uint256 settlementHorizon,
        uint256 synchronizationDelay,
        uint256 withdrawalDelay
    );
    /// @notice Invariant 2 fails: the V1 fallback opens `fallbackOpensAfter` seconds after a cycle starts, not
    ///         before its guarantees expire (`guaranteeExpiry`).
    error SettlementTimingsEmptyV1Fallback(uint256 fallbackOpensAfter, uint256 guaranteeExpiry);

    /// @notice Reverts unless the phase lengths `p` and the vault timings meet both invariants.
    function check(
        CycleSchedule.Params memory p,
        uint64 guaranteeExpiry,
        uint64 withdrawalDelay,
        uint64 synchronizationDelay
    ) internal pure {
        // Five uint32 values: no overflow in uint256.
        uint256 fallbackOpensAfter =
            uint256(p.cycleLength) + p.resolutionCutoff + p.commitDelay + p.paymentWindow + p.finalityWindow;
        if (fallbackOpensAfter >= guaranteeExpiry) {
            revert SettlementTimingsEmptyV1Fallback(fallbackOpensAfter, guaranteeExpiry);
        }
        uint256 horizon = fallbackOpensAfter + SEIZURE_MARGIN;
        if (horizon + synchronizationDelay >= withdrawalDelay) {
            revert SettlementTimingsWithdrawalBeforeSeizure(horizon, synchronizationDelay, withdrawalDelay);
        }
    }

    /// @notice {check} for every segment of `segments` that still decides something at time `t`.
    function checkSchedule(
        CycleSchedule.Segment[] memory segments,
        uint256 t,
        uint64 guaranteeExpiry,
        uint64 withdrawalDelay,
        uint64 synchronizationDelay
    ) internal pure {
        uint256 n = segments.length;
        // The segment in force at `t` (the genesis one before genesis).
        uint256 current = 0;
        for (uint256 i = n; i > 0; --i) {
            if (segments[i - 1].startTime <= t) {
                current = i - 1;
                break;
            }
        }
        uint256 first = current;
        if (current > 0) {
            // The previous segment's last cycle ends where the current one starts; its guarantees can be seized or
            // fall back until `settlementHorizon + guaranteeExpiry` after that.
            CycleSchedule.Segment memory prev = segments[current - 1];
            uint256 tail =
                uint256(prev.resolutionCutoff) +
                    prev.commitDelay +
                    prev.paymentWindow +
                    prev.finalityWindow +
                    SEIZURE_MARGIN +
                    guaranteeExpiry;
            if (t < uint256(segments[current].startTime) + tail) first = current - 1;
        }
        for (uint256 i = first; i < n; ++i) {
            check(paramsOf(segments[i]), guaranteeExpiry, withdrawalDelay, synchronizationDelay);
        }
    }

    /// @notice The phase lengths of a segment.
    function paramsOf(CycleSchedule.Segment memory s) internal pure returns (CycleSchedule.Params memory) {
        return
            CycleSchedule.Params(s.cycleLength, s.resolutionCutoff, s.commitDelay, s.paymentWindow, s.finalityWindow);
    }
}
