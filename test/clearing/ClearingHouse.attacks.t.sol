// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {SettlementTimings} from "../../contracts/libraries/SettlementTimings.sol";
import {MockGuaranteeDecoder} from "../../contracts/mocks/MockGuaranteeDecoder.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";

/// @dev The attacks of issue 7 against the real vault and ClearingHouse, each of which now fails for the attacker.
contract ClearingHouseAttacksTest is ClearingHouseVaultFixture {
    uint256 internal constant ATTACKER_PK = 0xA77AC;
    uint256 internal constant CYCLE_ID = 3;

    address internal attacker;

    function setUp() public override {
        super.setUp();
        attacker = vm.addr(ATTACKER_PK);
        bytes4[] memory sel = new bytes4[](2);
        sel[0] = IClearingHouse.pause.selector;
        sel[1] = IClearingHouse.unpause.selector;
        manager.setTargetFunctionRole(address(ch), sel, GUARDIAN_ROLE);
        _depositEth(payer, 5 ether);
    }

    // ---------------------------------------------------------------- attack 1: the operator alone seizes

    /// @dev The operator commits "payer owes 5 ETH to the attacker"; the payer signed nothing in that cycle, only a
    ///      request in the cycle before.
    function _fabricate() internal returns (Position[] memory ps) {
        ps = _twoPositions(payer, attacker, 5 ether);
        _commit(CYCLE_ID, ETH, ps, _noV2());
    }

    function test_attack1_aFabricatedCommitCannotSeizeInsideTheMargin() external {
        Position[] memory ps = _fabricate();
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + 1);
        vm.prank(attacker);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseSignedAmountTooLow.selector,
                CYCLE_ID,
                ETH,
                payer,
                attacker,
                0,
                5 ether
            )
        );
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, ps[0], attacker));
        vm.assertEq(vault.collateral(payer, ETH), 5 ether, "untouched");
    }

    function test_attack1_noForgedOrReplayedRequestProves() external {
        _fabricate();
        uint64 start = uint64(ch.cycleDeadlines(CYCLE_ID).start);
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        // Signed by the attacker, in the payer's name.
        rs[0] = _request(ATTACKER_PK, attacker, ETH, 1, 5 ether, start);
        vm.prank(attacker);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseInvalidRequestSignature.selector,
                payer,
                _gid(payer, attacker, ETH, 1)
            )
        );
        ch.proveSignedRequests(CYCLE_ID, ETH, payer, rs);
        // The payer's real request of the previous cycle counts only there.
        uint64 earlier = uint64(ch.cycleDeadlines(CYCLE_ID - 1).start);
        rs[0] = _request(PAYER_PK, attacker, ETH, 2, 5 ether, earlier);
        vm.prank(attacker);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseRequestOutsideCycle.selector,
                CYCLE_ID,
                _gid(payer, attacker, ETH, 2),
                earlier,
                start,
                start + CYCLE_LENGTH
            )
        );
        ch.proveSignedRequests(CYCLE_ID, ETH, payer, rs);
    }

    function _attack1AfterTheMargin(bool paused) internal {
        Position[] memory ps = _fabricate();
        if (paused) {
            vm.prank(GUARDIAN);
            ch.pause();
        }
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + ch.SEIZURE_MARGIN() + 1);
        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouse.DebtorDefaulted(CYCLE_ID, ETH, payer, 5 ether, 0, 5 ether);
        vm.prank(attacker);
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, ps[0], attacker));
        vm.assertEq(vault.collateral(payer, ETH), 5 ether, "nothing seized");
        vm.assertEq(ch.claimNetCredit(CYCLE_ID, ETH, attacker, 5 ether, _proof(CYCLE_ID, ETH, ps[1])), 0, "paid 0");
        vm.assertEq(attacker.balance, 0, "attacker got nothing");
    }

    function test_attack1_aFabricatedCommitSeizesNothingAfterTheMargin() external {
        _attack1AfterTheMargin(false);
    }

    function test_attack1_pausingDoesNotMatter() external {
        _attack1AfterTheMargin(true);
    }

    function test_attack1_theSeizureIsCappedByWhatThePayerSigned() external {
        // The payer signed 1 ETH in the cycle; the tree says 5 ETH: at most 1 ETH is seized.
        Position[] memory ps = _fabricate();
        _proveOne(PAYER_PK, CYCLE_ID, ETH, 1, 1 ether);
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + ch.SEIZURE_MARGIN() + 1);
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, ps[0], address(this)));
        vm.assertEq(vault.collateral(payer, ETH), 4 ether, "only the signed 1 ETH");
    }

    // ---------------------------------------------------------------- attack 2: ids consumed without being owed

    function test_attack2_aCommitCannotConsumeAnUnsignedGuarantee() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 7, uint64(ch.cycleDeadlines(CYCLE_ID).start));
        ICore4MicaSettlement.NettedGuarantee memory n = _netted(g);
        n.payerSignature = _sign(ATTACKER_PK, _digest(GuaranteeRequest.hashV2(g)));
        vm.warp(ch.cycleDeadlines(CYCLE_ID).resolutionCutoff);
        vm.prank(OPERATOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaInvalidPayerSignature.selector, payer));
        ch.commitCycle(CYCLE_ID, ETH, bytes32(0), 0, 0, 0, 0, 0, _one(n));
        vm.assertFalse(vault.isConsumed(_gid(payer, RECIPIENT, ETH, 7)), "route B stays open");
    }

    function test_attack2_aCommitCannotConsumeAGuaranteeWithoutItsRegistryResult() external {
        decoder.setRedeemable(false);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 7, uint64(ch.cycleDeadlines(CYCLE_ID).start));
        vm.warp(ch.cycleDeadlines(CYCLE_ID).resolutionCutoff);
        vm.prank(OPERATOR);
        vm.expectRevert(MockGuaranteeDecoder.MockGuaranteeDecoderNotRedeemable.selector);
        ch.commitCycle(CYCLE_ID, ETH, bytes32(0), 0, 0, 0, 0, 0, _one(_netted(g)));
        vm.assertFalse(vault.isConsumed(_gid(payer, RECIPIENT, ETH, 7)), "route B stays open");
    }

    function test_attack2_anEmptyCommitConsumesNothing() external {
        vm.warp(ch.cycleDeadlines(CYCLE_ID).resolutionCutoff);
        vm.prank(OPERATOR);
        ch.commitCycle(CYCLE_ID, ETH, bytes32(0), 0, 0, 0, 0, 0, _noV2());
        vm.assertFalse(vault.isConsumed(_gid(payer, RECIPIENT, ETH, 7)), "nothing consumed");
    }

    // ---------------------------------------------------------------- attack 4: migration reopens the past

    function test_attack4_theClearingHouseCannotBeReplaced() external {
        Position[] memory ps = _twoPositions(payer, RECIPIENT, 1 ether);
        _commit(CYCLE_ID, ETH, ps, _noV2());
        ClearingHouse next = new ClearingHouse(address(manager), address(vault), uint48(T0), _params());
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4Mica.Core4MicaClearingHouseAlreadySet.selector, address(ch), address(next))
        );
        vault.setClearingHouse(address(next));
        vm.assertEq(vault.clearingHouse(), address(ch), "unchanged");
        // The old ClearingHouse still answers for its cycle: its fallback stays closed, it can still seize.
        vm.warp(ch.cycleDeadlines(CYCLE_ID).finalityDeadline + 1);
        vm.assertEq(ch.v1FallbackOpensAt(CYCLE_ID, ETH), 0, "netted cycle has no fallback");
        _proveOne(PAYER_PK, CYCLE_ID, ETH, 1, 1 ether);
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, ps[0], address(this)));
        vm.assertEq(vault.collateral(payer, ETH), 4 ether, "seized by the owner of the cycle");
    }

    // ---------------------------------------------------------------- attack 5: timings that let payers escape

    function test_attack5_vaultTimingsThatIgnoreNettingAreRefused() external {
        // The issue's setTimings(1h, 2h, 3h+1s, 1h): the fallback of a daily cycle would open after it expired.
        uint256 fallbackOpensAfter = CYCLE_LENGTH + 6 hours + 15 minutes + 2 hours + 2 hours;
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                fallbackOpensAfter,
                2 hours
            )
        );
        vault.setTimings(1 hours, 2 hours, 3 hours + 1, 1 hours);
    }

    function test_attack5_aThirtyDayCycleIsRefused() external {
        uint48 start = uint48(ch.earliestScheduleChange());
        CycleSchedule.Params memory p = CycleSchedule.Params(30 days, 6 hours, 15 minutes, 2 hours, 2 hours);
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                30 days + 10 hours + 15 minutes,
                EXPIRY
            )
        );
        ch.setSchedule(start, p);
    }

    function test_attack5_aCycleWhoseSeizureOutlastsTheWithdrawalDelayIsRefused() external {
        // With vault timings 3 d expiry, 6 h sync, 3 d 6 h 30 min withdrawal delay, a cycle whose fallback opens
        // 10 minutes before expiry leaves no room for the seizure margin: refused.
        vm.prank(GOVERNOR);
        vault.setTimings(1 days, 3 days, 3 days + 6 hours + 30 minutes, 6 hours);
        uint48 start = uint48(ch.earliestScheduleChange());
        uint32 cycle = 3 days - 10 minutes - (6 hours + 15 minutes + 2 hours + 2 hours);
        CycleSchedule.Params memory p = CycleSchedule.Params(cycle, 6 hours, 15 minutes, 2 hours, 2 hours);
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsWithdrawalBeforeSeizure.selector,
                3 days - 10 minutes + 1 hours,
                6 hours,
                3 days + 6 hours + 30 minutes
            )
        );
        ch.setSchedule(start, p);
    }

    function test_setTimings_isCheckedAgainstAScheduledSegment() external {
        // A scheduled 10-day cycle is fine with the defaults, but not with a 10-day expiry.
        uint48 start = uint48(ch.earliestScheduleChange());
        CycleSchedule.Params memory p = CycleSchedule.Params(10 days, 6 hours, 15 minutes, 2 hours, 2 hours);
        vm.prank(GOVERNOR);
        ch.setSchedule(start, p);
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                10 days + 10 hours + 15 minutes,
                10 days
            )
        );
        vault.setTimings(1 days, 10 days, 11 days, 6 hours);
        // The current daily segment alone would have allowed it.
        vm.assertEq(vault.guaranteeExpiry(), EXPIRY, "unchanged");
    }

    function test_setTimings_isCheckedAgainstThePreviousSegmentWhileItsCyclesSettle() external {
        uint48 start = uint48(ch.earliestScheduleChange());
        vm.prank(GOVERNOR);
        ch.setSchedule(start, CycleSchedule.Params(1 hours, 10 minutes, 10 minutes, 10 minutes, 10 minutes));
        vm.warp(start + 1);
        // Still checked against the daily segment, whose last cycle settles after `start`.
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                CYCLE_LENGTH + 10 hours + 15 minutes,
                1 days
            )
        );
        vault.setTimings(12 hours, 1 days, 2 days, 1 hours);
        // Once the daily segment's last cycles are beyond settlement and expiry, only the hourly one counts.
        vm.warp(start + 10 hours + 15 minutes + 1 hours + 1 days);
        vm.prank(GOVERNOR);
        vault.setTimings(12 hours, 1 days, 2 days, 1 hours);
        vm.assertEq(vault.guaranteeExpiry(), 1 days, "set");
    }

    function test_constructor_revertsAgainstIncompatibleVaultTimings() external {
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                22 days + 10 hours + 15 minutes,
                EXPIRY
            )
        );
        new ClearingHouse(
            address(manager),
            address(vault),
            uint48(T0),
            CycleSchedule.Params(22 days, 6 hours, 15 minutes, 2 hours, 2 hours)
        );
    }

    function testFuzz_setSchedule_enforcesTheTimingInvariant(
        uint32 cycleLength,
        uint32 cutoff,
        uint32 commitDelay,
        uint32 payment,
        uint32 finality
    ) external {
        CycleSchedule.Params memory p = CycleSchedule.Params(
            uint32(1 + (cycleLength % 25 days)),
            cutoff % 1 days,
            uint32(1 + (commitDelay % 1 days)),
            uint32(1 + (payment % 1 days)),
            finality % 1 days
        );
        uint256 opensAfter = uint256(p.cycleLength) + p.resolutionCutoff + p.commitDelay + p.paymentWindow;
        opensAfter += p.finalityWindow;
        uint256 horizon = opensAfter + 1 hours;
        uint48 start = uint48(ch.earliestScheduleChange());
        vm.prank(GOVERNOR);
        if (opensAfter >= EXPIRY) {
            vm.expectRevert(
                abi.encodeWithSelector(SettlementTimings.SettlementTimingsEmptyV1Fallback.selector, opensAfter, EXPIRY)
            );
        } else if (horizon + SYNC_DELAY >= WITHDRAWAL_DELAY) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    SettlementTimings.SettlementTimingsWithdrawalBeforeSeizure.selector,
                    horizon,
                    SYNC_DELAY,
                    WITHDRAWAL_DELAY
                )
            );
        }
        ch.setSchedule(start, p);
        bool accepted = opensAfter < EXPIRY && horizon + SYNC_DELAY < WITHDRAWAL_DELAY;
        vm.assertEq(ch.scheduleSegments().length, accepted ? 2 : 1, "added exactly when valid");
    }

    function testFuzz_setTimings_enforcesTheTimingInvariantAgainstTheSchedule(
        uint64 expiry,
        uint64 withdrawalDelay,
        uint64 syncDelay
    ) external {
        expiry = uint64(2 + (expiry % 30 days));
        syncDelay = uint64(1 + (syncDelay % 1 days));
        withdrawalDelay = uint64(expiry + syncDelay + 1 + (withdrawalDelay % 10 days));
        uint256 opensAfter = CYCLE_LENGTH + 6 hours + 15 minutes + 2 hours + 2 hours;
        uint256 horizon = opensAfter + 1 hours;
        vm.prank(GOVERNOR);
        if (opensAfter >= expiry) {
            vm.expectRevert(
                abi.encodeWithSelector(SettlementTimings.SettlementTimingsEmptyV1Fallback.selector, opensAfter, expiry)
            );
        } else if (horizon + syncDelay >= withdrawalDelay) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    SettlementTimings.SettlementTimingsWithdrawalBeforeSeizure.selector,
                    horizon,
                    syncDelay,
                    withdrawalDelay
                )
            );
        }
        vault.setTimings(1, expiry, withdrawalDelay, syncDelay);
        bool accepted = opensAfter < expiry && horizon + syncDelay < withdrawalDelay;
        vm.assertEq(vault.guaranteeExpiry(), accepted ? expiry : EXPIRY, "set exactly when valid");
    }
}
