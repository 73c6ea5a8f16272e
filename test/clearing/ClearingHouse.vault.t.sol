// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";

/// @dev The ClearingHouse against the real Core4Mica vault (docs/protocol.md §5, §6): defaults covered from real
///      collateral (pending withdrawals capped) up to what the debtor signed, the consumed set shared by netting and
///      route B, and the V1 liveness fallback decided by the ClearingHouse's schedule and commits.
contract ClearingHouseWithVaultTest is ClearingHouseVaultFixture {
    function test_withVault_defaultsArePulledFromCollateralAndCapPendingWithdrawals() external {
        _depositEth(payer, 5 ether);
        _depositEth(other, 1 ether);
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 5 ether);

        Position[] memory ps = new Position[](4);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 3 ether);
        ps[1] = Position(other, NettingLeaf.NET_DEBTOR, 2 ether);
        ps[2] = Position(CREDITOR_A, NettingLeaf.NET_CREDITOR, 4 ether);
        ps[3] = Position(CREDITOR_B, NettingLeaf.NET_CREDITOR, 1 ether);
        uint256 cycleId = 1;
        _commit(cycleId, ETH, ps, _noV2());
        _proveOne(PAYER_PK, cycleId, ETH, 1, 3 ether);
        _proveOne(OTHER_PK, cycleId, ETH, 1, 2 ether);

        vm.warp(ch.cycleDeadlines(cycleId).paymentDeadline + 1);
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](2);
        claims[0] = IClearingHouse.DefaultClaim(payer, 3 ether, _proof(cycleId, ETH, ps[0]), address(this));
        claims[1] = IClearingHouse.DefaultClaim(other, 2 ether, _proof(cycleId, ETH, ps[1]), address(this));
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.CollateralSeized(payer, ETH, 3 ether, 3 ether);
        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouse.DebtorDefaulted(cycleId, ETH, payer, 3 ether, 3 ether, 0);
        vm.prank(STRANGER);
        ch.markDefaulted(cycleId, ETH, claims);

        vm.assertEq(vault.collateral(payer, ETH), 2 ether, "payer keeps the rest");
        vm.assertEq(vault.collateral(other, ETH), 0, "other had only 1");
        (uint256 pending, ) = vault.withdrawalRequest(payer, ETH);
        vm.assertEq(pending, 2 ether, "pending withdrawal capped at what remains");
        vm.assertEq(address(ch).balance, 4 ether, "covered 3 + 1");

        // Funded 4 of 5: creditors get 4/5 of their credit.
        uint256 paidA = ch.claimNetCredit(cycleId, ETH, CREDITOR_A, 4 ether, _proof(cycleId, ETH, ps[2]));
        uint256 paidB = ch.claimNetCredit(cycleId, ETH, CREDITOR_B, 1 ether, _proof(cycleId, ETH, ps[3]));
        vm.assertEq(paidA, 3.2 ether, "A pro rata");
        vm.assertEq(paidB, 0.8 ether, "B pro rata");
        vm.assertEq(address(ch).balance, 0, "all paid out");
    }

    function test_withVault_erc20DefaultIsCoveredAndCreditorsPaidInFull() external {
        _depositToken(payer, 10e6);
        Position[] memory ps = new Position[](2);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 7e6);
        ps[1] = Position(CREDITOR_A, NettingLeaf.NET_CREDITOR, 7e6);
        _commit(2, address(token), ps, _noV2());
        _proveOne(PAYER_PK, 2, address(token), 1, 7e6);
        vm.warp(ch.cycleDeadlines(2).paymentDeadline + 1);
        ch.markDefaulted(2, address(token), _claim(2, address(token), ps[0], address(this)));
        vm.assertEq(
            ch.claimNetCredit(2, address(token), CREDITOR_A, 7e6, _proof(2, address(token), ps[1])),
            7e6,
            "full"
        );
        vm.assertEq(token.balanceOf(CREDITOR_A), 7e6, "received");
        vm.assertEq(vault.collateral(payer, address(token)), 3e6, "rest stays");
    }

    function test_withVault_onlyTheClearingHouseMaySeize() external {
        _depositEth(payer, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaUnauthorizedClearingHouse.selector, STRANGER));
        vm.prank(STRANGER);
        vault.seizeCollateral(payer, ETH, 1 ether);
    }

    function test_withVault_aNettedV2GuaranteeCannotThenBeRedeemed() external {
        _depositEth(payer, 5 ether);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, T0 + 1 hours);
        bytes32 id = _gid(payer, RECIPIENT, ETH, 1);
        vm.warp(ch.cycleDeadlines(0).resolutionCutoff);
        vm.expectEmit(true, true, true, true, address(vault));
        emit ICore4Mica.GuaranteeNetted(id, 0, ETH, payer, RECIPIENT, 1 ether);
        _commit(0, ETH, _twoPositions(payer, RECIPIENT, 1 ether), _one(_netted(g)));
        require(vault.isConsumed(id), "consumed by the commit");
        vm.assertEq(ch.nettedSignedAmount(0, ETH, payer), 1 ether, "counted as signed by the payer");

        vm.warp(g.timestamp + GRACE);
        bytes memory envelope = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(envelope);
        bytes memory payerSig = _payerSigV2(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        vault.remunerate(envelope, sig, payerSig);
    }

    function test_withVault_aRedeemedV2GuaranteeCannotThenBeNetted() external {
        _depositEth(payer, 5 ether);
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 2, T0 + 1 hours);
        bytes memory envelope = _envelopeV2(g);
        vm.warp(g.timestamp + GRACE);
        bytes32 id = vault.remunerate(envelope, _bls(envelope), _payerSigV2(g));
        vm.assertEq(RECIPIENT.balance, 1 ether, "route B paid");

        // Core then nets it in the current cycle: the commit reverts, nothing is committed.
        uint256 cycleId = ch.currentCycle();
        vm.warp(ch.cycleDeadlines(cycleId).resolutionCutoff);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        this.commitExternal(cycleId, ETH, _twoPositions(payer, RECIPIENT, 1 ether), _one(_netted(g)));
        require(!ch.getCycle(cycleId, ETH).committed, "not committed");
    }

    /// @dev External so a test can expect a revert of the whole commit helper.
    function commitExternal(
        uint256 cycleId,
        address asset,
        Position[] memory ps,
        ICore4MicaSettlement.NettedGuarantee[] memory v2
    ) external {
        _commit(cycleId, asset, ps, v2);
    }

    function test_withVault_v1FallbackOpensAtTheFinalityDeadlineOfAMissedCycle() external {
        _depositEth(payer, 5 ether);
        Guarantee memory g = _v1(ETH, 1 ether, 3, T0 + 2 hours);
        bytes memory envelope = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(envelope);
        bytes memory payerSig = _payerSigV1(g);
        CycleSchedule.Deadlines memory d = ch.cycleDeadlines(g.cycleId);

        vm.warp(d.commitDeadline);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaV1FallbackNotOpen.selector, g.cycleId, ETH));
        vault.remunerate(envelope, sig, payerSig);

        vm.warp(d.finalityDeadline - 1);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaRemunerationNotOpen.selector, d.finalityDeadline));
        vault.remunerate(envelope, sig, payerSig);

        vm.warp(d.finalityDeadline);
        vault.remunerate(envelope, sig, payerSig);
        vm.assertEq(RECIPIENT.balance, 1 ether, "fallback paid");
    }

    function test_withVault_v1FallbackStaysClosedForACommittedCycle() external {
        _depositEth(payer, 5 ether);
        Guarantee memory g = _v1(ETH, 1 ether, 4, T0 + 3 hours);
        Position[] memory ps = new Position[](2);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 1 ether);
        ps[1] = Position(RECIPIENT, NettingLeaf.NET_CREDITOR, 1 ether);
        _commit(g.cycleId, ETH, ps, _noV2());
        vm.warp(ch.cycleDeadlines(g.cycleId).finalityDeadline + 1 days);
        bytes memory envelope = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(envelope);
        bytes memory payerSig = _payerSigV1(g);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaV1FallbackNotOpen.selector, g.cycleId, ETH));
        vault.remunerate(envelope, sig, payerSig);
    }

    function test_withVault_v1CertificateWithTheWrongCycleIsRefused() external {
        _depositEth(payer, 5 ether);
        Guarantee memory g = _v1(ETH, 1 ether, 5, T0 + 3 hours);
        g.cycleId = 1; // its timestamp is in cycle 0 of the ClearingHouse's schedule
        bytes memory envelope = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(envelope);
        bytes memory payerSig = _payerSigV1(g);
        vm.warp(ch.cycleDeadlines(1).finalityDeadline);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaCycleMismatch.selector, 1, 0));
        vault.remunerate(envelope, sig, payerSig);
    }
}
