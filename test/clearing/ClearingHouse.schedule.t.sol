// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSchedule} from "../../contracts/interfaces/IClearingHouseSchedule.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

contract ClearingHouseScheduleTest is ClearingHouseFixture {
    function _hourly() internal pure returns (CycleSchedule.Params memory) {
        return CycleSchedule.Params(1 hours, 10 minutes, 5 minutes, 20 minutes, 30 minutes);
    }

    function test_cycleOf_numbersCyclesFromGenesis() external view {
        require(ch.cycleOf(GENESIS) == 0, "genesis");
        require(ch.cycleOf(GENESIS + CYCLE - 1) == 0, "last second of 0");
        require(ch.cycleOf(GENESIS + CYCLE) == 1, "first second of 1");
        require(ch.cycleOf(GENESIS + 10 * CYCLE + 5) == 10, "10");
        require(ch.currentCycle() == 0, "current");
    }

    function test_cycleOf_revertsBeforeGenesis() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseBeforeGenesis.selector, GENESIS - 1, GENESIS)
        );
        ch.cycleOf(GENESIS - 1);
    }

    function test_cycleDeadlines_followTheSeedsDefaults() external view {
        CycleSchedule.Deadlines memory d = ch.cycleDeadlines(2);
        require(d.start == GENESIS + 2 days && d.end == GENESIS + 3 days, "bounds");
        require(d.resolutionCutoff == d.end + 6 hours, "cutoff");
        require(d.commitDeadline == d.resolutionCutoff + 15 minutes, "commit");
        require(d.paymentDeadline == d.commitDeadline + 2 hours, "payment");
        require(d.finalityDeadline == d.paymentDeadline + 2 hours, "finality");
    }

    function test_cycleDeadlines_revertsWhenOutOfRange() external {
        uint256 id = CycleSchedule.MAX_CYCLE_ID + 1;
        vm.expectRevert(abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseCycleIdOutOfRange.selector, id));
        ch.cycleDeadlines(id);
    }

    function test_earliestScheduleChange_isTheEndOfTheCycleHoldingNowPlusFiveMinutes() external {
        vm.warp(GENESIS + 3 days + 1 hours);
        require(ch.earliestScheduleChange() == GENESIS + 4 days, "end of the current cycle");
        vm.warp(GENESIS + 4 days - 5 minutes);
        require(ch.earliestScheduleChange() == GENESIS + 5 days, "now + 5 min is in the next cycle");
        vm.warp(GENESIS + 4 days - 5 minutes - 1);
        require(ch.earliestScheduleChange() == GENESIS + 4 days, "one second earlier");
    }

    function test_setSchedule_appendsASegmentWithContinuousIds() external {
        vm.warp(GENESIS + 3 days + 1 hours);
        CycleSchedule.Deadlines memory before = ch.cycleDeadlines(3);
        vm.expectEmit();
        emit IClearingHouseSchedule.ScheduleSegmentAdded(
            4,
            GENESIS + 4 days,
            1 hours,
            10 minutes,
            5 minutes,
            20 minutes,
            30 minutes
        );
        vm.prank(governance);
        ch.setSchedule(GENESIS + 4 days, _hourly());

        CycleSchedule.Deadlines memory same = ch.cycleDeadlines(3);
        require(keccak256(abi.encode(same)) == keccak256(abi.encode(before)), "cycle 3 did not move");
        require(ch.cycleOf(GENESIS + 4 days - 1) == 3, "old segment");
        require(ch.cycleOf(GENESIS + 4 days) == 4, "continuous id");
        require(ch.cycleOf(GENESIS + 4 days + 5 hours + 1) == 9, "hourly");
        CycleSchedule.Deadlines memory d = ch.cycleDeadlines(9);
        require(d.start == GENESIS + 4 days + 5 hours && d.end == d.start + 1 hours, "hourly bounds");
        require(d.resolutionCutoff == d.end + 10 minutes && d.commitDeadline == d.resolutionCutoff + 5 minutes, "c");
        require(d.paymentDeadline == d.commitDeadline + 20 minutes, "p");
        require(d.finalityDeadline == d.paymentDeadline + 30 minutes, "f");
        require(ch.scheduleSegments().length == 2, "two segments");
    }

    function test_setSchedule_replacesASegmentThatHasNotStarted() external {
        vm.prank(governance);
        ch.setSchedule(GENESIS + 10 days, _hourly());
        vm.prank(governance);
        ch.setSchedule(GENESIS + 5 days, CycleSchedule.Params(12 hours, 1 hours, 10 minutes, 1 hours, 1 hours));
        CycleSchedule.Segment[] memory segs = ch.scheduleSegments();
        require(segs.length == 2 && segs[1].startTime == GENESIS + 5 days && segs[1].firstCycleId == 5, "replaced");
        require(ch.cycleOf(GENESIS + 10 days) == 15, "12-hour cycles from day 5");
    }

    function test_setSchedule_chainsAfterAPendingSegment() external {
        vm.prank(governance);
        ch.setSchedule(GENESIS + 2 days, _hourly());
        vm.prank(governance);
        ch.setSchedule(GENESIS + 2 days + 3 hours, defaultParams());
        require(ch.cycleOf(GENESIS + 2 days + 3 hours) == 5, "2 daily + 3 hourly");
        require(ch.cycleOf(GENESIS + 3 days + 3 hours) == 6, "daily again");
    }

    function test_setSchedule_revertsWhenTooEarly() external {
        vm.warp(GENESIS + 3 days + 1 hours);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSchedule.ClearingHouseScheduleStartTooEarly.selector,
                GENESIS + 3 days,
                GENESIS + 4 days
            )
        );
        vm.prank(governance);
        ch.setSchedule(GENESIS + 3 days, _hourly());
    }

    function test_setSchedule_revertsWhenNotOnABoundary() external {
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSchedule.ClearingHouseScheduleStartNotOnBoundary.selector,
                GENESIS + 4 days + 1
            )
        );
        vm.prank(governance);
        ch.setSchedule(GENESIS + 4 days + 1, _hourly());
    }

    function test_setSchedule_revertsWhenParamsAreZero() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseInvalidScheduleParams.selector, 0, 1, 1, 1, 1)
        );
        vm.prank(governance);
        ch.setSchedule(GENESIS + 4 days, CycleSchedule.Params(0, 1, 1, 1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseInvalidScheduleParams.selector, 60, 0, 0, 1, 0)
        );
        vm.prank(governance);
        ch.setSchedule(GENESIS + 4 days, CycleSchedule.Params(60, 0, 0, 1, 0));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseInvalidScheduleParams.selector, 60, 0, 1, 0, 0)
        );
        vm.prank(governance);
        ch.setSchedule(GENESIS + 4 days, CycleSchedule.Params(60, 0, 1, 0, 0));
    }

    function test_setSchedule_revertsWhenCallerIsNotGovernance() external {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, operator));
        vm.prank(operator);
        ch.setSchedule(GENESIS + 4 days, _hourly());
    }

    function test_pause_isGuardianOnlyAndUnpauseGovernanceOnly() external {
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        ch.pause();
        vm.prank(guardian);
        ch.pause();
        require(ch.paused(), "paused");
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, guardian));
        vm.prank(guardian);
        ch.unpause();
        vm.prank(governance);
        ch.unpause();
        require(!ch.paused(), "unpaused");
    }

    function test_constructor_revertsWhenTheVaultIsZero() external {
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInvalidVault.selector, address(0)));
        new ClearingHouse(address(manager), address(0), GENESIS, defaultParams());
    }

    function test_constructor_revertsWhenParamsAreInvalid() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseInvalidScheduleParams.selector, 0, 0, 0, 0, 0)
        );
        new ClearingHouse(address(manager), address(vault), GENESIS, CycleSchedule.Params(0, 0, 0, 0, 0));
    }

    function test_constructor_emitsTheGenesisSegment() external {
        vm.expectEmit();
        emit IClearingHouseSchedule.ScheduleSegmentAdded(
            0,
            GENESIS,
            CYCLE,
            CUTOFF,
            COMMIT_DELAY,
            PAYMENT_WINDOW,
            FINALITY_WINDOW
        );
        ClearingHouse fresh = new ClearingHouse(address(manager), address(vault), GENESIS, defaultParams());
        require(fresh.vault() == address(vault), "vault");
    }

    function test_leafOf_matchesNettingLeaf() external view {
        bytes32 expected = keccak256(
            bytes.concat(keccak256(abi.encode(block.chainid, address(ch), uint256(3), ETH, d1, uint8(0), uint256(7))))
        );
        require(ch.leafOf(3, ETH, d1, 0, 7) == expected, "leaf");
    }

    function testFuzz_cycleOf_containsItsTimestamp(uint64 t) external view {
        t = uint64(GENESIS + (t % (1000 * uint64(CYCLE))));
        uint256 id = ch.cycleOf(t);
        CycleSchedule.Deadlines memory d = ch.cycleDeadlines(id);
        require(d.start <= t && t < d.end, "contains");
    }

    function testFuzz_setSchedule_neverMovesACycleThatMayHoldGuarantees(uint32 nowOffset, uint8 extraCycles) external {
        uint256 nowT = GENESIS + (uint256(nowOffset) % (100 days));
        vm.warp(nowT);
        uint256 exposed = ch.cycleOf(uint64(nowT + 5 minutes));
        CycleSchedule.Deadlines memory before = ch.cycleDeadlines(exposed);
        uint256 start = ch.earliestScheduleChange() + uint256(extraCycles % 4) * CYCLE;
        vm.prank(governance);
        ch.setSchedule(uint48(start), _hourly());
        CycleSchedule.Deadlines memory afterChange = ch.cycleDeadlines(exposed);
        require(keccak256(abi.encode(before)) == keccak256(abi.encode(afterChange)), "unchanged");
        require(ch.cycleOf(uint64(start)) == ch.cycleOf(uint64(start - 1)) + 1, "continuous");
    }
}
