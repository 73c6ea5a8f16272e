// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ReentrantCreditor, RejectingCreditor} from "./utils/Actors.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

contract ClearingHouseClaimTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        Position[] memory ps = _standard(1 ether);
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, ETH, ps);
    }

    function _payAll() internal {
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, ETH, _ps[i]);
    }

    function test_claimNetCredit_paysInFullAsSoonAsTheCycleIsFunded() external {
        _payAll();
        // Still inside the payment window: no need to wait.
        vm.expectEmit();
        emit IClearingHouse.NetCreditClaimed(CYCLE_ID, ETH, c3, 3 ether, 3 ether);
        vm.prank(stranger);
        uint256 paid = _claim(CYCLE_ID, ETH, _ps[5]);
        require(paid == 3 ether && c3.balance == 3 ether && stranger.balance == 0, "paid to the creditor");
        require(ch.getParticipant(CYCLE_ID, ETH, c3).claimed, "claimed");
        require(ch.getCycle(CYCLE_ID, ETH).claimedOut == 3 ether, "claimedOut");
    }

    function test_claimNetCredit_paysInFullWhenDefaultsAreFullyCovered() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        _deposit(d2, ETH, 2 ether);
        _deposit(d3, ETH, 5 ether);
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        _markDefaulted(CYCLE_ID, ETH, _ps[2]);
        require(_claim(CYCLE_ID, ETH, _ps[4]) == 2 ether, "full");
    }

    function test_claimNetCredit_paysProRataOnceEveryDebtorIsResolved() external {
        _pay(CYCLE_ID, ETH, _ps[0]); // 3 of 6 paid
        _deposit(d2, ETH, 1 ether); // covers 1 of 2
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        _markDefaulted(CYCLE_ID, ETH, _ps[2]); // no collateral
        // funded 4 of 6: each creditor gets 2/3 of its credit, rounded down.
        vm.expectEmit();
        emit IClearingHouse.NetCreditClaimed(CYCLE_ID, ETH, c1, 1 ether, uint256(1 ether * 4) / 6);
        require(_claim(CYCLE_ID, ETH, _ps[3]) == uint256(1 ether * 4) / 6, "c1");
        require(_claim(CYCLE_ID, ETH, _ps[4]) == uint256(2 ether * 4) / 6, "c2");
        require(_claim(CYCLE_ID, ETH, _ps[5]) == 2 ether, "c3");
        require(address(ch).balance <= 2, "at most rounding dust left");
    }

    function test_claimNetCredit_worksWhilePausedAndAfterFinalization() external {
        _payAll();
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, ETH);
        vm.prank(guardian);
        ch.pause();
        require(_claim(CYCLE_ID, ETH, _ps[3]) == 1 ether, "claimed late, while paused");
    }

    function test_claimNetCredit_revertsWhenShortAndADebtorIsUnresolved() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        _pay(CYCLE_ID, ETH, _ps[1]);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[3]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotFunded.selector, CYCLE_ID, ETH, 5 ether, 6 ether)
        );
        ch.claimNetCredit(CYCLE_ID, ETH, c1, 1 ether, proof);
    }

    function test_claimNetCredit_revertsWhenClaimedTwice() external {
        _payAll();
        _claim(CYCLE_ID, ETH, _ps[3]);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[3]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCreditAlreadyClaimed.selector, CYCLE_ID, ETH, c1)
        );
        ch.claimNetCredit(CYCLE_ID, ETH, c1, 1 ether, proof);
    }

    function test_claimNetCredit_revertsWhenGivenADebtorLeaf() external {
        _payAll();
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                d1,
                NettingLeaf.NET_CREDITOR,
                3 ether
            )
        );
        ch.claimNetCredit(CYCLE_ID, ETH, d1, 3 ether, proof);
    }

    function test_claimNetCredit_revertsWhenTheAmountIsInflated() external {
        _payAll();
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[3]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                c1,
                NettingLeaf.NET_CREDITOR,
                2 ether
            )
        );
        ch.claimNetCredit(CYCLE_ID, ETH, c1, 2 ether, proof);
    }

    function test_claimNetCredit_revertsWhenNotCommitted() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID + 1, ETH)
        );
        ch.claimNetCredit(CYCLE_ID + 1, ETH, c1, 1 ether, new bytes32[](0));
    }

    function test_claimNetCredit_revertsWhenTheTreeOverstatesCredits() external {
        // An operator tree whose creditor leaves sum above the total: the cycle still never pays out more than
        // it received, so no other cycle's funds are touched.
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 3 ether);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, 3 ether);
        ps[2] = Position(c2, NettingLeaf.NET_CREDITOR, 3 ether);
        _payAll(); // cycle 3 holds 6 ether next door
        _commit(CYCLE_ID + 1, ETH, ps);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        require(_claim(CYCLE_ID + 1, ETH, ps[1]) == 3 ether, "first");
        bytes32[] memory proof = _proof(CYCLE_ID + 1, ETH, ps[2]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInsufficientCycleFunds.selector,
                CYCLE_ID + 1,
                ETH,
                3 ether,
                0
            )
        );
        ch.claimNetCredit(CYCLE_ID + 1, ETH, c2, 3 ether, proof);
    }

    function test_claimNetCredit_revertsWhenTheCreditorRefusesEther() external {
        RejectingCreditor rejecting = new RejectingCreditor();
        Position[] memory ps = new Position[](2);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 1 ether);
        ps[1] = Position(address(rejecting), NettingLeaf.NET_CREDITOR, 1 ether);
        _commit(CYCLE_ID + 1, ETH, ps);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        bytes32[] memory proof = _proof(CYCLE_ID + 1, ETH, ps[1]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseEtherTransferFailed.selector,
                address(rejecting),
                1 ether
            )
        );
        ch.claimNetCredit(CYCLE_ID + 1, ETH, address(rejecting), 1 ether, proof);
    }

    function test_claimNetCredit_revertsOnReentry() external {
        ReentrantCreditor attacker = new ReentrantCreditor();
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 2 ether);
        ps[1] = Position(address(attacker), NettingLeaf.NET_CREDITOR, 1 ether);
        ps[2] = Position(c1, NettingLeaf.NET_CREDITOR, 1 ether);
        _commit(CYCLE_ID + 1, ETH, ps);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        attacker.arm(
            address(ch),
            abi.encodeCall(ch.claimNetCredit, (CYCLE_ID + 1, ETH, c1, 1 ether, _proof(CYCLE_ID + 1, ETH, ps[2])))
        );
        _claim(CYCLE_ID + 1, ETH, ps[1]);
        require(!attacker.reentered(), "re-entry refused");
        require(
            keccak256(attacker.reentryError()) ==
                keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "by the guard"
        );
        require(!ch.getParticipant(CYCLE_ID + 1, ETH, c1).claimed && c1.balance == 0, "c1 untouched");
    }

    // Finalization ----------------------------------------------------------------------------------------------

    function test_finalizeCycle_neverWaitsForCreditors() external {
        _payAll();
        _claim(CYCLE_ID, ETH, _ps[3]);
        _warpAfterFinality(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.CycleFinalized(CYCLE_ID, ETH, 6 ether, 0);
        vm.prank(stranger);
        ch.finalizeCycle(CYCLE_ID, ETH);
        require(ch.getCycle(CYCLE_ID, ETH).finalized, "finalized");
    }

    function test_finalizeCycle_reportsPaidInAndCovered() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        _deposit(d2, ETH, 1 ether);
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        _markDefaulted(CYCLE_ID, ETH, _ps[2]);
        _warpAfterFinality(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.CycleFinalized(CYCLE_ID, ETH, 3 ether, 1 ether);
        ch.finalizeCycle(CYCLE_ID, ETH);
    }

    function test_finalizeCycle_worksWhilePaused() external {
        _payAll();
        vm.prank(guardian);
        ch.pause();
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, ETH);
        require(ch.getCycle(CYCLE_ID, ETH).finalized, "finalized while paused");
    }

    function test_finalizeCycle_revertsWhenBeforeTheFinalityDeadline() external {
        _payAll();
        uint256 deadline = _d(CYCLE_ID).finalityDeadline;
        vm.warp(deadline);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseFinalityPending.selector, CYCLE_ID, ETH, deadline)
        );
        ch.finalizeCycle(CYCLE_ID, ETH);
    }

    function test_finalizeCycle_revertsWhenADebtorIsUnresolved() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        _warpAfterFinality(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseDebtorsUnresolved.selector, CYCLE_ID, ETH, 2, 3)
        );
        ch.finalizeCycle(CYCLE_ID, ETH);
    }

    function test_finalizeCycle_revertsWhenAlreadyFinalized() external {
        _payAll();
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, ETH);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleAlreadyFinalized.selector, CYCLE_ID, ETH)
        );
        ch.finalizeCycle(CYCLE_ID, ETH);
    }

    function test_finalizeCycle_revertsWhenNotCommitted() external {
        _warpAfterFinality(CYCLE_ID + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID + 1, ETH)
        );
        ch.finalizeCycle(CYCLE_ID + 1, ETH);
    }
}
