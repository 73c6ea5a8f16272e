// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {ICore4Mica} from "../../contracts/interfaces/ICore4Mica.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {Core4MicaTestBase} from "../vault/Core4MicaTestBase.sol";
import {vm} from "../utils/Vm.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";

/// @dev The ClearingHouse against the real Core4Mica vault (docs/protocol.md §5, §6): defaults covered from real
///      collateral (pending withdrawals capped), the consumed set shared by netting and route B, and the V1 liveness
///      fallback decided by the ClearingHouse's schedule and commits.
contract ClearingHouseWithVaultTest is Core4MicaTestBase {
    uint64 internal constant OPERATOR_ROLE = 3;
    address internal constant OPERATOR = address(0x09E7A7);
    address internal constant CREDITOR_A = address(0xCA);
    address internal constant CREDITOR_B = address(0xCB);

    ClearingHouse internal ch;
    mapping(uint256 cycleId => bytes32[] tree) private _trees;

    struct Position {
        address participant;
        uint8 role;
        uint256 amount;
    }

    function setUp() public override {
        super.setUp();
        // Genesis T0 with daily cycles: the same numbering as the base fixture's `_v1`/`_v2` cycle ids.
        ch = new ClearingHouse(
            address(manager),
            address(vault),
            uint48(T0),
            CycleSchedule.Params(uint32(CYCLE_LENGTH), 6 hours, 15 minutes, 2 hours, 2 hours)
        );
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = IClearingHouse.commitCycle.selector;
        manager.setTargetFunctionRole(address(ch), sel, OPERATOR_ROLE);
        manager.grantRole(OPERATOR_ROLE, OPERATOR, 0);
        vm.prank(GOVERNOR);
        vault.setClearingHouse(address(ch));
    }

    function _leaf(uint256 cycleId, address asset, Position memory p) internal view returns (bytes32) {
        return NettingLeaf.hash(block.chainid, address(ch), cycleId, asset, p.participant, p.role, p.amount);
    }

    function _commit(uint256 cycleId, address asset, Position[] memory ps, bytes32[] memory v2Ids) internal {
        bytes32[] memory leaves = new bytes32[](ps.length);
        uint256 total = 0;
        uint32 nd = 0;
        for (uint256 i = 0; i < ps.length; ++i) {
            leaves[i] = _leaf(cycleId, asset, ps[i]);
            if (ps[i].role == NettingLeaf.NET_DEBTOR) {
                total += ps[i].amount;
                ++nd;
            }
        }
        bytes32[] memory tree = MerkleHelper.build(leaves);
        _trees[cycleId] = tree;
        vm.warp(ch.cycleDeadlines(cycleId).resolutionCutoff);
        vm.prank(OPERATOR);
        ch.commitCycle(cycleId, asset, tree[0], total, total, nd, uint32(ps.length) - nd, 0, v2Ids);
    }

    function _proof(uint256 cycleId, address asset, Position memory p) internal view returns (bytes32[] memory) {
        return MerkleHelper.proof(_trees[cycleId], _leaf(cycleId, asset, p));
    }

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
        _commit(cycleId, ETH, ps, new bytes32[](0));

        vm.warp(ch.cycleDeadlines(cycleId).paymentDeadline + 1);
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](2);
        claims[0] = IClearingHouse.DefaultClaim(payer, 3 ether, _proof(cycleId, ETH, ps[0]));
        claims[1] = IClearingHouse.DefaultClaim(other, 2 ether, _proof(cycleId, ETH, ps[1]));
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
        _commit(2, address(token), ps, new bytes32[](0));
        vm.warp(ch.cycleDeadlines(2).paymentDeadline + 1);
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(payer, 7e6, _proof(2, address(token), ps[0]));
        ch.markDefaulted(2, address(token), claims);
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
        bytes32 id = _id(g);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = id;
        Position[] memory ps = new Position[](2);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 1 ether);
        ps[1] = Position(RECIPIENT, NettingLeaf.NET_CREDITOR, 1 ether);
        _commit(0, ETH, ps, ids);
        require(vault.isConsumed(id), "consumed by the commit");

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
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = id;
        Position[] memory ps = new Position[](2);
        ps[0] = Position(payer, NettingLeaf.NET_DEBTOR, 1 ether);
        ps[1] = Position(RECIPIENT, NettingLeaf.NET_CREDITOR, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(ICore4Mica.Core4MicaGuaranteeAlreadyConsumed.selector, id));
        this.commitExternal(cycleId, ETH, ps, ids);
        require(!ch.getCycle(cycleId, ETH).committed, "not committed");
    }

    /// @dev External so a test can expect a revert of the whole commit helper (warp included).
    function commitExternal(uint256 cycleId, address asset, Position[] memory ps, bytes32[] memory ids) external {
        _commit(cycleId, asset, ps, ids);
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
        _commit(g.cycleId, ETH, ps, new bytes32[](0));
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
