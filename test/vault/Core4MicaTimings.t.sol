// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {SettlementTimings} from "../../contracts/libraries/SettlementTimings.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

contract Core4MicaTimingsTest is Core4MicaTestBase {
    function test_constructor_setsTheDefaults() external view {
        vm.assertEq(vault.remunerationGrace(), 14 days, "grace");
        vm.assertEq(vault.guaranteeExpiry(), 21 days, "expiry");
        vm.assertEq(vault.withdrawalDelay(), 22 days, "withdrawal delay");
        vm.assertEq(vault.synchronizationDelay(), 6 hours, "sync delay");
    }

    function test_setTimings_updatesAllFour() external {
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.TimingsUpdated(1 days, 2 days, 3 days, 1 hours);
        vm.prank(GOVERNOR);
        vault.setTimings(1 days, 2 days, 3 days, 1 hours);
        vm.assertEq(vault.remunerationGrace(), 1 days, "grace");
        vm.assertEq(vault.guaranteeExpiry(), 2 days, "expiry");
        vm.assertEq(vault.withdrawalDelay(), 3 days, "withdrawal delay");
        vm.assertEq(vault.synchronizationDelay(), 1 hours, "sync delay");
    }

    function test_setTimings_revertsWhenGraceIsZero() external {
        _expectInvalid(0, 2 days, 3 days, 1 hours);
    }

    function test_setTimings_revertsWhenGraceEqualsExpiry() external {
        _expectInvalid(2 days, 2 days, 3 days, 1 hours);
    }

    function test_setTimings_revertsWhenGraceExceedsExpiry() external {
        _expectInvalid(3 days, 2 days, 4 days, 1 hours);
    }

    function test_setTimings_revertsWhenSyncDelayIsZero() external {
        _expectInvalid(1 days, 2 days, 3 days, 0);
    }

    function test_setTimings_revertsWhenWithdrawalDelayEqualsSyncPlusExpiry() external {
        _expectInvalid(1 days, 2 days, 2 days + 1 hours, 1 hours);
    }

    function test_setTimings_acceptsWithdrawalDelayOneAboveSyncPlusExpiry() external {
        vm.prank(GOVERNOR);
        vault.setTimings(1 days, 2 days, 2 days + 1 hours + 1, 1 hours);
        vm.assertEq(vault.withdrawalDelay(), 2 days + 1 hours + 1, "withdrawal delay");
    }

    function test_setTimings_revertsWithoutOverflowOnHugeValues() external {
        uint64 max = type(uint64).max;
        _expectInvalid(1, max - 1, max, max);
    }

    function test_setTimings_revertsForAStranger() external {
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER));
        vault.setTimings(1 days, 2 days, 3 days, 1 hours);
    }

    function test_setTimings_revertsForTheGuardian() external {
        vm.prank(GUARDIAN);
        vm.expectRevert(_unauthorized(GUARDIAN));
        vault.setTimings(1 days, 2 days, 3 days, 1 hours);
    }

    /// @dev The mock ClearingHouse's one segment: 1 day cycles, 1 h cutoff, 15 min commit delay, 1 h payment and
    ///      1 h finality windows.
    uint256 internal constant FALLBACK_OPENS_AFTER = 1 days + 1 hours + 15 minutes + 1 hours + 1 hours;
    uint256 internal constant SETTLEMENT_HORIZON = FALLBACK_OPENS_AFTER + 1 hours;

    function testFuzz_setTimings_acceptsExactlyTheValidOnes(
        uint64 grace,
        uint64 expiry,
        uint64 withdrawalDelay,
        uint64 syncDelay
    ) external {
        bool locallyValid =
            grace > 0 &&
                grace < expiry &&
                syncDelay > 0 &&
                uint256(syncDelay) + uint256(expiry) < uint256(withdrawalDelay);
        bool fallbackOk = FALLBACK_OPENS_AFTER < expiry;
        bool seizureOk = SETTLEMENT_HORIZON + syncDelay < withdrawalDelay;
        bool valid = locallyValid && fallbackOk && seizureOk;
        vm.prank(GOVERNOR);
        if (!locallyValid) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICore4MicaCollateral.Core4MicaInvalidTimings.selector,
                    grace,
                    expiry,
                    withdrawalDelay,
                    syncDelay
                )
            );
        } else if (!fallbackOk) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                    FALLBACK_OPENS_AFTER,
                    expiry
                )
            );
        } else if (!seizureOk) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    SettlementTimings.SettlementTimingsWithdrawalBeforeSeizure.selector,
                    SETTLEMENT_HORIZON,
                    syncDelay,
                    withdrawalDelay
                )
            );
        }
        vault.setTimings(grace, expiry, withdrawalDelay, syncDelay);
        vm.assertEq(vault.remunerationGrace(), valid ? grace : GRACE, "grace");
        vm.assertEq(vault.guaranteeExpiry(), valid ? expiry : EXPIRY, "expiry");
        vm.assertEq(vault.withdrawalDelay(), valid ? withdrawalDelay : WITHDRAWAL_DELAY, "withdrawal delay");
        vm.assertEq(vault.synchronizationDelay(), valid ? syncDelay : SYNC_DELAY, "sync delay");
    }

    function test_setTimings_revertsWhenTheV1FallbackWouldBeEmpty() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsEmptyV1Fallback.selector,
                FALLBACK_OPENS_AFTER,
                FALLBACK_OPENS_AFTER
            )
        );
        vault.setTimings(1 hours, uint64(FALLBACK_OPENS_AFTER), 30 days, 1 hours);
    }

    function test_setTimings_revertsWhenAWithdrawalCouldBeatTheSeizure() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                SettlementTimings.SettlementTimingsWithdrawalBeforeSeizure.selector,
                SETTLEMENT_HORIZON,
                6 hours,
                SETTLEMENT_HORIZON + 6 hours
            )
        );
        // Locally valid (6 h + 28 h < withdrawal delay) and the fallback is non-empty (28 h > 27 h 15 min).
        vault.setTimings(1 hours, 28 hours, uint64(SETTLEMENT_HORIZON + 6 hours), 6 hours);
    }

    function testFuzz_setTimings_validInputsAlwaysAccepted(
        uint64 grace,
        uint64 expiryGap,
        uint64 syncDelay,
        uint64 withdrawalGap
    ) external {
        grace = uint64(_bound(grace, 1, 365 days));
        uint64 expiry = grace + uint64(_bound(expiryGap, 1, 365 days));
        // Long enough for the mock ClearingHouse's cycles: fallback non-empty, seizure before withdrawal.
        if (expiry <= SETTLEMENT_HORIZON) expiry = uint64(SETTLEMENT_HORIZON + 1 + (expiryGap % 1 days));
        syncDelay = uint64(_bound(syncDelay, 1, 30 days));
        uint64 withdrawalDelay = expiry + syncDelay + uint64(_bound(withdrawalGap, 1, 365 days));
        vm.prank(GOVERNOR);
        vault.setTimings(grace, expiry, withdrawalDelay, syncDelay);
        vm.assertEq(vault.withdrawalDelay(), withdrawalDelay, "withdrawal delay");
        vm.assertTrue(
            vault.synchronizationDelay() + vault.guaranteeExpiry() < vault.withdrawalDelay(),
            "invariant after set"
        );
    }

    function _expectInvalid(uint64 grace, uint64 expiry, uint64 withdrawalDelay, uint64 syncDelay) private {
        vm.prank(GOVERNOR);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaInvalidTimings.selector,
                grace,
                expiry,
                withdrawalDelay,
                syncDelay
            )
        );
        vault.setTimings(grace, expiry, withdrawalDelay, syncDelay);
    }
}
