// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSchedule} from "../../contracts/interfaces/IClearingHouseSchedule.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {MockCore4MicaSettlement} from "../../contracts/mocks/MockCore4MicaSettlement.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

contract ClearingHouseCommitTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    bytes32 internal constant ROOT = keccak256("root");
    bytes32 internal constant BATCH = keccak256("batch");

    function _commitRaw(uint256 debit, uint256 credit, uint32 nd, uint32 nc, bytes32 root) internal {
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, root, debit, credit, nd, nc, BATCH, _noV2());
    }

    /// @dev Two netted guarantees in the mock vault's encoding `(id, user, amount)`: d1 owes 1, d2 owes 2.
    function _ids(bytes32 a, bytes32 b) internal view returns (ICore4MicaSettlement.NettedGuarantee[] memory gs) {
        gs = new ICore4MicaSettlement.NettedGuarantee[](2);
        gs[0] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(a, d1, uint256(1)), "");
        gs[1] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(b, d2, uint256(2)), "");
    }

    function test_commitCycle_storesTheCommitAndEmits() external {
        _warpToCommit(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.CycleCommitted(CYCLE_ID, ETH, ROOT, 6 ether, 3, 3, BATCH, 0);
        _commitRaw(6 ether, 6 ether, 3, 3, ROOT);

        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        require(s.committed && !s.finalized, "flags");
        require(s.root == ROOT && s.totalNet == 6 ether, "root/total");
        require(s.debtorCount == 3 && s.resolvedDebtors == 0, "counts");
        require(s.paidIn == 0 && s.covered == 0 && s.claimedOut == 0, "running totals");
        require(s.paymentDeadline == d.paymentDeadline && s.finalityDeadline == d.finalityDeadline, "deadlines");
        require(!ch.getCycle(CYCLE_ID, address(token)).committed, "other asset untouched");
        require(!ch.getCycle(CYCLE_ID + 1, ETH).committed, "other cycle untouched");
    }

    function test_commitCycle_acceptsBothEdgesOfTheWindow() external {
        vm.warp(_d(CYCLE_ID).resolutionCutoff);
        _commitRaw(1, 1, 1, 1, ROOT);
        vm.warp(_d(CYCLE_ID + 1).commitDeadline);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID + 1, ETH, ROOT, 1, 1, 1, 1, BATCH, _noV2());
        require(ch.getCycle(CYCLE_ID + 1, ETH).committed, "committed at the deadline");
    }

    function test_commitCycle_acceptsAnEmptyCycle() external {
        _warpToCommit(CYCLE_ID);
        _commitRaw(0, 0, 0, 0, bytes32(0));
        require(ch.getCycle(CYCLE_ID, ETH).committed, "empty commit");
        require(ch.v1FallbackOpensAt(CYCLE_ID, ETH) == 0, "no fallback");
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, ETH);
        require(ch.getCycle(CYCLE_ID, ETH).finalized, "empty cycle finalizes");
    }

    function test_commitCycle_sameCycleOtherAssetIsIndependent() external {
        _warpToCommit(CYCLE_ID);
        _commitRaw(1, 1, 1, 1, ROOT);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, address(token), ROOT, 2, 2, 1, 1, BATCH, _noV2());
        require(ch.getCycle(CYCLE_ID, address(token)).totalNet == 2, "token cycle");
    }

    function test_commitCycle_revertsWhenBeforeTheCutoff() external {
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        vm.warp(d.resolutionCutoff - 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseOutsideCommitWindow.selector,
                CYCLE_ID,
                d.resolutionCutoff - 1,
                d.resolutionCutoff,
                d.commitDeadline
            )
        );
        _commitRaw(1, 1, 1, 1, ROOT);
    }

    function test_commitCycle_revertsWhenAfterTheCommitDeadline() external {
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        vm.warp(d.commitDeadline + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseOutsideCommitWindow.selector,
                CYCLE_ID,
                d.commitDeadline + 1,
                d.resolutionCutoff,
                d.commitDeadline
            )
        );
        _commitRaw(1, 1, 1, 1, ROOT);
    }

    function test_commitCycle_revertsWhenTheCycleIsStillOpen() external {
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        vm.warp(d.start + 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseOutsideCommitWindow.selector,
                CYCLE_ID,
                d.start + 1,
                d.resolutionCutoff,
                d.commitDeadline
            )
        );
        _commitRaw(1, 1, 1, 1, ROOT);
    }

    function test_commitCycle_revertsWhenAlreadyCommitted() external {
        _warpToCommit(CYCLE_ID);
        _commitRaw(1, 1, 1, 1, ROOT);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleAlreadyCommitted.selector, CYCLE_ID, ETH)
        );
        _commitRaw(2, 2, 1, 1, keccak256("other root"));
    }

    function test_commitCycle_revertsWhenTotalsDiffer() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseUnbalancedTotals.selector, 6 ether, 6 ether - 1)
        );
        _commitRaw(6 ether, 6 ether - 1, 3, 3, ROOT);
    }

    function test_commitCycle_revertsWhenDebitWithoutDebtors() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInconsistentCounts.selector, 5, 0, 2));
        _commitRaw(5, 5, 0, 2, ROOT);
    }

    function test_commitCycle_revertsWhenDebitWithoutCreditors() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInconsistentCounts.selector, 5, 2, 0));
        _commitRaw(5, 5, 2, 0, ROOT);
    }

    function test_commitCycle_revertsWhenCountsWithoutDebit() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInconsistentCounts.selector, 0, 1, 1));
        _commitRaw(0, 0, 1, 1, bytes32(0));
    }

    function test_commitCycle_revertsWhenRootIsZeroForPositions() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInvalidRoot.selector, bytes32(0), 5));
        _commitRaw(5, 5, 1, 1, bytes32(0));
    }

    function test_commitCycle_revertsWhenRootIsSetForAnEmptyCycle() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseInvalidRoot.selector, ROOT, 0));
        _commitRaw(0, 0, 0, 0, ROOT);
    }

    function test_commitCycle_revertsWhenTheTotalExceedsUint112() external {
        _warpToCommit(CYCLE_ID);
        uint256 tooLarge = uint256(type(uint112).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 112, tooLarge));
        _commitRaw(tooLarge, tooLarge, 1, 1, ROOT);
    }

    function test_commitCycle_revertsWhenTheCycleIdIsOutOfRange() external {
        uint256 id = uint256(type(uint48).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(IClearingHouseSchedule.ClearingHouseCycleIdOutOfRange.selector, id));
        vm.prank(operator);
        ch.commitCycle(id, ETH, ROOT, 1, 1, 1, 1, BATCH, _noV2());
    }

    function test_commitCycle_revertsWhenCallerIsNotTheOperator() external {
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, stranger));
        vm.prank(stranger);
        ch.commitCycle(CYCLE_ID, ETH, ROOT, 1, 1, 1, 1, BATCH, _noV2());
    }

    function test_commitCycle_revertsWhenPaused() external {
        vm.prank(guardian);
        ch.pause();
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        _commitRaw(1, 1, 1, 1, ROOT);
        vm.prank(governance);
        ch.unpause();
        _commitRaw(1, 1, 1, 1, ROOT);
        require(ch.getCycle(CYCLE_ID, ETH).committed, "commits again after unpause");
    }

    function test_commitCycle_consumesTheNettedV2Guarantees() external {
        _warpToCommit(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.CycleCommitted(CYCLE_ID, ETH, ROOT, 1, 1, 1, BATCH, 2);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, ROOT, 1, 1, 1, 1, BATCH, _ids("g1", "g2"));
        require(vault.isConsumed("g1") && vault.isConsumed("g2"), "consumed");
        // Each netted amount counts towards its payer's signed amount of this (cycle, asset) only.
        require(ch.nettedSignedAmount(CYCLE_ID, ETH, d1) == 1 && ch.nettedSignedAmount(CYCLE_ID, ETH, d2) == 2, "v2");
        require(ch.provenSignedAmount(CYCLE_ID, ETH, d2, stranger) == 2, "any prover sees the V2 part");
        require(ch.nettedSignedAmount(CYCLE_ID, address(token), d1) == 0, "other asset");
        // Route B can no longer redeem a netted V2 guarantee.
        vm.expectRevert(
            abi.encodeWithSelector(MockCore4MicaSettlement.Core4MicaGuaranteeAlreadyConsumed.selector, bytes32("g2"))
        );
        vault.redeem("g2");
    }

    function test_commitCycle_passesTheSeizureDeadlineToTheVault() external {
        _warpToCommit(CYCLE_ID);
        uint256 seizableUntil = _d(CYCLE_ID).paymentDeadline + ch.SEIZURE_MARGIN();
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, ROOT, 1, 1, 1, 1, BATCH, _ids("g1", "g2"));
        require(vault.lastSeizableUntil() == seizableUntil, "payment deadline + margin");
    }

    function test_commitCycle_anEmptyListConsumesNothing() external {
        _warpToCommit(CYCLE_ID);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, bytes32(0), 0, 0, 0, 0, BATCH, _noV2());
        require(!vault.isConsumed("g1") && ch.nettedSignedAmount(CYCLE_ID, ETH, d1) == 0, "nothing consumed");
    }

    function test_commitCycle_revertsWhenAV2GuaranteeWasAlreadyRedeemed() external {
        vault.redeem("g2");
        _warpToCommit(CYCLE_ID);
        vm.expectRevert(
            abi.encodeWithSelector(MockCore4MicaSettlement.Core4MicaGuaranteeAlreadyConsumed.selector, bytes32("g2"))
        );
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, ROOT, 1, 1, 1, 1, BATCH, _ids("g1", "g2"));
        require(!ch.getCycle(CYCLE_ID, ETH).committed && !vault.isConsumed("g1"), "nothing committed");
    }

    function test_commitCycle_revertsWhenAV2GuaranteeIsNettedTwice() external {
        _warpToCommit(CYCLE_ID);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, ROOT, 1, 1, 1, 1, BATCH, _ids("g1", "g2"));
        vm.expectRevert(
            abi.encodeWithSelector(MockCore4MicaSettlement.Core4MicaGuaranteeAlreadyConsumed.selector, bytes32("g1"))
        );
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, address(token), ROOT, 1, 1, 1, 1, BATCH, _ids("g1", "g3"));
    }

    function test_v1FallbackOpensAt_isZeroUntilTheCommitDeadlineThenTheFinalityDeadline() external {
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        vm.warp(d.commitDeadline);
        require(ch.v1FallbackOpensAt(CYCLE_ID, ETH) == 0, "may still be committed");
        vm.warp(d.commitDeadline + 1);
        require(ch.v1FallbackOpensAt(CYCLE_ID, ETH) == d.finalityDeadline, "missed");
    }

    function test_v1FallbackOpensAt_isZeroForACommittedCycle() external {
        _warpToCommit(CYCLE_ID);
        _commitRaw(1, 1, 1, 1, ROOT);
        vm.warp(_d(CYCLE_ID).finalityDeadline + 1 days);
        require(ch.v1FallbackOpensAt(CYCLE_ID, ETH) == 0, "committed");
        require(ch.v1FallbackOpensAt(CYCLE_ID, address(token)) == _d(CYCLE_ID).finalityDeadline, "other asset missed");
    }

    function test_v1FallbackOpensAt_followsAMissedCommitWhilePaused() external {
        vm.prank(guardian);
        ch.pause();
        vm.warp(_d(CYCLE_ID).commitDeadline + 1);
        require(ch.v1FallbackOpensAt(CYCLE_ID, ETH) == _d(CYCLE_ID).finalityDeadline, "missed while paused");
    }
}
