// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

contract Core4MicaDepositTest is Core4MicaTestBase {
    // ---------------------------------------------------------------- ETH

    function test_deposit_creditsEth() external {
        vm.deal(payer, 3 ether);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.CollateralDeposited(payer, ETH, payer, 3 ether);
        vm.prank(payer);
        vault.deposit{value: 3 ether}(ETH, 3 ether);
        vm.assertEq(vault.collateral(payer, ETH), 3 ether, "collateral");
        vm.assertEq(address(vault).balance, 3 ether, "vault balance");
    }

    function test_deposit_accumulates() external {
        _depositEth(payer, 1 ether);
        _depositEth(payer, 2 ether);
        vm.assertEq(vault.collateral(payer, ETH), 3 ether, "collateral");
    }

    function test_deposit_revertsWhenEthValueDiffersFromAmount() external {
        vm.deal(payer, 2 ether);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaEthValueMismatch.selector, 1 ether, 2 ether)
        );
        vault.deposit{value: 1 ether}(ETH, 2 ether);
    }

    function test_deposit_revertsWhenEthAmountIsZero() external {
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNothingCredited.selector, ETH, 0));
        vault.deposit(ETH, 0);
    }

    function test_depositFor_creditsThePayerNotTheSender() external {
        vm.deal(other, 1 ether);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.CollateralDeposited(payer, ETH, other, 1 ether);
        vm.prank(other);
        vault.depositFor{value: 1 ether}(payer, ETH, 1 ether);
        vm.assertEq(vault.collateral(payer, ETH), 1 ether, "payer collateral");
        vm.assertEq(vault.collateral(other, ETH), 0, "sender collateral");
    }

    function test_depositFor_revertsWhenPayerIsZero() external {
        vm.deal(other, 1 ether);
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaInvalidPayer.selector, address(0)));
        vault.depositFor{value: 1 ether}(address(0), ETH, 1 ether);
    }

    // ---------------------------------------------------------------- ERC-20

    function test_deposit_pullsErc20() external {
        token.mint(payer, 500e6);
        vm.startPrank(payer);
        token.approve(address(vault), 500e6);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.CollateralDeposited(payer, address(token), payer, 500e6);
        vault.deposit(address(token), 500e6);
        vm.stopPrank();
        vm.assertEq(vault.collateral(payer, address(token)), 500e6, "collateral");
        vm.assertEq(token.balanceOf(address(vault)), 500e6, "vault balance");
        vm.assertEq(token.balanceOf(payer), 0, "payer balance");
    }

    function test_depositFor_pullsFromTheSender() external {
        token.mint(other, 10e6);
        vm.startPrank(other);
        token.approve(address(vault), 10e6);
        vault.depositFor(payer, address(token), 10e6);
        vm.stopPrank();
        vm.assertEq(vault.collateral(payer, address(token)), 10e6, "payer collateral");
        vm.assertEq(token.balanceOf(other), 0, "sender balance");
    }

    function test_deposit_creditsTheMeasuredAmountOfAFeeOnTransferToken() external {
        feeToken.setFeeBps(100); // 1 %
        feeToken.mint(payer, 1000);
        vm.startPrank(payer);
        feeToken.approve(address(vault), 1000);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.CollateralDeposited(payer, address(feeToken), payer, 990);
        vault.deposit(address(feeToken), 1000);
        vm.stopPrank();
        vm.assertEq(vault.collateral(payer, address(feeToken)), 990, "collateral");
        vm.assertEq(feeToken.balanceOf(address(vault)), 990, "vault balance");
    }

    function test_deposit_revertsWhenAFeeTakesEverything() external {
        feeToken.setFeeBps(10_000);
        feeToken.mint(payer, 1000);
        vm.startPrank(payer);
        feeToken.approve(address(vault), 1000);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNothingCredited.selector, address(feeToken), 1000)
        );
        vault.deposit(address(feeToken), 1000);
        vm.stopPrank();
    }

    function test_deposit_revertsWhenErc20AmountIsZero() external {
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaNothingCredited.selector, address(token), 0)
        );
        vault.deposit(address(token), 0);
    }

    function test_deposit_revertsWhenErc20DepositCarriesEth() external {
        token.mint(payer, 1);
        vm.deal(payer, 1);
        vm.startPrank(payer);
        token.approve(address(vault), 1);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaEthValueMismatch.selector, 1, 0));
        vault.deposit{value: 1}(address(token), 1);
        vm.stopPrank();
    }

    function test_deposit_revertsWhenAssetIsNotAllowed() external {
        address unknown = address(new FakeToken());
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaAssetNotAllowed.selector, unknown));
        vault.deposit(unknown, 1);
    }

    function test_deposit_revertsWhenTransferFromReturnsFalse() external {
        falseToken.mint(payer, 100);
        vm.startPrank(payer);
        falseToken.approve(address(vault), 100);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(falseToken)));
        vault.deposit(address(falseToken), 100);
        vm.stopPrank();
    }

    function test_deposit_revertsWithoutAllowance() external {
        token.mint(payer, 100);
        vm.prank(payer);
        vm.expectRevert(
            abi.encodeWithSignature("ERC20InsufficientAllowance(address,uint256,uint256)", address(vault), 0, 100)
        );
        vault.deposit(address(token), 100);
    }

    // ---------------------------------------------------------------- allowlist

    function test_setAssetAllowed_disallowingStopsDepositsButNotWithdrawals() external {
        _depositToken(payer, 100);
        vm.prank(payer);
        vault.requestWithdrawal(address(token), 60);

        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.AssetAllowanceUpdated(address(token), false);
        vm.prank(GOVERNOR);
        vault.setAssetAllowed(address(token), false);
        vm.assertFalse(vault.isAssetAllowed(address(token)), "allowed");

        token.mint(payer, 1);
        vm.startPrank(payer);
        token.approve(address(vault), 1);
        vm.expectRevert(
            abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaAssetNotAllowed.selector, address(token))
        );
        vault.deposit(address(token), 1);

        vm.warp(T0 + WITHDRAWAL_DELAY);
        vault.finalizeWithdrawal(address(token));
        vm.stopPrank();
        vm.assertEq(token.balanceOf(payer), 61, "withdrawn");
        vm.assertEq(vault.collateral(payer, address(token)), 40, "left");
    }

    function test_setAssetAllowed_allowsANewToken() external {
        FakeToken fresh = new FakeToken();
        vm.assertFalse(vault.isAssetAllowed(address(fresh)), "before");
        vm.prank(GOVERNOR);
        vault.setAssetAllowed(address(fresh), true);
        vm.assertTrue(vault.isAssetAllowed(address(fresh)), "after");
    }

    function test_setAssetAllowed_revertsForEth() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaInvalidAsset.selector, ETH));
        vault.setAssetAllowed(ETH, false);
    }

    function test_setAssetAllowed_revertsWhenAllowingAnAddressWithoutCode() external {
        vm.prank(GOVERNOR);
        vm.expectRevert(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaInvalidAsset.selector, STRANGER));
        vault.setAssetAllowed(STRANGER, true);
    }

    function test_setAssetAllowed_revertsForAStranger() external {
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER));
        vault.setAssetAllowed(address(token), false);
    }

    function test_isAssetAllowed_alwaysTrueForEth() external view {
        vm.assertTrue(vault.isAssetAllowed(ETH), "eth");
        vm.assertTrue(vault.isAssetAllowed(address(token)), "constructor list");
    }

    // ---------------------------------------------------------------- pause

    function test_deposit_revertsWhenPaused() external {
        vm.prank(GUARDIAN);
        vault.pause();
        vm.deal(payer, 1 ether);
        vm.prank(payer);
        vm.expectRevert(_enforcedPause());
        vault.deposit{value: 1 ether}(ETH, 1 ether);
        vm.prank(payer);
        vm.expectRevert(_enforcedPause());
        vault.depositFor{value: 1 ether}(payer, ETH, 1 ether);
    }

    function test_unpause_resumesDeposits() external {
        vm.prank(GUARDIAN);
        vault.pause();
        vm.prank(GOVERNOR);
        vault.unpause();
        _depositEth(payer, 1 ether);
        vm.assertEq(vault.collateral(payer, ETH), 1 ether, "collateral");
    }

    function test_pause_revertsForAStranger() external {
        vm.prank(STRANGER);
        vm.expectRevert(_unauthorized(STRANGER));
        vault.pause();
    }

    function test_unpause_revertsForTheGuardian() external {
        vm.prank(GUARDIAN);
        vault.pause();
        vm.prank(GUARDIAN);
        vm.expectRevert(_unauthorized(GUARDIAN));
        vault.unpause();
    }

    function test_pause_doesNotStopWithdrawals() external {
        _depositEth(payer, 1 ether);
        vm.prank(GUARDIAN);
        vault.pause();
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.prank(payer);
        vault.cancelWithdrawal(ETH);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.prank(payer);
        vault.finalizeWithdrawal(ETH);
        vm.assertEq(payer.balance, 1 ether, "withdrawn while paused");
    }

    // ---------------------------------------------------------------- stray ETH

    function test_receive_revertsOnPlainEth() external {
        vm.deal(STRANGER, 1 ether);
        vm.prank(STRANGER);
        (bool ok, bytes memory ret) = address(vault).call{value: 1 ether}("");
        vm.assertFalse(ok, "accepted");
        vm.assertEq(
            keccak256(ret),
            keccak256(
                abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaDirectCallRefused.selector, STRANGER, 1 ether)
            ),
            "error"
        );
    }

    function test_fallback_revertsOnUnknownSelector() external {
        vm.prank(STRANGER);
        (bool ok, bytes memory ret) = address(vault).call(abi.encodeWithSignature("nope()"));
        vm.assertFalse(ok, "accepted");
        vm.assertEq(
            keccak256(ret),
            keccak256(abi.encodeWithSelector(ICore4MicaCollateral.Core4MicaDirectCallRefused.selector, STRANGER, 0)),
            "error"
        );
    }

    // ---------------------------------------------------------------- fuzz

    function testFuzz_deposit_creditsExactlyWhatArrives(uint256 amount, uint256 feeBps) external {
        amount = _bound(amount, 1, type(uint128).max);
        feeBps = _bound(feeBps, 0, 9_999);
        feeToken.setFeeBps(feeBps);
        feeToken.mint(payer, amount);
        vm.startPrank(payer);
        feeToken.approve(address(vault), amount);
        uint256 expected = amount - (amount * feeBps) / 10_000;
        if (expected == 0) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICore4MicaCollateral.Core4MicaNothingCredited.selector,
                    address(feeToken),
                    amount
                )
            );
        }
        vault.deposit(address(feeToken), amount);
        vm.stopPrank();
        vm.assertEq(vault.collateral(payer, address(feeToken)), expected, "collateral");
        vm.assertEq(feeToken.balanceOf(address(vault)), expected, "vault balance");
    }

    function testFuzz_deposit_eth(uint256 a, uint256 b) external {
        a = _bound(a, 1, type(uint96).max);
        b = _bound(b, 1, type(uint96).max);
        _depositEth(payer, a);
        _depositEth(other, b);
        vm.assertEq(vault.collateral(payer, ETH), a, "payer");
        vm.assertEq(vault.collateral(other, ETH), b, "other");
        vm.assertEq(address(vault).balance, a + b, "balance");
    }
}

/// @dev A contract that looks like a token address but is not allowlisted.
contract FakeToken {
    function balanceOf(address) external pure returns (uint256) {
        return 0;
    }
}
