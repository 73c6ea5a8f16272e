// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {FeeOnTransferERC20} from "../../contracts/mocks/FeeOnTransferERC20.sol";
import {ReentrantERC20} from "../../contracts/mocks/ReentrantERC20.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {SettlementBatch} from "./utils/SettlementBatch.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";

/// @dev Hostile ERC-20s against the ClearingHouse (docs/reliability.md, scope item 7): `transferFrom` returning false
///      on `payNetDebit`, `transfer` returning false on `claimNetCredit`, a token that calls back into
///      `payNetDebit` / `claimNetCredit` from inside its own transfer, and fee-on-transfer at random fees on both
///      paths; the same against `claimNetCredits` batches. The fixed-fee `payNetDebit` refusal is in
///      ClearingHouse.pay.t.sol.
contract ClearingHouseHostileTokensTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    uint256 internal constant UNIT = 1e6;

    ReentrantERC20 internal hostile;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        hostile = new ReentrantERC20();
        Position[] memory ps = _standard(UNIT); // debtors 3, 2, 1; creditors 1, 2, 3
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, address(hostile), ps);
    }

    function _payAll() internal {
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, address(hostile), _ps[i]);
    }

    function _cycle() internal view returns (IClearingHouse.CycleState memory) {
        return ch.getCycle(CYCLE_ID, address(hostile));
    }

    function _participant(address who) internal view returns (IClearingHouse.ParticipantState memory) {
        return ch.getParticipant(CYCLE_ID, address(hostile), who);
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

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (x % (max - min + 1));
    }

    // ---------------------------------------------------------------- false returns

    function test_payNetDebit_revertsAndChangesNothingWhenTransferFromReturnsFalse() external {
        Position memory p = _ps[0];
        _fund(p.participant, address(hostile), p.amount);
        bytes32[] memory proof = _proof(CYCLE_ID, address(hostile), p);
        hostile.setReturnsFalse(false, true);

        vm.expectRevert(_failedOperation());
        vm.prank(p.participant);
        ch.payNetDebit(CYCLE_ID, address(hostile), p.participant, p.amount, proof);

        vm.assertEq(_cycle().paidIn, 0, "paidIn");
        vm.assertEq(uint256(_cycle().resolvedDebtors), 0, "resolved");
        vm.assertFalse(_participant(p.participant).paid, "not paid");
        vm.assertEq(hostile.balanceOf(p.participant), p.amount, "debtor balance");
        vm.assertEq(hostile.balanceOf(address(ch)), 0, "house balance");

        // The debtor is not marked paid, so it can still pay once the token behaves.
        hostile.setReturnsFalse(false, false);
        vm.prank(p.participant);
        ch.payNetDebit(CYCLE_ID, address(hostile), p.participant, p.amount, proof);
        vm.assertEq(_cycle().paidIn, p.amount, "paid later");
    }

    function test_claimNetCredit_revertsAndChangesNothingWhenTransferReturnsFalse() external {
        _payAll();
        Position memory c = _ps[5];
        hostile.setReturnsFalse(true, false);

        vm.expectRevert(_failedOperation());
        _claim(CYCLE_ID, address(hostile), c);

        vm.assertEq(_cycle().claimedOut, 0, "claimedOut");
        vm.assertFalse(_participant(c.participant).claimed, "not claimed");
        vm.assertEq(hostile.balanceOf(c.participant), 0, "creditor balance");
        vm.assertEq(hostile.balanceOf(address(ch)), 6 * UNIT, "house balance");

        hostile.setReturnsFalse(false, false);
        vm.assertEq(_claim(CYCLE_ID, address(hostile), c), c.amount, "claimed later");
        vm.assertEq(hostile.balanceOf(c.participant), c.amount, "creditor paid later");
    }

    // ---------------------------------------------------------------- reentrant callback

    /// @dev The token contract holds d2's debit and has approved the house, so without the guard the nested payment
    ///      would go through (and, before the move, also inflate the outer balance measurement).
    function testFuzz_payNetDebit_reentryIsBlockedAndCountsOnce(bool beforeMove) external {
        Position memory first = _ps[0];
        Position memory second = _ps[1];
        hostile.mint(address(hostile), second.amount);
        hostile.execute(address(hostile), abi.encodeCall(hostile.approve, (address(ch), second.amount)));
        bytes memory nested = abi.encodeCall(
            ch.payNetDebit,
            (CYCLE_ID, address(hostile), second.participant, second.amount, _proof(CYCLE_ID, address(hostile), second))
        );
        hostile.arm(address(ch), nested, beforeMove);

        _pay(CYCLE_ID, address(hostile), first);

        _assertReentryBlocked();
        vm.assertEq(_cycle().paidIn, first.amount, "paidIn counts the outer payment only");
        vm.assertEq(uint256(_cycle().resolvedDebtors), 1, "resolved");
        vm.assertTrue(_participant(first.participant).paid, "first paid");
        vm.assertFalse(_participant(second.participant).paid, "second not paid");
        vm.assertEq(hostile.balanceOf(address(ch)), first.amount, "house balance");
        vm.assertEq(hostile.balanceOf(address(hostile)), second.amount, "nested funds kept");

        _pay(CYCLE_ID, address(hostile), second);
        vm.assertEq(_cycle().paidIn, first.amount + second.amount, "second paid after");
    }

    /// @dev The nested claim is for the creditor being paid (a double payment) or for another one.
    function testFuzz_claimNetCredit_reentryIsBlockedAndPaysOnce(bool beforeMove, uint8 which) external {
        _payAll();
        Position memory outer = _ps[3];
        Position memory inner = _ps[3 + (which % 3)];
        bytes memory nested = abi.encodeCall(
            ch.claimNetCredit,
            (CYCLE_ID, address(hostile), inner.participant, inner.amount, _proof(CYCLE_ID, address(hostile), inner))
        );
        hostile.arm(address(ch), nested, beforeMove);

        vm.assertEq(_claim(CYCLE_ID, address(hostile), outer), outer.amount, "outer paid");

        _assertReentryBlocked();
        vm.assertEq(hostile.balanceOf(outer.participant), outer.amount, "outer paid once");
        vm.assertEq(_cycle().claimedOut, outer.amount, "claimedOut");
        vm.assertEq(hostile.balanceOf(address(ch)), 6 * UNIT - outer.amount, "house balance");
        if (inner.participant != outer.participant) {
            vm.assertEq(hostile.balanceOf(inner.participant), 0, "inner not paid");
            vm.assertFalse(_participant(inner.participant).claimed, "inner not claimed");
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseCreditAlreadyClaimed.selector,
                CYCLE_ID,
                address(hostile),
                outer.participant
            )
        );
        _claim(CYCLE_ID, address(hostile), outer);
    }

    // ---------------------------------------------------------------- fee on transfer

    /// @dev A debit paid in a fee token is accepted only when the fee rounds to zero (the house measures what
    ///      arrived), and a refused payment changes nothing. Claims in a token that starts taking a fee afterwards
    ///      still pay every creditor its full credit from the house's side and never overdraw the cycle.
    function testFuzz_feeOnTransfer_paymentsAreExactAndClaimsNeverOverdraw(
        uint256 unit,
        uint256 payFeeBps,
        uint256 claimFeeBps
    ) external {
        unit = _bound(unit, 1, 1e24);
        payFeeBps = _bound(payFeeBps, 0, 10_000);
        claimFeeBps = _bound(claimFeeBps, 0, 10_000);
        FeeOnTransferERC20 fee = new FeeOnTransferERC20(payFeeBps);
        address asset = address(fee);
        Position[] memory ps = _standard(unit);
        _commit(CYCLE_ID, asset, ps);

        Position memory first = ps[0];
        uint256 cut = (first.amount * payFeeBps) / 10_000;
        if (cut != 0) {
            _fund(first.participant, asset, first.amount);
            bytes32[] memory proof = _proof(CYCLE_ID, asset, first);
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClearingHouse.ClearingHouseIncorrectPayment.selector,
                    first.amount,
                    first.amount - cut
                )
            );
            vm.prank(first.participant);
            ch.payNetDebit(CYCLE_ID, asset, first.participant, first.amount, proof);
            vm.assertEq(ch.getCycle(CYCLE_ID, asset).paidIn, 0, "refused payment not counted");
            vm.assertFalse(ch.getParticipant(CYCLE_ID, asset, first.participant).paid, "not paid");
            vm.assertEq(fee.balanceOf(first.participant), first.amount, "debtor kept its funds");
            vm.assertEq(fee.balanceOf(address(ch)), 0, "house balance");
        }

        fee.setFeeBps(0);
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, asset, ps[i]);
        vm.assertEq(ch.getCycle(CYCLE_ID, asset).paidIn, 6 * unit, "paidIn");
        vm.assertEq(fee.balanceOf(address(ch)), 6 * unit, "house funded");

        fee.setFeeBps(claimFeeBps);
        for (uint256 i = 3; i < 6; ++i) {
            vm.assertEq(_claim(CYCLE_ID, asset, ps[i]), ps[i].amount, "claimed in full");
            vm.assertEq(
                fee.balanceOf(ps[i].participant),
                ps[i].amount - (ps[i].amount * claimFeeBps) / 10_000,
                "creditor got it less the token's fee"
            );
        }
        vm.assertEq(ch.getCycle(CYCLE_ID, asset).claimedOut, 6 * unit, "claimedOut");
        vm.assertEq(fee.balanceOf(address(ch)), 0, "house empty, never overdrawn");
    }

    // ---------------------------------------------------------------- batched claims

    function _allClaims(
        address asset,
        Position[] memory ps
    ) internal view returns (IClearingHouse.CreditClaim[] memory list) {
        list = new IClearingHouse.CreditClaim[](3);
        for (uint256 i = 0; i < 3; ++i) list[i] = _creditClaim(CYCLE_ID, asset, ps[3 + i]);
    }

    function test_claimNetCredits_revertsAndChangesNothingWhenATransferReturnsFalse() external {
        _payAll();
        IClearingHouse.CreditClaim[] memory list = _allClaims(address(hostile), _ps);
        hostile.setReturnsFalse(true, false);

        vm.expectRevert(_failedOperation());
        ch.claimNetCredits(CYCLE_ID, address(hostile), list);

        vm.assertEq(_cycle().claimedOut, 0, "claimedOut");
        vm.assertEq(uint256(_cycle().claimedCreditors), 0, "claimedCreditors");
        vm.assertEq(hostile.balanceOf(address(ch)), 6 * UNIT, "house balance");
        hostile.setReturnsFalse(false, false);
        vm.assertEq(ch.claimNetCredits(CYCLE_ID, address(hostile), list), 6 * UNIT, "claimed later");
    }

    /// @dev During the batch's first transfer the token re-enters with the same batch (a double payment of every
    ///      creditor) or one creditor's single claim: blocked, and each creditor is paid once.
    function testFuzz_claimNetCredits_reentryIsBlockedAndPaysOnce(bool beforeMove, bool single) external {
        _payAll();
        IClearingHouse.CreditClaim[] memory list = _allClaims(address(hostile), _ps);
        Position memory c = _ps[4];
        bytes memory nested =
            single
                ? abi.encodeCall(
                    ch.claimNetCredit,
                    (CYCLE_ID, address(hostile), c.participant, c.amount, _proof(CYCLE_ID, address(hostile), c))
                )
                : abi.encodeCall(ch.claimNetCredits, (CYCLE_ID, address(hostile), list));
        hostile.arm(address(ch), nested, beforeMove);

        vm.assertEq(ch.claimNetCredits(CYCLE_ID, address(hostile), list), 6 * UNIT, "paid");

        _assertReentryBlocked();
        for (uint256 i = 3; i < 6; ++i) {
            vm.assertEq(hostile.balanceOf(_ps[i].participant), _ps[i].amount, "paid once");
        }
        vm.assertEq(hostile.balanceOf(address(ch)), 0, "house emptied exactly");
        vm.assertEq(_cycle().claimedOut, 6 * UNIT, "claimedOut");
    }

    /// @dev A token that takes a fee on the way out: the batch pays every credit in full from the house's side,
    ///      the creditors get it less the token's fee, and the cycle is never overdrawn.
    function testFuzz_claimNetCredits_feeOnTransferNeverOverdraws(uint256 unit, uint256 feeBps) external {
        unit = _bound(unit, 1, 1e24);
        feeBps = _bound(feeBps, 0, 10_000);
        FeeOnTransferERC20 fee = new FeeOnTransferERC20(0);
        Position[] memory ps = _standard(unit);
        _commit(CYCLE_ID, address(fee), ps);
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, address(fee), ps[i]);
        fee.setFeeBps(feeBps);
        vm.assertEq(ch.claimNetCredits(CYCLE_ID, address(fee), _allClaims(address(fee), ps)), 6 * unit, "in full");
        for (uint256 i = 3; i < 6; ++i) {
            vm.assertEq(
                fee.balanceOf(ps[i].participant),
                ps[i].amount - (ps[i].amount * feeBps) / 10_000,
                "creditor got it less the token's fee"
            );
        }
        vm.assertEq(fee.balanceOf(address(ch)), 0, "house empty, never overdrawn");
    }
}

