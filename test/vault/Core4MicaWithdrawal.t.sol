// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

contract Core4MicaWithdrawalTest is Core4MicaTestBase {
    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
    }

    // ---------------------------------------------------------------- requestWithdrawal

    function test_requestWithdrawal_storesTheRequest() external {
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalRequested(payer, ETH, 4 ether, T0);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 4 ether);
        _assertWithdrawal(payer, ETH, 4 ether, T0);
        vm.assertEq(vault.collateral(payer, ETH), 10 ether, "collateral unchanged until finalized");
    }

    function test_requestWithdrawal_replacesAndRestartsTheClock() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 4 ether);
        vm.warp(T0 + 5 days);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalRequested(payer, ETH, 1 ether, T0 + 5 days);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        _assertWithdrawal(payer, ETH, 1 ether, T0 + 5 days);

        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaWithdrawalNotReady.selector,
                payer,
                ETH,
                T0 + 5 days + WITHDRAWAL_DELAY
            )
        );
        vault.finalizeWithdrawal(ETH);
    }

    function test_requestWithdrawal_isPerAsset() external {
        vm.startPrank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vault.requestWithdrawal(address(token), 5e6);
        vm.stopPrank();
        _assertWithdrawal(payer, ETH, 1 ether, T0);
        _assertWithdrawal(payer, address(token), 5e6, T0);
    }

    function test_requestWithdrawal_revertsWhenAmountIsZero() external {
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaZeroAmount.selector));
        vault.requestWithdrawal(ETH, 0);
    }

    function test_requestWithdrawal_revertsWhenAboveCollateral() external {
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaInsufficientCollateral.selector,
                payer,
                ETH,
                10 ether + 1,
                10 ether
            )
        );
        vault.requestWithdrawal(ETH, 10 ether + 1);
    }

    /// A pending withdrawal is packed with its timestamp in one slot, so its amount is held in 192 bits.
    function test_requestWithdrawal_revertsAbove192Bits() external {
        uint256 huge = uint256(type(uint192).max) + 1;
        _depositToken(payer, huge);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 192, huge));
        vault.requestWithdrawal(address(token), huge);
    }

    function test_requestWithdrawal_acceptsTheLargest192BitAmount() external {
        uint256 largest = type(uint192).max;
        _depositToken(payer, largest);
        vm.prank(payer);
        vault.requestWithdrawal(address(token), largest);
        (uint256 amount, ) = vault.withdrawalRequest(payer, address(token));
        vm.assertEq(amount, largest, "amount");
    }

    function test_requestWithdrawal_revertsForAnUnknownUser() external {
        vm.prank(STRANGER);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaInsufficientCollateral.selector, STRANGER, ETH, 1, 0)
        );
        vault.requestWithdrawal(ETH, 1);
    }

    // ---------------------------------------------------------------- cancelWithdrawal

    function test_cancelWithdrawal_deletesTheRequest() external {
        vm.prank(payer);
        vault.requestWithdrawal(address(token), 7e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalCanceled(payer, address(token), 7e6);
        vm.prank(payer);
        vault.cancelWithdrawal(address(token));
        _assertWithdrawal(payer, address(token), 0, 0);
    }

    function test_cancelWithdrawal_revertsWithoutRequest() external {
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNoWithdrawalRequest.selector, payer, ETH));
        vault.cancelWithdrawal(ETH);
    }

    // ---------------------------------------------------------------- finalizeWithdrawal

    function test_finalizeWithdrawal_paysEthAfterTheDelay() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 4 ether);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.CollateralWithdrawn(payer, ETH, 4 ether);
        vm.prank(payer);
        uint256 paid = vault.finalizeWithdrawal(ETH);
        vm.assertEq(paid, 4 ether, "paid");
        vm.assertEq(payer.balance, 4 ether, "payer balance");
        vm.assertEq(vault.collateral(payer, ETH), 6 ether, "collateral");
        vm.assertEq(address(vault).balance, 6 ether, "vault balance");
        _assertWithdrawal(payer, ETH, 0, 0);
    }

    function test_finalizeWithdrawal_paysErc20() external {
        vm.prank(payer);
        vault.requestWithdrawal(address(token), 1_000e6);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.prank(payer);
        vault.finalizeWithdrawal(address(token));
        vm.assertEq(token.balanceOf(payer), 1_000e6, "payer balance");
        vm.assertEq(vault.collateral(payer, address(token)), 0, "collateral");
    }

    function test_finalizeWithdrawal_revertsOneSecondEarly() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.warp(T0 + WITHDRAWAL_DELAY - 1);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaWithdrawalNotReady.selector,
                payer,
                ETH,
                T0 + WITHDRAWAL_DELAY
            )
        );
        vault.finalizeWithdrawal(ETH);
    }

    function test_finalizeWithdrawal_revertsWithoutRequest() external {
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNoWithdrawalRequest.selector, payer, ETH));
        vault.finalizeWithdrawal(ETH);
    }

    function test_finalizeWithdrawal_revertsAfterCancel() external {
        vm.startPrank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vault.cancelWithdrawal(ETH);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNoWithdrawalRequest.selector, payer, ETH));
        vault.finalizeWithdrawal(ETH);
        vm.stopPrank();
    }

    function test_finalizeWithdrawal_cannotBeRepeated() external {
        vm.startPrank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vault.finalizeWithdrawal(ETH);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNoWithdrawalRequest.selector, payer, ETH));
        vault.finalizeWithdrawal(ETH);
        vm.stopPrank();
        vm.assertEq(payer.balance, 1 ether, "paid once");
    }

    function test_finalizeWithdrawal_revertsWhenTheEthTransferFails() external {
        RefusingPayer refusing = new RefusingPayer(vault);
        vm.deal(address(refusing), 1 ether);
        refusing.depositAndRequest(1 ether);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaEthTransferFailed.selector, address(refusing), 1 ether)
        );
        refusing.finalize();
        vm.assertEq(vault.collateral(address(refusing), ETH), 1 ether, "collateral kept");
    }

    function test_finalizeWithdrawal_usesTheDelayInForceAtFinalization() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.prank(GOVERNOR);
        vault.setTimings(GRACE, EXPIRY, 30 days, SYNC_DELAY);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaWithdrawalNotReady.selector, payer, ETH, T0 + 30 days)
        );
        vault.finalizeWithdrawal(ETH);
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_withdrawal_roundTrip(uint256 deposit, uint256 request, uint256 wait) external {
        deposit = _bound(deposit, 1, type(uint96).max);
        request = _bound(request, 1, deposit);
        wait = _bound(wait, 0, 2 * uint256(WITHDRAWAL_DELAY));
        _depositEth(other, deposit);
        vm.prank(other);
        vault.requestWithdrawal(ETH, request);
        vm.warp(T0 + wait);
        vm.prank(other);
        if (wait < WITHDRAWAL_DELAY) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICore4MicaCollateral.Core4MicaWithdrawalNotReady.selector,
                    other,
                    ETH,
                    T0 + WITHDRAWAL_DELAY
                )
            );
            vault.finalizeWithdrawal(ETH);
            vm.assertEq(vault.collateral(other, ETH), deposit, "untouched");
        } else {
            vault.finalizeWithdrawal(ETH);
            vm.assertEq(vault.collateral(other, ETH), deposit - request, "collateral");
            vm.assertEq(other.balance, request, "paid");
        }
    }

    function testFuzz_requestWithdrawal_boundedByCollateral(uint256 amount) external {
        amount = _bound(amount, 1, type(uint128).max);
        vm.prank(payer);
        if (amount > 10 ether) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICore4MicaCollateral.Core4MicaInsufficientCollateral.selector,
                    payer,
                    ETH,
                    amount,
                    10 ether
                )
            );
            vault.requestWithdrawal(ETH, amount);
            _assertWithdrawal(payer, ETH, 0, 0);
        } else {
            vault.requestWithdrawal(ETH, amount);
            _assertWithdrawal(payer, ETH, amount, T0);
        }
    }
}

/// @dev A payer contract that cannot receive ETH.
contract RefusingPayer {
    ICore4MicaCollateral private immutable _vault;

    constructor(ICore4MicaCollateral vault_) {
        _vault = vault_;
    }

    function depositAndRequest(uint256 amount) external {
        _vault.deposit{value: amount}(address(0), amount);
        _vault.requestWithdrawal(address(0), amount);
    }

    function finalize() external {
        _vault.finalizeWithdrawal(address(0));
    }
}
