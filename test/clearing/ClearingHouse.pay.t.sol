// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";
import {vm, vmc} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {FeeOnTransferERC20} from "../../contracts/mocks/FeeOnTransferERC20.sol";

contract ClearingHousePayTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        Position[] memory ps = _standard(1 ether);
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, ETH, ps);
    }

    function _invalidProof(Position memory p, uint8 role) internal pure returns (bytes memory) {
        return
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                p.participant,
                role,
                p.amount
            );
    }

    function test_payNetDebit_paysInEthAndEmits() external {
        Position memory p = _ps[0];
        vm.deal(p.participant, p.amount);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vm.expectEmit();
        emit IClearingHouse.NetDebitPaid(CYCLE_ID, ETH, p.participant, p.participant, p.amount);
        vm.prank(p.participant);
        ch.payNetDebit{value: p.amount}(CYCLE_ID, ETH, p.participant, p.amount, proof);

        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        require(s.paidIn == p.amount && s.resolvedDebtors == 1 && s.covered == 0, "cycle state");
        IClearingHouse.ParticipantState memory ps = ch.getParticipant(CYCLE_ID, ETH, p.participant);
        require(ps.paid && !ps.defaulted && !ps.claimed, "participant state");
        require(address(ch).balance == p.amount, "held");
    }

    function test_payNetDebit_anyoneMayPayForTheDebtor() external {
        Position memory p = _ps[1];
        vm.deal(stranger, p.amount);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vm.expectEmit();
        emit IClearingHouse.NetDebitPaid(CYCLE_ID, ETH, p.participant, stranger, p.amount);
        vm.prank(stranger);
        ch.payNetDebit{value: p.amount}(CYCLE_ID, ETH, p.participant, p.amount, proof);
        require(ch.getParticipant(CYCLE_ID, ETH, p.participant).paid, "paid");
        require(stranger.balance == 0, "payer paid");
    }

    function test_payNetDebit_paysAnErc20ByPull() external {
        Position[] memory ps = _standard(1e6);
        _commit(CYCLE_ID, address(token), ps);
        _pay(CYCLE_ID, address(token), ps[0]);
        require(token.balanceOf(address(ch)) == ps[0].amount, "pulled");
        require(token.balanceOf(ps[0].participant) == 0, "from the payer");
        require(ch.getCycle(CYCLE_ID, address(token)).paidIn == ps[0].amount, "paidIn");
    }

    function test_payNetDebit_acceptsAtThePaymentDeadline() external {
        vm.warp(_d(CYCLE_ID).paymentDeadline);
        _pay(CYCLE_ID, ETH, _ps[0]);
        require(ch.getParticipant(CYCLE_ID, ETH, d1).paid, "paid at the deadline");
    }

    function test_payNetDebit_worksWhilePaused() external {
        vm.prank(guardian);
        ch.pause();
        _pay(CYCLE_ID, ETH, _ps[2]);
        require(ch.getParticipant(CYCLE_ID, ETH, d3).paid, "paid while paused");
    }

    function test_payNetDebit_revertsWhenAfterThePaymentDeadline() external {
        uint256 deadline = _d(CYCLE_ID).paymentDeadline;
        vm.warp(deadline + 1);
        Position memory p = _ps[0];
        vm.deal(p.participant, p.amount);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHousePaymentWindowClosed.selector, CYCLE_ID, ETH, deadline)
        );
        vm.prank(p.participant);
        ch.payNetDebit{value: p.amount}(CYCLE_ID, ETH, p.participant, p.amount, proof);
    }

    function test_payNetDebit_revertsWhenNotCommitted() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID + 1, ETH)
        );
        ch.payNetDebit(CYCLE_ID + 1, ETH, d1, 0, new bytes32[](0));
    }

    function test_payNetDebit_revertsWhenPaidTwice() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        Position memory p = _ps[0];
        vm.deal(p.participant, p.amount);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector, CYCLE_ID, ETH, d1)
        );
        vm.prank(p.participant);
        ch.payNetDebit{value: p.amount}(CYCLE_ID, ETH, p.participant, p.amount, proof);
    }

    function test_payNetDebit_revertsWhenTheAmountIsNotTheLeaf() external {
        Position memory p = _ps[0];
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        Position memory lower = Position(p.participant, p.role, p.amount - 1);
        vm.deal(p.participant, p.amount);
        vm.expectRevert(_invalidProof(lower, NettingLeaf.NET_DEBTOR));
        vm.prank(p.participant);
        ch.payNetDebit{value: lower.amount}(CYCLE_ID, ETH, p.participant, lower.amount, proof);
    }

    function test_payNetDebit_revertsWhenUsingACreditorLeaf() external {
        Position memory creditor = _ps[3];
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, creditor);
        vm.deal(creditor.participant, creditor.amount);
        vm.expectRevert(_invalidProof(creditor, NettingLeaf.NET_DEBTOR));
        vm.prank(creditor.participant);
        ch.payNetDebit{value: creditor.amount}(CYCLE_ID, ETH, creditor.participant, creditor.amount, proof);
    }

    function test_payNetDebit_revertsWhenTheProofIsFromAnotherCycle() external {
        Position[] memory ps = _standard(1 ether);
        _commit(CYCLE_ID + 1, ETH, ps);
        // The leaf binds the cycle id: cycle 3's proof does not open cycle 4 (same positions, same contract).
        bytes32[] memory foreign = _proof(CYCLE_ID, ETH, ps[0]);
        vm.deal(d1, 3 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID + 1,
                ETH,
                d1,
                NettingLeaf.NET_DEBTOR,
                3 ether
            )
        );
        vm.prank(d1);
        ch.payNetDebit{value: 3 ether}(CYCLE_ID + 1, ETH, d1, 3 ether, foreign);
        // And the right proof does.
        bytes32[] memory own = _proof(CYCLE_ID + 1, ETH, ps[0]);
        vm.prank(d1);
        ch.payNetDebit{value: 3 ether}(CYCLE_ID + 1, ETH, d1, 3 ether, own);
        require(ch.getParticipant(CYCLE_ID + 1, ETH, d1).paid, "own proof opens");
    }

    function test_payNetDebit_revertsWhenTheProofIsForAnotherAsset() external {
        Position[] memory ps = _standard(1 ether);
        _commit(CYCLE_ID, address(token), ps);
        bytes32[] memory foreign = _proof(CYCLE_ID, address(token), ps[0]);
        vm.deal(d1, 3 ether);
        vm.expectRevert(_invalidProof(ps[0], NettingLeaf.NET_DEBTOR));
        vm.prank(d1);
        ch.payNetDebit{value: 3 ether}(CYCLE_ID, ETH, d1, 3 ether, foreign);
    }

    function test_payNetDebit_revertsWhenTheTreeWasBuiltForAnotherChain() external {
        // A tree built with chain id 1 for this very contract, committed here: no leaf of it opens on 31337.
        uint256 cycleId = CYCLE_ID + 2;
        Position[] memory ps = _standard(1 ether);
        bytes32[] memory leaves = new bytes32[](ps.length);
        for (uint256 i = 0; i < ps.length; ++i) {
            leaves[i] = NettingLeaf.hash(1, address(ch), cycleId, ETH, ps[i].participant, ps[i].role, ps[i].amount);
        }
        bytes32[] memory tree = MerkleHelper.build(leaves);
        _warpToCommit(cycleId);
        vm.prank(operator);
        ch.commitCycle(cycleId, ETH, tree[0], 6 ether, 6 ether, 3, 3, bytes32(0), _noV2());
        bytes32[] memory proof = MerkleHelper.proof(tree, leaves[0]);
        vm.deal(d1, 3 ether);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                cycleId,
                ETH,
                d1,
                NettingLeaf.NET_DEBTOR,
                3 ether
            )
        );
        vm.prank(d1);
        ch.payNetDebit{value: 3 ether}(cycleId, ETH, d1, 3 ether, proof);
    }

    function test_payNetDebit_revertsWhenThePaymentIsOnAnotherChain() external {
        // The same tree and contract seen from chain 1 (a fork): the leaf binds block.chainid.
        Position memory p = _ps[0];
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vmc.chainId(1);
        vm.deal(p.participant, p.amount);
        vm.expectRevert(_invalidProof(p, NettingLeaf.NET_DEBTOR));
        vm.prank(p.participant);
        ch.payNetDebit{value: p.amount}(CYCLE_ID, ETH, p.participant, p.amount, proof);
    }

    function test_payNetDebit_revertsWhenTheEthValueIsShort() external {
        Position memory p = _ps[0];
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vm.deal(p.participant, p.amount);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseIncorrectPayment.selector, p.amount, p.amount - 1)
        );
        vm.prank(p.participant);
        ch.payNetDebit{value: p.amount - 1}(CYCLE_ID, ETH, p.participant, p.amount, proof);
    }

    function test_payNetDebit_revertsWhenTheEthValueIsTooHigh() external {
        Position memory p = _ps[0];
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, p);
        vm.deal(p.participant, p.amount + 1);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseIncorrectPayment.selector, p.amount, p.amount + 1)
        );
        vm.prank(p.participant);
        ch.payNetDebit{value: p.amount + 1}(CYCLE_ID, ETH, p.participant, p.amount, proof);
    }

    function test_payNetDebit_revertsWhenEthIsSentWithAnErc20() external {
        Position[] memory ps = _standard(1e6);
        _commit(CYCLE_ID, address(token), ps);
        _fund(d1, address(token), ps[0].amount);
        vm.deal(d1, 1);
        bytes32[] memory proof = _proof(CYCLE_ID, address(token), ps[0]);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseUnexpectedEther.selector, d1, 1));
        vm.prank(d1);
        ch.payNetDebit{value: 1}(CYCLE_ID, address(token), d1, ps[0].amount, proof);
    }

    function test_payNetDebit_revertsWhenTheTokenTakesAFee() external {
        FeeOnTransferERC20 fee = new FeeOnTransferERC20(100); // 1%
        Position[] memory ps = _standard(100e18);
        _commit(CYCLE_ID, address(fee), ps);
        _fund(d1, address(fee), ps[0].amount);
        bytes32[] memory proof = _proof(CYCLE_ID, address(fee), ps[0]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseIncorrectPayment.selector,
                ps[0].amount,
                ps[0].amount - ps[0].amount / 100
            )
        );
        vm.prank(d1);
        ch.payNetDebit(CYCLE_ID, address(fee), d1, ps[0].amount, proof);
    }

    function test_payNetDebit_revertsWhenTheAllowanceIsMissing() external {
        Position[] memory ps = _standard(1e6);
        _commit(CYCLE_ID, address(token), ps);
        token.mint(d1, ps[0].amount);
        bytes32[] memory proof = _proof(CYCLE_ID, address(token), ps[0]);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, address(ch), 0, ps[0].amount)
        );
        vm.prank(d1);
        ch.payNetDebit(CYCLE_ID, address(token), d1, ps[0].amount, proof);
    }

    function test_receive_revertsWhenEtherIsNotFromTheVault() external {
        vm.deal(stranger, 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseUnexpectedEther.selector, stranger, 1));
        vm.prank(stranger);
        (bool ok, ) = address(ch).call{value: 1}("");
        require(ok, "expectRevert makes the call report success");
    }
}
