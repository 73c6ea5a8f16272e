// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {ReentrantERC20} from "../../contracts/mocks/ReentrantERC20.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev Hostile ERC-20s against the vault (docs/reliability.md, scope item 7): a token whose `transfer` returns
///      false on the way out (withdrawal, remuneration V1 and V2), a token that calls back into the vault from
///      `transfer`/`transferFrom` (deposit, finalizeWithdrawal, remunerate), and fee-on-transfer at random fees on
///      the way in and out. Deposits of a false-returning `transferFrom` and of a fee token are in
///      Core4MicaDeposit.t.sol.
contract Core4MicaHostileTokensTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours; // cycle 0
    /// @dev Cycle 0's finality deadline with the default schedule, when its V1 fallback opens if it was missed.
    uint64 internal constant OPENS_AT = T0 + 1 days + 6 hours + 15 minutes + 4 hours;

    ReentrantERC20 internal hostile;

    function setUp() public override {
        super.setUp();
        hostile = new ReentrantERC20();
        vm.prank(GOVERNOR);
        vault.setAssetAllowed(address(hostile), true);
    }

    function _depositHostile(address user, uint256 amount) internal {
        hostile.mint(user, amount);
        vm.startPrank(user);
        hostile.approve(address(vault), amount);
        vault.deposit(address(hostile), amount);
        vm.stopPrank();
    }

    /// @dev Makes the token contract itself a payer holding `amount` of collateral in its own token.
    function _depositAsTheToken(uint256 amount) internal {
        hostile.mint(address(hostile), amount);
        hostile.execute(address(hostile), abi.encodeCall(hostile.approve, (address(vault), amount)));
        hostile.execute(address(vault), abi.encodeCall(vault.deposit, (address(hostile), amount)));
    }

    function _assertReentryBlocked() internal view {
        (bool attempted, bool succeeded, bytes memory revertData) = hostile.outcome();
        vm.assertTrue(attempted, "reentry attempted");
        vm.assertFalse(succeeded, "reentry failed");
        // Exactly the guard's error, nothing else (the cheatcode has no `bytes` overload).
        vm.assertEq(
            keccak256(revertData),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "reentry error"
        );
    }

    function _failedOperation() internal view returns (bytes memory) {
        return abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(hostile));
    }

    // ---------------------------------------------------------------- transfer returns false

    function test_finalizeWithdrawal_revertsAndKeepsEverythingWhenTransferReturnsFalse() external {
        _depositHostile(payer, 100);
        vm.prank(payer);
        vault.requestWithdrawal(address(hostile), 60);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        hostile.setReturnsFalse(true, false);

        vm.expectRevert(_failedOperation());
        vm.prank(payer);
        vault.finalizeWithdrawal(address(hostile));

        vm.assertEq(vault.collateral(payer, address(hostile)), 100, "collateral kept");
        _assertWithdrawal(payer, address(hostile), 60, T0);
        vm.assertEq(hostile.balanceOf(address(vault)), 100, "vault balance");
        vm.assertEq(hostile.balanceOf(payer), 0, "payer balance");

        // Nothing was lost: once the token behaves, the same request pays out.
        hostile.setReturnsFalse(false, false);
        vm.prank(payer);
        vault.finalizeWithdrawal(address(hostile));
        vm.assertEq(hostile.balanceOf(payer), 60, "paid later");
        vm.assertEq(vault.collateral(payer, address(hostile)), 40, "collateral left");
    }

    function test_remunerateV1_revertsAndConsumesNothingWhenTransferReturnsFalse() external {
        _depositHostile(payer, 1_000);
        vm.warp(OPENS_AT);
        Guarantee memory g = _v1(address(hostile), 100, 1, TS);
        _missCycle(g, OPENS_AT);
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV1(g);
        hostile.setReturnsFalse(true, false);

        vm.expectRevert(_failedOperation());
        vault.remunerate(cert, sig, payerSig);

        vm.assertFalse(vault.isConsumed(_id(g)), "not consumed");
        vm.assertEq(vault.collateral(payer, address(hostile)), 1_000, "collateral kept");
        vm.assertEq(hostile.balanceOf(RECIPIENT), 0, "recipient");
        vm.assertEq(hostile.balanceOf(address(vault)), 1_000, "vault balance");

        hostile.setReturnsFalse(false, false);
        vault.remunerate(cert, sig, payerSig);
        vm.assertEq(hostile.balanceOf(RECIPIENT), 100, "paid later");
        vm.assertTrue(vault.isConsumed(_id(g)), "consumed later");
    }

    function test_remunerateV2_revertsAndConsumesNothingWhenTransferReturnsFalse() external {
        _depositHostile(payer, 1_000);
        vm.warp(TS + GRACE);
        GuaranteeV2 memory g = _v2(address(hostile), 100, 1, TS);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        hostile.setReturnsFalse(true, false);

        vm.expectRevert(_failedOperation());
        vault.remunerate(cert, sig, payerSig);

        vm.assertFalse(vault.isConsumed(_id(g)), "not consumed");
        vm.assertEq(vault.collateral(payer, address(hostile)), 1_000, "collateral kept");
        vm.assertEq(hostile.balanceOf(RECIPIENT), 0, "recipient");
    }

    /// @dev A batch of two runs: a good token paid first, then the false-returning one. The whole batch reverts,
    ///      the good token's payment with it, and neither guarantee is consumed.
    function test_remunerateBatch_revertsAndConsumesNothingWhenTransferReturnsFalse() external {
        _depositToken(payer, 1_000e6);
        _depositHostile(payer, 1_000);
        vm.warp(TS + GRACE);
        GuaranteeV2 memory good = _v2(address(token), 100e6, 1, TS);
        GuaranteeV2 memory bad = _v2(address(hostile), 100, 2, TS);
        bytes[] memory certs = new bytes[](2);
        bytes[] memory payerSigs = new bytes[](2);
        certs[0] = _envelopeV2(good);
        certs[1] = _envelopeV2(bad);
        payerSigs[0] = _payerSigV2(good);
        payerSigs[1] = _payerSigV2(bad);
        BLS.G2Point memory aggregate = BLS.addG2(_bls(certs[0]), _bls(certs[1]));
        hostile.setReturnsFalse(true, false);

        vm.expectRevert(_failedOperation());
        vault.remunerateBatch(certs, aggregate, payerSigs);

        vm.assertFalse(vault.isConsumed(_id(good)), "good not consumed");
        vm.assertFalse(vault.isConsumed(_id(bad)), "bad not consumed");
        vm.assertEq(token.balanceOf(RECIPIENT), 0, "good payment undone");
        vm.assertEq(vault.collateral(payer, address(token)), 1_000e6, "good collateral kept");
        vm.assertEq(vault.collateral(payer, address(hostile)), 1_000, "bad collateral kept");

        hostile.setReturnsFalse(false, false);
        vault.remunerateBatch(certs, aggregate, payerSigs);
        vm.assertEq(token.balanceOf(RECIPIENT), 100e6, "good paid later");
        vm.assertEq(hostile.balanceOf(RECIPIENT), 100, "bad paid later");
    }

    // ---------------------------------------------------------------- reentrant callback

    /// @dev The nested deposit has its own tokens and allowance, so without the guard it would succeed and, before
    ///      the move, be counted twice by the outer balance measurement (credited to the token, and to the payer).
    function testFuzz_deposit_reentryIsBlockedAndNothingIsCountedTwice(bool beforeMove) external {
        hostile.mint(address(hostile), 50);
        hostile.execute(address(hostile), abi.encodeCall(hostile.approve, (address(vault), 50)));
        hostile.arm(address(vault), abi.encodeCall(vault.deposit, (address(hostile), 50)), beforeMove);

        _depositHostile(payer, 100);

        _assertReentryBlocked();
        vm.assertEq(vault.collateral(payer, address(hostile)), 100, "payer credited once");
        vm.assertEq(vault.collateral(address(hostile), address(hostile)), 0, "nested deposit not credited");
        vm.assertEq(hostile.balanceOf(address(vault)), 100, "vault balance");
        vm.assertEq(hostile.balanceOf(address(hostile)), 50, "nested tokens kept");
    }

    /// @dev The token is the payer, so the reentry comes from the account whose withdrawal is being paid.
    function testFuzz_finalizeWithdrawal_reentryIsBlockedAndPaysOnce(bool beforeMove) external {
        _depositAsTheToken(100);
        hostile.execute(address(vault), abi.encodeCall(vault.requestWithdrawal, (address(hostile), 100)));
        vm.warp(T0 + WITHDRAWAL_DELAY);
        bytes memory finalize = abi.encodeCall(vault.finalizeWithdrawal, (address(hostile)));
        hostile.arm(address(vault), finalize, beforeMove);

        hostile.execute(address(vault), finalize);

        _assertReentryBlocked();
        vm.assertEq(hostile.balanceOf(address(hostile)), 100, "paid once");
        vm.assertEq(hostile.balanceOf(address(vault)), 0, "vault empty");
        vm.assertEq(vault.collateral(address(hostile), address(hostile)), 0, "collateral");
        _assertWithdrawal(address(hostile), address(hostile), 0, 0);
        // And after the fact the request is gone: a second finalization is refused.
        vm.expectRevert(
            abi.encodeWithSelector(
                ICore4MicaCollateral.Core4MicaNoWithdrawalRequest.selector,
                address(hostile),
                address(hostile)
            )
        );
        hostile.execute(address(vault), finalize);
    }

    /// @dev A reentry into a different guarded function (a valid remuneration) during a withdrawal is blocked by
    ///      the guard alone: the same call made right after succeeds.
    function test_finalizeWithdrawal_crossFunctionReentryIntoRemunerateIsBlocked() external {
        _depositHostile(payer, 1_000);
        vm.prank(payer);
        vault.requestWithdrawal(address(hostile), 100);
        uint64 ts = T0 + 20 days; // redeemable from T0 + 21 days (missed cycle) until T0 + 41 days
        Guarantee memory g = _v1(address(hostile), 900, 1, ts);
        _missCycle(g, T0 + 21 days);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        bytes memory cert = _envelopeV1(g);
        bytes memory redeem = abi.encodeCall(vault.remunerate, (cert, _bls(cert), _payerSigV1(g)));
        hostile.arm(address(vault), redeem, false);

        vm.prank(payer);
        vault.finalizeWithdrawal(address(hostile));

        _assertReentryBlocked();
        vm.assertEq(hostile.balanceOf(payer), 100, "withdrawn");
        vm.assertEq(hostile.balanceOf(RECIPIENT), 0, "nothing remunerated");
        vm.assertEq(vault.collateral(payer, address(hostile)), 900, "collateral");
        vm.assertFalse(vault.isConsumed(_id(g)), "not consumed");

        (bool ok, ) = address(vault).call(redeem);
        vm.assertTrue(ok, "the same remuneration succeeds outside the withdrawal");
        vm.assertEq(hostile.balanceOf(RECIPIENT), 900, "remunerated after");
        vm.assertEq(vault.collateral(payer, address(hostile)), 0, "collateral after");
    }

    /// @dev The same certificate redeemed again from inside its own payment.
    function testFuzz_remunerateV1_reentryIsBlockedAndPaysOnce(bool beforeMove) external {
        _depositHostile(payer, 1_000);
        vm.warp(OPENS_AT);
        Guarantee memory g = _v1(address(hostile), 100, 1, TS);
        _missCycle(g, OPENS_AT);
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV1(g);
        hostile.arm(address(vault), abi.encodeCall(vault.remunerate, (cert, sig, payerSig)), beforeMove);

        vault.remunerate(cert, sig, payerSig);

        _assertReentryBlocked();
        vm.assertEq(hostile.balanceOf(RECIPIENT), 100, "paid once");
        vm.assertEq(vault.collateral(payer, address(hostile)), 900, "debited once");
        vm.assertEq(hostile.balanceOf(address(vault)), 900, "vault balance");
        vm.assertTrue(vault.isConsumed(_id(g)), "consumed");
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, _id(g)));
        vault.remunerate(cert, sig, payerSig);
    }

    // ---------------------------------------------------------------- fee on transfer, both ways

    /// @dev A fee on the way in and another on the way out: the vault credits what arrived, pays out exactly the
    ///      collateral it books, and its balance always equals the collateral it holds.
    function testFuzz_feeOnTransfer_depositAndWithdrawKeepTheBooksExact(
        uint256 amount,
        uint256 feeIn,
        uint256 feeOut
    ) external {
        amount = _bound(amount, 1, 1e30);
        feeIn = _bound(feeIn, 0, 9_999);
        feeOut = _bound(feeOut, 0, 10_000);
        feeToken.setFeeBps(feeIn);
        uint256 credited = amount - (amount * feeIn) / 10_000;
        feeToken.mint(payer, amount);
        vm.startPrank(payer);
        feeToken.approve(address(vault), amount);
        if (credited == 0) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    ICore4MicaCollateral.Core4MicaNothingCredited.selector,
                    address(feeToken),
                    amount
                )
            );
            vault.deposit(address(feeToken), amount);
            vm.stopPrank();
            return;
        }
        vault.deposit(address(feeToken), amount);
        vm.assertEq(vault.collateral(payer, address(feeToken)), credited, "credited what arrived");
        vm.assertEq(feeToken.balanceOf(address(vault)), credited, "vault balance = collateral");

        vault.requestWithdrawal(address(feeToken), credited);
        vm.stopPrank();
        vm.warp(T0 + WITHDRAWAL_DELAY);
        feeToken.setFeeBps(feeOut);
        vm.prank(payer);
        uint256 withdrawn = vault.finalizeWithdrawal(address(feeToken));
        vm.assertEq(withdrawn, credited, "booked amount paid out");
        vm.assertEq(vault.collateral(payer, address(feeToken)), 0, "collateral");
        vm.assertEq(feeToken.balanceOf(address(vault)), 0, "vault empty");
        vm.assertEq(feeToken.balanceOf(payer), credited - (credited * feeOut) / 10_000, "payer got it less the fee");
    }
}
