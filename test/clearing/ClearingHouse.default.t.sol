// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ClearingHouse} from "../../contracts/ClearingHouse.sol";
import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {LyingVault} from "./utils/Actors.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";

contract ClearingHouseDefaultTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 3;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        Position[] memory ps = _standard(1 ether);
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, ETH, ps);
    }

    function _debtors(uint256 a, uint256 b) internal view returns (Position[] memory ps) {
        ps = new Position[](2);
        ps[0] = _ps[a];
        ps[1] = _ps[b];
    }

    function test_markDefaulted_coversTheDebitFromCollateral() external {
        _deposit(d1, ETH, 10 ether);
        _warpAfterPayment(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.DebtorDefaulted(CYCLE_ID, ETH, d1, 3 ether, 3 ether, 0);
        vm.prank(stranger);
        _markDefaulted(CYCLE_ID, ETH, _ps[0]);

        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        require(s.covered == 3 ether && s.paidIn == 0 && s.resolvedDebtors == 1, "cycle state");
        require(ch.getParticipant(CYCLE_ID, ETH, d1).defaulted, "defaulted");
        require(vault.collateral(d1, ETH) == 7 ether && address(ch).balance == 3 ether, "moved from the vault");
    }

    function test_markDefaulted_recordsTheShortfallWhenCollateralIsShort() external {
        _deposit(d1, ETH, 1 ether);
        _warpAfterPayment(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.DebtorDefaulted(CYCLE_ID, ETH, d1, 3 ether, 1 ether, 2 ether);
        _markDefaulted(CYCLE_ID, ETH, _ps[0]);
        require(ch.getCycle(CYCLE_ID, ETH).covered == 1 ether && vault.collateral(d1, ETH) == 0, "all it had");
    }

    function test_markDefaulted_resolvesADebtorWithNoCollateral() external {
        _warpAfterPayment(CYCLE_ID);
        vm.expectEmit();
        emit IClearingHouse.DebtorDefaulted(CYCLE_ID, ETH, d2, 2 ether, 0, 2 ether);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        require(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors == 1, "resolved");
    }

    function test_markDefaulted_marksSeveralDebtorsInOneCall() external {
        _deposit(d1, ETH, 3 ether);
        _deposit(d2, ETH, 2 ether);
        _warpAfterPayment(CYCLE_ID);
        ch.markDefaulted(CYCLE_ID, ETH, _defaultClaims(CYCLE_ID, ETH, _debtors(0, 1)));
        IClearingHouse.CycleState memory s = ch.getCycle(CYCLE_ID, ETH);
        require(s.covered == 5 ether && s.resolvedDebtors == 2, "both");
    }

    function test_markDefaulted_aSecondDefaultIsNeverBlockedByTheFirst() external {
        // Upstream's markDefaulted flipped the cycle to Defaulted and refused every later debtor.
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[0]);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        _markDefaulted(CYCLE_ID, ETH, _ps[2]);
        require(ch.getCycle(CYCLE_ID, ETH).resolvedDebtors == 3, "all three");
        _warpAfterFinality(CYCLE_ID);
        ch.finalizeCycle(CYCLE_ID, ETH);
        require(ch.getCycle(CYCLE_ID, ETH).finalized, "finalizes");
    }

    function test_markDefaulted_coversAnErc20Default() external {
        Position[] memory ps = _standard(1e6);
        _commit(CYCLE_ID + 1, address(token), ps);
        _deposit(d1, address(token), 2e6);
        _warpAfterPayment(CYCLE_ID + 1);
        _markDefaulted(CYCLE_ID + 1, address(token), ps[0]);
        require(token.balanceOf(address(ch)) == 2e6, "pulled");
        require(ch.getCycle(CYCLE_ID + 1, address(token)).covered == 2e6, "covered");
    }

    function test_markDefaulted_worksWhilePaused() external {
        vm.prank(guardian);
        ch.pause();
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[0]);
        require(ch.getParticipant(CYCLE_ID, ETH, d1).defaulted, "defaulted while paused");
    }

    function test_markDefaulted_revertsWhenThePaymentWindowIsOpen() external {
        uint256 deadline = _d(CYCLE_ID).paymentDeadline;
        vm.warp(deadline);
        IClearingHouse.DefaultClaim[] memory claims = _defaultClaims(CYCLE_ID, ETH, _debtors(0, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHousePaymentWindowOpen.selector, CYCLE_ID, ETH, deadline)
        );
        ch.markDefaulted(CYCLE_ID, ETH, claims);
    }

    function test_markDefaulted_revertsWhenNotCommitted() external {
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID, address(token))
        );
        ch.markDefaulted(CYCLE_ID, address(token), new IClearingHouse.DefaultClaim[](0));
    }

    function test_markDefaulted_revertsWhenTheListIsEmpty() external {
        _warpAfterPayment(CYCLE_ID);
        vm.expectRevert(abi.encodeWithSelector(IClearingHouse.ClearingHouseNoDefaultClaims.selector, CYCLE_ID, ETH));
        ch.markDefaulted(CYCLE_ID, ETH, new IClearingHouse.DefaultClaim[](0));
    }

    function test_markDefaulted_revertsWhenTheDebtorPaid() external {
        _pay(CYCLE_ID, ETH, _ps[0]);
        _warpAfterPayment(CYCLE_ID);
        IClearingHouse.DefaultClaim[] memory claims = _defaultClaims(CYCLE_ID, ETH, _debtors(0, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector, CYCLE_ID, ETH, d1)
        );
        ch.markDefaulted(CYCLE_ID, ETH, claims);
    }

    function test_markDefaulted_revertsWhenMarkedTwice() external {
        _warpAfterPayment(CYCLE_ID);
        _markDefaulted(CYCLE_ID, ETH, _ps[1]);
        IClearingHouse.DefaultClaim[] memory claims = _defaultClaims(CYCLE_ID, ETH, _debtors(1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector, CYCLE_ID, ETH, d2)
        );
        ch.markDefaulted(CYCLE_ID, ETH, claims);
    }

    function test_markDefaulted_revertsWhenADebtorIsListedTwice() external {
        _deposit(d2, ETH, 5 ether);
        _warpAfterPayment(CYCLE_ID);
        IClearingHouse.DefaultClaim[] memory claims = _defaultClaims(CYCLE_ID, ETH, _debtors(1, 1));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseDebtorAlreadyResolved.selector, CYCLE_ID, ETH, d2)
        );
        ch.markDefaulted(CYCLE_ID, ETH, claims);
        require(vault.collateral(d2, ETH) == 5 ether, "nothing seized");
    }

    function test_markDefaulted_revertsWhenGivenACreditorLeaf() external {
        _warpAfterPayment(CYCLE_ID);
        Position[] memory one = new Position[](1);
        one[0] = _ps[3];
        IClearingHouse.DefaultClaim[] memory claims = _defaultClaims(CYCLE_ID, ETH, one);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                c1,
                NettingLeaf.NET_DEBTOR,
                1 ether
            )
        );
        ch.markDefaulted(CYCLE_ID, ETH, claims);
    }

    function test_markDefaulted_revertsWhenTheAmountIsInflated() external {
        _deposit(d3, ETH, 10 ether);
        _warpAfterPayment(CYCLE_ID);
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(d3, 5 ether, _proof(CYCLE_ID, ETH, _ps[2]), address(this));
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouse.ClearingHouseInvalidProof.selector,
                CYCLE_ID,
                ETH,
                d3,
                NettingLeaf.NET_DEBTOR,
                5 ether
            )
        );
        ch.markDefaulted(CYCLE_ID, ETH, claims);
    }

    function test_markDefaulted_revertsWhenTheVaultReportsMoreThanItSent() external {
        LyingVault liar = new LyingVault();
        ClearingHouse other = new ClearingHouse(address(manager), address(liar), GENESIS, defaultParams());
        bytes4[] memory sel = new bytes4[](1);
        sel[0] = IClearingHouse.commitCycle.selector;
        manager.setTargetFunctionRole(address(other), sel, OPERATOR_ROLE);
        bytes32 leaf = NettingLeaf.hash(block.chainid, address(other), CYCLE_ID + 1, ETH, d1, 0, 1 ether);
        bytes32 creditorLeaf = NettingLeaf.hash(block.chainid, address(other), CYCLE_ID + 1, ETH, c1, 1, 1 ether);
        bytes32[] memory leaves = new bytes32[](2);
        leaves[0] = leaf;
        leaves[1] = creditorLeaf;
        bytes32[] memory tree = MerkleHelper.build(leaves);
        _warpToCommit(CYCLE_ID + 1);
        vm.prank(operator);
        other.commitCycle(CYCLE_ID + 1, ETH, tree[0], 1 ether, 1 ether, 1, 1, bytes32(0), _noV2());
        _proveSignedOn(other, address(liar), CYCLE_ID + 1, ETH, d1, 1 ether);
        _warpAfterPayment(CYCLE_ID + 1);
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(d1, 1 ether, MerkleHelper.proof(tree, leaf), address(this));
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseSeizureMismatch.selector, d1, 1 ether, 1 ether, 0)
        );
        other.markDefaulted(CYCLE_ID + 1, ETH, claims);
    }

    function test_markDefaulted_revertsWhenTheTreeHoldsMoreDebtorsThanDeclared() external {
        // An operator tree with two debtor leaves committed as one debtor: the second can never resolve.
        Position[] memory ps = new Position[](3);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, 1 ether);
        ps[1] = Position(d2, NettingLeaf.NET_DEBTOR, 1 ether);
        ps[2] = Position(c1, NettingLeaf.NET_CREDITOR, 1 ether);
        bytes32 root = _build(CYCLE_ID + 1, ETH, ps);
        _warpToCommit(CYCLE_ID + 1);
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID + 1, ETH, root, 1 ether, 1 ether, 1, 1, bytes32(0), _noV2());
        _pay(CYCLE_ID + 1, ETH, ps[0]);
        _warpAfterPayment(CYCLE_ID + 1);
        Position[] memory one = new Position[](1);
        one[0] = ps[1];
        IClearingHouse.DefaultClaim[] memory claims = _defaultClaims(CYCLE_ID + 1, ETH, one);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseTooManyDebtors.selector, CYCLE_ID + 1, ETH, 1)
        );
        ch.markDefaulted(CYCLE_ID + 1, ETH, claims);
    }
}
