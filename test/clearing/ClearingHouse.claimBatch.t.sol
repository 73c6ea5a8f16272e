// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ReentrantCreditor, RejectingCreditor} from "./utils/Actors.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

/// @dev `claimNetCredits` (batched claims) and the creditor counts every claim keeps, including the closing batch
///      that writes no per-creditor flag.
contract ClearingHouseClaimBatchTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        Position[] memory ps = _standard(1 ether); // debtors 3, 2, 1; creditors c1 1, c2 2, c3 3
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, ETH, ps);
    }

    function _payAll() internal {
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, ETH, _ps[i]);
    }

    /// @dev Claims of the creditors `_ps[from..to)`.
    function _claims(uint256 from, uint256 to) internal view returns (IClearingHouse.CreditClaim[] memory list) {
        list = new IClearingHouse.CreditClaim[](to - from);
        for (uint256 i = from; i < to; ++i) list[i - from] = _creditClaim(CYCLE_ID, ETH, _ps[i]);
    }

    function _expectAlreadyClaimed(address creditor) internal {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCreditAlreadyClaimed.selector, CYCLE_ID, ETH, creditor)
        );
    }

    // ---------------------------------------------------------------- happy paths

    function test_claimNetCredits_paysEveryCreditorInOneCall() external {
        _payAll();
        for (uint256 i = 3; i < 6; ++i) {
            vm.expectEmit(true, true, true, true, address(ch));
            emit IClearingHouse.NetCreditClaimed(CYCLE_ID, ETH, _ps[i].participant, _ps[i].amount, _ps[i].amount);
        }
        vm.prank(stranger);
        uint256 paid = ch.claimNetCredits(CYCLE_ID, ETH, _claims(3, 6));

        vm.assertEq(paid, 6 ether, "paid");
        vm.assertEq(c1.balance, 1 ether, "c1");
        vm.assertEq(c2.balance, 2 ether, "c2");
        vm.assertEq(c3.balance, 3 ether, "c3");
        vm.assertEq(stranger.balance, 0, "nothing to the caller");
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        vm.assertEq(s.claimedOut, 6 ether, "claimedOut");
        vm.assertEq(uint256(s.creditorCount), 3, "creditorCount");
        vm.assertEq(uint256(s.claimedCreditors), 3, "claimedCreditors");
        vm.assertEq(address(ch).balance, 0, "emptied");
    }

    function test_claimNetCredits_closingBatchLeavesEveryCreditorClaimed() external {
        _payAll();
        ch.claimNetCredits(CYCLE_ID, ETH, _claims(3, 6));
        for (uint256 i = 3; i < 6; ++i) {
            vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, _ps[i].participant).claimed, "claimed");
        }
        // Debtors keep their own state: paid, not claimed.
        IClearingHouse.ParticipantState memory d = ch.getParticipant(CYCLE_ID, ETH, d1);
        vm.assertTrue(d.paid && !d.claimed, "debtor");
        // No second claim, single or batched.
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[4]);
        _expectAlreadyClaimed(c2);
        ch.claimNetCredit(CYCLE_ID, ETH, c2, 2 ether, proof);
        IClearingHouse.CreditClaim[] memory again = _claims(5, 6);
        _expectAlreadyClaimed(c3);
        ch.claimNetCredits(CYCLE_ID, ETH, again);
    }

    function test_claimNetCredits_aPartialBatchWritesTheFlagsAndTheRestCanClaimLater() external {
        _payAll();
        vm.assertEq(ch.claimNetCredits(CYCLE_ID, ETH, _claims(3, 5)), 3 ether, "c1 + c2");
        vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, c1).claimed, "c1 flagged");
        vm.assertFalse(ch.getParticipant(CYCLE_ID, ETH, c3).claimed, "c3 not yet");
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).claimedCreditors), 2, "two claimed");
        vm.assertEq(_claim(CYCLE_ID, ETH, _ps[5]), 3 ether, "c3 alone");
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).claimedCreditors), 3, "all claimed");
    }

    function test_claimNetCredits_closesAfterSingleClaims() external {
        _payAll();
        _claim(CYCLE_ID, ETH, _ps[3]);
        // c2 and c3 are every remaining creditor: a closing batch.
        vm.assertEq(ch.claimNetCredits(CYCLE_ID, ETH, _claims(4, 6)), 5 ether, "c2 + c3");
        vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, c2).claimed, "c2 claimed (derived)");
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[3]);
        _expectAlreadyClaimed(c1);
        ch.claimNetCredit(CYCLE_ID, ETH, c1, 1 ether, proof);
    }

    function test_claimNetCredits_paysProRataOnceEveryDebtorIsResolved() external {
        _pay(CYCLE_ID, ETH, _ps[0]); // 3 of 6 paid
        _deposit(d2, ETH, 1 ether); // covers 1 of 2
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        _markDefaulted(CYCLE_ID, ETH, _ps[2]);
        uint256 paid = ch.claimNetCredits(CYCLE_ID, ETH, _claims(3, 6));
        // funded 4 of 6: each creditor gets its credit * 4 / 6, rounded down, as claimNetCredit pays.
        vm.assertEq(c1.balance, uint256(1 ether * 4) / 6, "c1");
        vm.assertEq(c2.balance, uint256(2 ether * 4) / 6, "c2");
        vm.assertEq(c3.balance, 2 ether, "c3");
        vm.assertEq(paid, c1.balance + c2.balance + c3.balance, "paid");
        vm.assertTrue(address(ch).balance <= 2, "at most rounding dust left");
    }

    function test_claimNetCredits_paysTheSameAsSingleClaims() external {
        // The same cycle twice (two assets): single claims on one, a batch on the other.
        _commit(CYCLE_ID, address(token), _ps);
        _payAll();
        for (uint256 i = 0; i < 3; ++i) _pay(CYCLE_ID, address(token), _ps[i]);
        uint256 single = 0;
        for (uint256 i = 3; i < 6; ++i) single += _claim(CYCLE_ID, ETH, _ps[i]);
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](3);
        for (uint256 i = 3; i < 6; ++i) list[i - 3] = _creditClaim(CYCLE_ID, address(token), _ps[i]);
        vm.assertEq(ch.claimNetCredits(CYCLE_ID, address(token), list), single, "same total");
        vm.assertEq(token.balanceOf(c3), 3 ether, "token to c3");
    }

    // ---------------------------------------------------------------- reverts

    function test_claimNetCredits_revertsOnAnEmptyBatch() external {
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseEmptyBatch.selector, CYCLE_ID, ETH));
        ch.claimNetCredits(CYCLE_ID, ETH, new IClearingHouse.CreditClaim[](0));
    }

    function test_claimNetCredits_revertsWhenNotCommitted() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID + 1, ETH)
        );
        ch.claimNetCredits(CYCLE_ID + 1, ETH, _claims(3, 6));
    }

    function test_claimNetCredits_revertsOnADuplicateCreditor() external {
        _payAll();
        IClearingHouse.CreditClaim[] memory list = _claims(3, 5);
        list[1] = list[0];
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseUnsortedBatch.selector, c1, c1));
        ch.claimNetCredits(CYCLE_ID, ETH, list);
    }

    function test_claimNetCredits_revertsOnDecreasingCreditors() external {
        _payAll();
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](2);
        list[0] = _creditClaim(CYCLE_ID, ETH, _ps[4]);
        list[1] = _creditClaim(CYCLE_ID, ETH, _ps[3]);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseUnsortedBatch.selector, c2, c1));
        ch.claimNetCredits(CYCLE_ID, ETH, list);
    }

    function test_claimNetCredits_revertsWhenOneCreditorAlreadyClaimed() external {
        _payAll();
        _claim(CYCLE_ID, ETH, _ps[4]);
        IClearingHouse.CreditClaim[] memory list = _claims(3, 6);
        _expectAlreadyClaimed(c2);
        ch.claimNetCredits(CYCLE_ID, ETH, list);
        vm.assertEq(c1.balance, 0, "the whole batch reverted");
    }

    function test_claimNetCredits_revertsWhenShortAndADebtorIsUnresolved() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        IClearingHouse.CreditClaim[] memory list = _claims(3, 6);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotFunded.selector, CYCLE_ID, ETH, 3 ether, 6 ether)
        );
        ch.claimNetCredits(CYCLE_ID, ETH, list);
    }

    function test_claimNetCredits_revertsOnAnInflatedAmount() external {
        _payAll();
        IClearingHouse.CreditClaim[] memory list = _claims(3, 6);
        list[2].amount = 4 ether;
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                c3,
                NettingLeaf.NET_CREDITOR,
                4 ether
            )
        );
        ch.claimNetCredits(CYCLE_ID, ETH, list);
    }

    /// @dev A tree with 3 creditor leaves committed as 2 creditors (credits summing to the total).
    function _overcountedCycle() internal returns (Position[] memory ps) {
        ps = new Position[](4);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 3 ether);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, 1 ether);
        ps[2] = Position(c2, NettingLeaf.NET_CREDITOR, 1 ether);
        ps[3] = Position(c3, NettingLeaf.NET_CREDITOR, 1 ether);
        bytes32 root = _build(CYCLE_ID + 1, ETH, ps);
        _warpToCommit(CYCLE_ID + 1);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID + 1, ETH, root, 3 ether, 3 ether, 1, 2, bytes32(0), _noV2());
        _proveSigned(CYCLE_ID + 1, ETH, d1, 3 ether);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
    }

    function test_claimNetCredits_revertsWhenTheTreeHoldsMoreCreditorsThanDeclared() external {
        Position[] memory ps = _overcountedCycle();
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](3);
        for (uint256 i = 0; i < 3; ++i) list[i] = _creditClaim(CYCLE_ID + 1, ETH, ps[i + 1]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseTooManyCreditors.selector, CYCLE_ID + 1, ETH, 2)
        );
        ch.claimNetCredits(CYCLE_ID + 1, ETH, list);
    }

    function test_claimNetCredit_revertsWhenTheTreeHoldsMoreCreditorsThanDeclared() external {
        Position[] memory ps = _overcountedCycle();
        _claim(CYCLE_ID + 1, ETH, ps[1]);
        _claim(CYCLE_ID + 1, ETH, ps[2]);
        bytes32[] memory proof = _proof(CYCLE_ID + 1, ETH, ps[3]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseTooManyCreditors.selector, CYCLE_ID + 1, ETH, 2)
        );
        ch.claimNetCredit(CYCLE_ID + 1, ETH, c3, 1 ether, proof);
    }

    function test_claimNetCredit_afterAClosingBatchRefusesAnExtraLeafAsAlreadyClaimed() external {
        // The declared two creditors claim in one closing batch; the third leaf then meets the closed cycle.
        Position[] memory ps = _overcountedCycle();
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](2);
        for (uint256 i = 0; i < 2; ++i) list[i] = _creditClaim(CYCLE_ID + 1, ETH, ps[i + 1]);
        ch.claimNetCredits(CYCLE_ID + 1, ETH, list);
        bytes32[] memory proof = _proof(CYCLE_ID + 1, ETH, ps[3]);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCreditAlreadyClaimed.selector, CYCLE_ID + 1, ETH, c3)
        );
        ch.claimNetCredit(CYCLE_ID + 1, ETH, c3, 1 ether, proof);
        vm.assertEq(address(ch).balance, 1 ether, "the third credit stays in the cycle");
    }

    function test_claimNetCredits_revertsWhenTheTreeOverstatesCredits() external {
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 3 ether);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, 3 ether);
        ps[2] = Position(c2, NettingLeaf.NET_CREDITOR, 3 ether);
        _commit(CYCLE_ID + 1, ETH, ps);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](2);
        list[0] = _creditClaim(CYCLE_ID + 1, ETH, ps[1]);
        list[1] = _creditClaim(CYCLE_ID + 1, ETH, ps[2]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInsufficientCycleFunds.selector,
                CYCLE_ID + 1,
                ETH,
                3 ether,
                0
            )
        );
        ch.claimNetCredits(CYCLE_ID + 1, ETH, list);
    }

    function test_claimNetCredits_revertsWhenACreditorRefusesEther() external {
        RejectingCreditor rejecting = new RejectingCreditor();
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 2 ether);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, 1 ether);
        ps[2] = Position(address(rejecting), NettingLeaf.NET_CREDITOR, 1 ether);
        _commit(CYCLE_ID + 1, ETH, ps);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](2);
        (uint256 a, uint256 b) = c1 < address(rejecting) ? (1, 2) : (2, 1);
        list[0] = _creditClaim(CYCLE_ID + 1, ETH, ps[a]);
        list[1] = _creditClaim(CYCLE_ID + 1, ETH, ps[b]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseEtherTransferFailed.selector,
                address(rejecting),
                1 ether
            )
        );
        ch.claimNetCredits(CYCLE_ID + 1, ETH, list);
        // The others are not held hostage: they claim alone.
        vm.assertEq(_claim(CYCLE_ID + 1, ETH, ps[1]), 1 ether, "c1 alone");
    }

    function test_claimNetCredits_revertsOnReentry() external {
        ReentrantCreditor attacker = new ReentrantCreditor();
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 2 ether);
        ps[1] = Position(address(attacker), NettingLeaf.NET_CREDITOR, 1 ether);
        ps[2] = Position(c1, NettingLeaf.NET_CREDITOR, 1 ether);
        _commit(CYCLE_ID + 1, ETH, ps);
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        IClearingHouse.CreditClaim[] memory again = new IClearingHouse.CreditClaim[](1);
        again[0] = _creditClaim(CYCLE_ID + 1, ETH, ps[2]);
        attacker.arm(address(ch), abi.encodeCall(ch.claimNetCredits, (CYCLE_ID + 1, ETH, again)));
        IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](1);
        list[0] = _creditClaim(CYCLE_ID + 1, ETH, ps[1]);
        ch.claimNetCredits(CYCLE_ID + 1, ETH, list);
        vm.assertFalse(attacker.reentered(), "re-entry refused");
        vm.assertEq(
            keccak256(attacker.reentryError()),
            keccak256(abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)),
            "by the guard"
        );
        vm.assertEq(c1.balance, 0, "c1 untouched");
    }

    // ---------------------------------------------------------------- fuzz

    /// @dev Random split of the creditors into a first batch (any subset, in order) and then single claims: every
    ///      creditor is paid its credit exactly once, whichever way, and nothing more can be claimed.
    function testFuzz_claimNetCredits_paysEachCreditorOnceWhateverTheSplit(uint8 mask) external {
        _payAll();
        uint256 k = 0;
        for (uint256 i = 0; i < 3; ++i) if (mask & (1 << i) != 0) ++k;
        if (k != 0) {
            IClearingHouse.CreditClaim[] memory list = new IClearingHouse.CreditClaim[](k);
            uint256 j = 0;
            for (uint256 i = 0; i < 3; ++i)
                if (mask & (1 << i) != 0) list[j++] = _creditClaim(CYCLE_ID, ETH, _ps[3 + i]);
            ch.claimNetCredits(CYCLE_ID, ETH, list);
        }
        for (uint256 i = 0; i < 3; ++i) if (mask & (1 << i) == 0) _claim(CYCLE_ID, ETH, _ps[3 + i]);
        vm.assertEq(c1.balance + c2.balance + c3.balance, 6 ether, "each paid once");
        vm.assertEq(uint256(ch.getCycle(CYCLE_ID, ETH).claimedCreditors), 3, "all counted");
        for (uint256 i = 3; i < 6; ++i) {
            vm.assertTrue(ch.getParticipant(CYCLE_ID, ETH, _ps[i].participant).claimed, "claimed");
            bytes32[] memory proof = _proof(CYCLE_ID, ETH, _ps[i]);
            _expectAlreadyClaimed(_ps[i].participant);
            ch.claimNetCredit(CYCLE_ID, ETH, _ps[i].participant, _ps[i].amount, proof);
        }
    }
}
