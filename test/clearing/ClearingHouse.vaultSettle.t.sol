// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaCollateral} from "../../contracts/interfaces/ICore4MicaCollateral.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";
import {SettlementBatch} from "./utils/SettlementBatch.sol";

/// @dev `settleNetDebitsFromCollateral` against the real vault: its `settleFromCollateral` hook debits exactly each
///      covered amount (capping a pending withdrawal), emits `CollateralSettled`, refuses any caller but the
///      ClearingHouse, and an authorization whose collateral was withdrawn meanwhile is skipped, not reverted.
contract ClearingHouseVaultSettleTest is ClearingHouseVaultFixture {
    uint256 internal constant CYCLE_ID = 30;

    Position[] internal _ps;

    /// @dev `payer` owes 2 ETH and `other` 1 ETH in cycle 30 (the addresses sorted), creditor A is owed 3 ETH.
    function _order() internal view returns (address a, uint256 pa, address b, uint256 pb) {
        (a, pa, b, pb) = payer < other ? (payer, PAYER_PK, other, OTHER_PK) : (other, OTHER_PK, payer, PAYER_PK);
    }

    function _cycle() internal returns (IClearingHouse.CollateralSettlement[] memory list) {
        (address a, uint256 pa, address b, uint256 pb) = _order();
        delete _ps;
        _ps.push(Position(a, NettingLeaf.NET_DEBTOR, 2 ether));
        _ps.push(Position(b, NettingLeaf.NET_DEBTOR, 1 ether));
        _ps.push(Position(CREDITOR_A, NettingLeaf.NET_CREDITOR, 3 ether));
        _commit(CYCLE_ID, ETH, _ps, _noV2());
        list = new IClearingHouse.CollateralSettlement[](2);
        list[0] = _settlementOf(pa, CYCLE_ID, ETH, _ps[0])[0];
        list[1] = _settlementOf(pb, CYCLE_ID, ETH, _ps[1])[0];
    }

    function test_settleFromCollateral_debitsExactlyTheNetDebitsAndEmitsCollateralSettled() external {
        (address a, , address b, ) = _order();
        _depositEth(a, 5 ether);
        _depositEth(b, 1 ether);
        SettlementBatch memory batch = _batch(CYCLE_ID, ETH, _cycle());
        // The vault debits in the batch's (multiproof) order.
        for (uint256 i = 0; i < 2; ++i) {
            IClearingHouse.CollateralSettlement memory s = batch.settlements[i];
            vm.expectEmit(true, true, true, true, address(vault));
            emit ICore4MicaSettlement.CollateralSettled(s.debtor, ETH, s.amount);
        }
        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouse.NetDebitPaid(
            CYCLE_ID,
            ETH,
            batch.settlements[0].debtor,
            address(vault),
            batch.settlements[0].amount
        );
        uint256 vaultBefore = address(vault).balance;
        vm.assertEq(
            ch.settleNetDebitsFromCollateral(CYCLE_ID, ETH, batch.settlements, batch.proof, batch.proofFlags),
            3 ether,
            "settled"
        );

        vm.assertEq(vault.collateral(a, ETH), 3 ether, "a: 5 - 2");
        vm.assertEq(vault.collateral(b, ETH), 0, "b: 1 - 1");
        vm.assertEq(vaultBefore - address(vault).balance, 3 ether, "one transfer of the total out of the vault");
        vm.assertEq(address(ch).balance, 3 ether, "into the ClearingHouse");
        vm.assertEq(
            ch.claimNetCredit(CYCLE_ID, ETH, CREDITOR_A, 3 ether, _proof(CYCLE_ID, ETH, _ps[2])),
            3 ether,
            "the creditor is paid"
        );
    }

    function test_settleFromCollateral_capsAPendingWithdrawalAtWhatRemains() external {
        IClearingHouse.CollateralSettlement[] memory list = _cycle();
        address a = _ps[0].participant; // owes 2
        address b = _ps[1].participant; // owes 1
        _depositEth(a, 3 ether);
        _depositEth(b, 1 ether);
        vm.prank(a);
        vault.requestWithdrawal(ETH, 3 ether);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4MicaCollateral.WithdrawalReduced(a, ETH, 1 ether);
        _settleBatch(CYCLE_ID, ETH, list);
        (uint256 pending, ) = vault.withdrawalRequest(a, ETH);
        vm.assertEq(pending, 1 ether, "capped at what remains");
        vm.assertEq(vault.collateral(a, ETH), 1 ether, "remains");
    }

    function test_settleNetDebitsFromCollateral_skipsAStaleAuthorizationAfterAWithdrawal() external {
        // `b` asked to withdraw long ago; it authorizes its settlement, then finalizes the withdrawal before the
        // batch lands: its item is skipped (no revert), the other debtor is settled.
        (address a, , address b, ) = _order();
        _depositEth(b, 1 ether);
        vm.prank(b);
        vault.requestWithdrawal(ETH, 1 ether);
        IClearingHouse.CollateralSettlement[] memory list = _cycle(); // 30 days later: the withdrawal is ready
        _depositEth(a, 2 ether);
        vm.prank(b);
        vault.finalizeWithdrawal(ETH);

        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouse.NetDebitSettlementSkipped(CYCLE_ID, ETH, b, 1 ether, 0);
        vm.assertEq(_settleBatch(CYCLE_ID, ETH, list), 2 ether, "a only");
        IClearingHouse.ParticipantState memory sb = ch.getParticipant(CYCLE_ID, ETH, b);
        vm.assertFalse(sb.paid || sb.defaulted, "b unresolved");
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors), 1, "one resolved");

        // After the deadline b falls to the default path (nothing left to seize, nothing was signed).
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + ch.SEIZURE_MARGIN() + 1);
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, _ps[1], address(this)));
        vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, b).defaulted, "b defaulted");
    }

    function test_settleFromCollateral_revertsWhenNotCalledByTheClearingHouse() external {
        address[] memory users = new address[](1);
        users[0] = payer;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1;
        _depositEth(payer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, STRANGER));
        vm.prank(STRANGER);
        vault.settleFromCollateral(ETH, users, amounts);
    }

    function test_settleFromCollateral_paysAnErc20CycleFromTheRealVault() external {
        Position[] memory ps = _twoPositions(payer, CREDITOR_A, 7e6);
        _depositToken(payer, 10e6);
        _commit(CYCLE_ID, address(token), ps, _noV2());
        vm.assertEq(
            _settleBatch(CYCLE_ID, address(token), _settlementOf(PAYER_PK, CYCLE_ID, address(token), ps[0])),
            7e6,
            "settled"
        );
        vm.assertEq(vault.collateral(payer, address(token)), 3e6, "debited");
        vm.assertEq(token.balanceOf(address(ch)), 7e6, "received");
    }
}