/// @dev Hostile ERC-20s on the paths where the real vault pays the ClearingHouse: a default's seizure and a
///      settlement from collateral.
contract ClearingHouseHostileTokensWithVaultTest is ClearingHouseVaultFixture {
    uint256 internal constant CYCLE_ID = 2;

    ReentrantERC20 internal hostile;

    function setUp() public override {
        super.setUp();
        hostile = new ReentrantERC20();
        vm.prank(GOVERNOR);
        vault.setAssetAllowed(address(hostile), true);
    }

    /// @dev `payer` owes 7 units of `asset` in a committed cycle, proven signed, past its payment deadline.
    function _defaultable(address asset) internal returns (Position[] memory ps) {
        ps = new Position[](2);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 7e6);
        ps[1] = Position(CREDITOR_A, NettingLeaf.NET_CREDITOR, 7e6);
        _commit(CYCLE_ID, asset, ps, _noV2());
        _proveOne(PAYER_PK, CYCLE_ID, asset, 1, 7e6);
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + 1);
    }

    /// @dev During the vault's transfer of the seized collateral, the token re-enters the ClearingHouse (the same
    ///      default again: a double seizure) or the vault (a deposit, funded and approved). Both are blocked, and
    ///      the default seizes once.
    function testFuzz_markDefaulted_reentryDuringTheSeizureIsBlocked(bool beforeMove, bool intoVault) external {
        hostile.mint(payer, 10e6);
        vm.startPrank(payer);
        hostile.approve(address(vault), 10e6);
        vault.deposit(address(hostile), 10e6);
        vm.stopPrank();
        Position[] memory ps = _defaultable(address(hostile));
        IClearingHouse.DefaultClaim[] memory claims = _claim(CYCLE_ID, address(hostile), ps[0], address(this));
        if (intoVault) {
            hostile.mint(address(hostile), 1e6);
            hostile.execute(address(hostile), abi.encodeCall(hostile.approve, (address(vault), 1e6)));
            hostile.arm(address(vault), abi.encodeCall(vault.deposit, (address(hostile), 1e6)), beforeMove);
        } else {
            hostile.arm(
                address(ch),
                abi.encodeCall(ch.markDefaulted, (CYCLE_ID, address(hostile), claims)),
                beforeMove
            );
        }

        ch.markDefaulted(CYCLE_ID, address(hostile), claims);

        (bool attempted, bool succeeded, bytes memory revertData) = hostile.outcome();
        vm.assertTrue(attempted, "reentry attempted");
        vm.assertFalse(succeeded, "reentry failed");
        vm.assertEq(
            keccak256(revertData),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "reentry error"
        );
        vm.assertEq(vault.collateral(payer, address(hostile)), 3e6, "seized once");
        vm.assertEq(vault.collateral(address(hostile), address(hostile)), 0, "nested deposit not credited");
        vm.assertEq(hostile.balanceOf(address(ch)), 7e6, "house balance");
        IClearingHouse.CycleState memory c = ch.getCycle(CYCLE_ID, address(hostile));
        vm.assertEq(c.covered, 7e6, "covered once");
        vm.assertEq(c.paidIn, 0, "no debtor payment counted");
        vm.assertEq(uint256(c.resolvedDebtors), 1, "resolved");
        vm.assertEq(
            ch.claimNetCredit(CYCLE_ID, address(hostile), CREDITOR_A, 7e6, _proof(CYCLE_ID, address(hostile), ps[1])),
            7e6,
            "creditor paid in full"
        );
    }

    /// @dev A fee-on-transfer asset cannot be seized: the house receives less than the vault reports, so the
    ///      default reverts and nothing moves. (Such a cycle cannot be paid either: `payNetDebit` refuses the fee.)
    function test_markDefaulted_revertsWhenTheTokenTakesAFeeOnTheSeizure() external {
        feeToken.setFeeBps(100); // 1 %
        feeToken.mint(payer, 10e6);
        vm.startPrank(payer);
        feeToken.approve(address(vault), 10e6);
        vault.deposit(address(feeToken), 10e6);
        vm.stopPrank();
        Position[] memory ps = _defaultable(address(feeToken));
        IClearingHouse.DefaultClaim[] memory claims = _claim(CYCLE_ID, address(feeToken), ps[0], address(this));

        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseSeizureMismatch.selector, payer, 7e6, 7e6, 6_930_000)
        );
        ch.markDefaulted(CYCLE_ID, address(feeToken), claims);

        vm.assertEq(vault.collateral(payer, address(feeToken)), 9_900_000, "collateral kept");
        vm.assertFalse(ch.getParticipant(CYCLE_ID, address(feeToken), payer).defaulted, "not defaulted");
        vm.assertEq(feeToken.balanceOf(address(ch)), 0, "house balance");
    }

    // ---------------------------------------------------------------- settlement from collateral

    /// @dev `payer` owes 7 units of `asset` in a committed cycle, inside its payment window, with 10 units of
    ///      collateral (less any fee the token takes on the deposit); returns its one-item settlement batch.
    function _settleable(address asset) internal returns (IClearingHouse.CollateralSettlement[] memory list) {
        if (asset == address(hostile)) hostile.mint(payer, 10e6);
        else feeToken.mint(payer, 10e6);
        vm.startPrank(payer);
        IERC20(asset).approve(address(vault), 10e6);
        vault.deposit(asset, 10e6);
        vm.stopPrank();
        Position[] memory ps = new Position[](2);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 7e6);
        ps[1] = Position(CREDITOR_A, NettingLeaf.NET_CREDITOR, 7e6);
        _commit(CYCLE_ID, asset, ps, _noV2());
        list = _settlementOf(PAYER_PK, CYCLE_ID, asset, ps[0]);
    }

    /// @dev During the vault's one transfer to the ClearingHouse, the token re-enters the ClearingHouse (the same
    ///      batch again: a double settlement) or calls the vault's hook itself. Both are refused, and the debtor is
    ///      settled once.
    function testFuzz_settleNetDebitsFromCollateral_reentryDuringTheVaultTransferIsBlocked(
        bool beforeMove,
        bool intoVault
    ) external {
        IClearingHouse.CollateralSettlement[] memory list = _settleable(address(hostile));
        SettlementBatch memory b = _batch(CYCLE_ID, address(hostile), list);
        if (intoVault) {
            address[] memory users = new address[](1);
            users[0] = payer;
            uint256[] memory amounts = new uint256[](1);
            amounts[0] = 3e6;
            hostile.arm(
                address(vault),
                abi.encodeCall(vault.settleFromCollateral, (address(hostile), users, amounts)),
                beforeMove
            );
        } else {
            hostile.arm(
                address(ch),
                abi.encodeCall(
                    ch.settleNetDebitsFromCollateral,
                    (CYCLE_ID, address(hostile), b.settlements, b.proof, b.proofFlags)
                ),
                beforeMove
            );
        }

        vm.assertEq(_settleBatch(CYCLE_ID, address(hostile), list), 7e6, "settled");

        (bool attempted, bool succeeded, bytes memory revertData) = hostile.outcome();
        vm.assertTrue(attempted, "reentry attempted");
        vm.assertFalse(succeeded, "reentry failed");
        // Into the vault, the hook refuses any caller but the ClearingHouse; into the ClearingHouse, the guard.
        bytes memory expected =
            intoVault
                ? abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, address(hostile))
                : abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        vm.assertEq(keccak256(revertData), keccak256(expected), "reentry error");
        vm.assertEq(vault.collateral(payer, address(hostile)), 3e6, "debited once");
        vm.assertEq(hostile.balanceOf(address(ch)), 7e6, "house balance");
        IClearingHouse.CycleState memory c = ch.getCycle(CYCLE_ID, address(hostile));
        vm.assertEq(c.paidIn, 7e6, "paid in once");
        vm.assertEq(uint256(c.resolvedDebtors), 1, "resolved");
    }

    function test_settleNetDebitsFromCollateral_revertsAndChangesNothingWhenTheTransferReturnsFalse() external {
        IClearingHouse.CollateralSettlement[] memory list = _settleable(address(hostile));
        hostile.setReturnsFalse(true, false);
        vm.expectRevert(abi.encodeWithSelector(SafeERC20.SafeERC20FailedOperation.selector, address(hostile)));
        _settleBatch(CYCLE_ID, address(hostile), list);
        vm.assertEq(vault.collateral(payer, address(hostile)), 10e6, "collateral kept");
        vm.assertFalse(ch.getParticipant(CYCLE_ID, address(hostile), payer).paid, "not paid");
        hostile.setReturnsFalse(false, false);
        vm.assertEq(_settleBatch(CYCLE_ID, address(hostile), list), 7e6, "settled later");
    }

    /// @dev A fee-on-transfer asset cannot be settled from collateral: the house receives less than the vault sent,
    ///      so the batch reverts and nothing moves.
    function test_settleNetDebitsFromCollateral_revertsWhenTheTokenTakesAFeeOnTheTransfer() external {
        feeToken.setFeeBps(100); // 1 %
        IClearingHouse.CollateralSettlement[] memory list = _settleable(address(feeToken));
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseCollateralSettlementMismatch.selector,
                7e6,
                7e6,
                6_930_000
            )
        );
        _settleBatch(CYCLE_ID, address(feeToken), list);
        vm.assertEq(vault.collateral(payer, address(feeToken)), 9_900_000, "collateral kept");
        vm.assertFalse(ch.getParticipant(CYCLE_ID, address(feeToken), payer).paid, "not paid");
        vm.assertEq(feeToken.balanceOf(address(ch)), 0, "house balance");
    }
}
