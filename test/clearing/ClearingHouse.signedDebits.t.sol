// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {MockERC1271Wallet} from "../../contracts/mocks/MockERC1271Wallet.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";

/// @dev Seizures capped by what the debtor signed (docs/protocol.md §6.4): V1 requests proven in ascending id order
///      into a per-prover cursor, V2 amounts recorded by the commit; the seizure margin.
contract ClearingHouseSignedDebitsTest is ClearingHouseVaultFixture {
    uint256 internal constant CYCLE_ID = 2;
    Position[] internal _ps;

    function setUp() public override {
        super.setUp();
        _depositEth(payer, 10 ether);
        Position[] memory ps = _twoPositions(payer, CREDITOR_A, 3 ether);
        for (uint256 i = 0; i < ps.length; ++i) _ps.push(ps[i]);
        _commit(CYCLE_ID, ETH, ps, _noV2());
    }

    function _prove(IClearingHouseSignedDebits.SignedRequestV1[] memory rs) internal returns (uint256) {
        return ch.proveSignedRequests(CYCLE_ID, ETH, payer, rs);
    }

    function _afterMargin() internal {
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + ch.SEIZURE_MARGIN() + 1);
    }

    function _inMargin() internal {
        vm.warp(ch.cycleDeadlines(CYCLE_ID).paymentDeadline + ch.SEIZURE_MARGIN());
    }

    // ---------------------------------------------------------------- proveSignedRequests

    function test_proveSignedRequests_sumsAscendingRequestsAcrossCalls() external {
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = _requests(PAYER_PK, CYCLE_ID, ETH, 4, 0.5 ether);
        IClearingHouseSignedDebits.SignedRequestV1[] memory first = new IClearingHouseSignedDebits.SignedRequestV1[](2);
        IClearingHouseSignedDebits.SignedRequestV1[] memory second = new IClearingHouseSignedDebits.SignedRequestV1[](
            2
        );
        first[0] = rs[0];
        first[1] = rs[1];
        second[0] = rs[2];
        second[1] = rs[3];
        bytes32 lastOfFirst = _gid(payer, RECIPIENT, ETH, rs[1].reqId);
        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouseSignedDebits.SignedRequestsProven(
            CYCLE_ID,
            ETH,
            payer,
            address(this),
            2,
            lastOfFirst,
            1 ether
        );
        vm.assertEq(_prove(first), 1 ether, "first chunk");
        vm.assertEq(_prove(second), 2 ether, "running sum");
        (bytes32 lastId, uint256 total) = ch.signedRequestCursor(CYCLE_ID, ETH, payer, address(this));
        vm.assertEq(lastId, _gid(payer, RECIPIENT, ETH, rs[3].reqId), "cursor at the last id");
        vm.assertEq(total, 2 ether, "cursor total");
        vm.assertEq(ch.provenSignedAmount(CYCLE_ID, ETH, payer, address(this)), 2 ether, "proven");
        vm.assertEq(ch.provenSignedAmount(CYCLE_ID, ETH, payer, STRANGER), 0, "per prover");
    }

    function test_proveSignedRequests_revertsWhenAnIdRepeats() external {
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](2);
        rs[0] = _request(PAYER_PK, RECIPIENT, ETH, 7, 1 ether, uint64(ch.cycleDeadlines(CYCLE_ID).start));
        rs[1] = rs[0];
        bytes32 id = _gid(payer, RECIPIENT, ETH, 7);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSignedDebits.ClearingHouseProofOutOfOrder.selector, id, id)
        );
        _prove(rs);
    }

    function test_proveSignedRequests_revertsWhenIdsDescendAcrossCalls() external {
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = _requests(PAYER_PK, CYCLE_ID, ETH, 2, 1 ether);
        IClearingHouseSignedDebits.SignedRequestV1[] memory one = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        one[0] = rs[1];
        _prove(one);
        one[0] = rs[0];
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseProofOutOfOrder.selector,
                _gid(payer, RECIPIENT, ETH, rs[0].reqId),
                _gid(payer, RECIPIENT, ETH, rs[1].reqId)
            )
        );
        _prove(one);
    }

    function test_proveSignedRequests_anotherProverIsNeverBlocked() external {
        // The debtor proves only its highest id first (to cap its own seizure): the keeper's cursor is its own.
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = _requests(PAYER_PK, CYCLE_ID, ETH, 3, 1 ether);
        IClearingHouseSignedDebits.SignedRequestV1[] memory highest = new IClearingHouseSignedDebits.SignedRequestV1[](
            1
        );
        highest[0] = rs[2];
        vm.prank(payer);
        ch.proveSignedRequests(CYCLE_ID, ETH, payer, highest);
        vm.assertEq(_prove(rs), 3 ether, "the keeper proves all three");
        _inMargin();
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, _ps[0], address(this)));
        vm.assertEq(ch.getCycle(CYCLE_ID, ETH).covered, 3 ether, "covered in full");
    }

    function test_proveSignedRequests_revertsForARequestOutsideTheCycle() external {
        uint256 start = ch.cycleDeadlines(CYCLE_ID).start;
        uint256 end = ch.cycleDeadlines(CYCLE_ID).end;
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        rs[0] = _request(PAYER_PK, RECIPIENT, ETH, 1, 1 ether, uint64(end));
        bytes32 id = _gid(payer, RECIPIENT, ETH, 1);
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseRequestOutsideCycle.selector,
                CYCLE_ID,
                id,
                end,
                start,
                end
            )
        );
        _prove(rs);
        rs[0] = _request(PAYER_PK, RECIPIENT, ETH, 1, 1 ether, uint64(start - 1));
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseRequestOutsideCycle.selector,
                CYCLE_ID,
                id,
                start - 1,
                start,
                end
            )
        );
        _prove(rs);
        // The last second of the cycle still counts.
        rs[0] = _request(PAYER_PK, RECIPIENT, ETH, 1, 1 ether, uint64(end - 1));
        vm.assertEq(_prove(rs), 1 ether, "inside");
    }

    function test_proveSignedRequests_revertsWhenTheSignatureIsNotTheDebtors() external {
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        uint64 ts = uint64(ch.cycleDeadlines(CYCLE_ID).start);
        // Signed by another key.
        rs[0] = _request(OTHER_PK, RECIPIENT, ETH, 1, 1 ether, ts);
        bytes32 id = _gid(payer, RECIPIENT, ETH, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSignedDebits.ClearingHouseInvalidRequestSignature.selector, payer, id)
        );
        _prove(rs);
        // The payer's signature over another amount.
        rs[0] = _request(PAYER_PK, RECIPIENT, ETH, 1, 1 ether, ts);
        rs[0].amount = 5 ether;
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSignedDebits.ClearingHouseInvalidRequestSignature.selector, payer, id)
        );
        _prove(rs);
        // The payer's signature of a request in another asset.
        rs[0] = _request(PAYER_PK, RECIPIENT, address(token), 1, 1 ether, ts);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouseSignedDebits.ClearingHouseInvalidRequestSignature.selector, payer, id)
        );
        _prove(rs);
    }

    function test_proveSignedRequests_acceptsAnErc1271Wallet() external {
        MockERC1271Wallet wallet = new MockERC1271Wallet(payer);
        Position[] memory ps = _twoPositions(address(wallet), CREDITOR_B, 1 ether);
        _commit(CYCLE_ID, address(token), ps, _noV2());
        Guarantee memory g;
        g.user = address(wallet);
        g.recipient = RECIPIENT;
        g.reqId = 9;
        g.amount = 1 ether;
        g.asset = address(token);
        g.timestamp = uint64(ch.cycleDeadlines(CYCLE_ID).start);
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = new IClearingHouseSignedDebits.SignedRequestV1[](1);
        rs[0] = IClearingHouseSignedDebits.SignedRequestV1(
            RECIPIENT,
            9,
            1 ether,
            g.timestamp,
            _sign(PAYER_PK, _digest(GuaranteeRequest.hashV1(g)))
        );
        vm.assertEq(ch.proveSignedRequests(CYCLE_ID, address(token), address(wallet), rs), 1 ether, "1271");
        rs[0].signature = _sign(OTHER_PK, _digest(GuaranteeRequest.hashV1(g)));
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseInvalidRequestSignature.selector,
                address(wallet),
                _gid(address(wallet), RECIPIENT, address(token), 9)
            )
        );
        vm.prank(STRANGER);
        ch.proveSignedRequests(CYCLE_ID, address(token), address(wallet), rs);
    }

    function test_proveSignedRequests_revertsWhenNotCommitted() external {
        IClearingHouseSignedDebits.SignedRequestV1[] memory rs = _requests(PAYER_PK, CYCLE_ID + 1, ETH, 1, 1 ether);
        vm.expectRevert(
            abi.encodeWithSelector(IClearingHouse.ClearingHouseCycleNotCommitted.selector, CYCLE_ID + 1, ETH)
        );
        ch.proveSignedRequests(CYCLE_ID + 1, ETH, payer, rs);
    }

    // ---------------------------------------------------------------- markDefaulted with the cap

    function test_markDefaulted_revertsInsideTheMarginWhenTheProofFallsShort() external {
        _prove(_requests(PAYER_PK, CYCLE_ID, ETH, 2, 1 ether));
        _inMargin();
        vm.expectRevert(
            abi.encodeWithSelector(
                IClearingHouseSignedDebits.ClearingHouseSignedAmountTooLow.selector,
                CYCLE_ID,
                ETH,
                payer,
                address(this),
                2 ether,
                3 ether
            )
        );
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, _ps[0], address(this)));
    }

    function test_markDefaulted_afterTheMarginSeizesAtMostTheProvenAmount() external {
        _prove(_requests(PAYER_PK, CYCLE_ID, ETH, 2, 1 ether));
        _afterMargin();
        vm.expectEmit(true, true, true, true, address(ch));
        emit IClearingHouse.DebtorDefaulted(CYCLE_ID, ETH, payer, 3 ether, 2 ether, 1 ether);
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, _ps[0], address(this)));
        vm.assertEq(vault.collateral(payer, ETH), 8 ether, "only what was signed");
    }

    function test_markDefaulted_seizesTheNetDebitWhenMoreWasSigned() external {
        // Signed 4 x 1 ether, nets 3 ether: the net debit is the cap.
        _prove(_requests(PAYER_PK, CYCLE_ID, ETH, 4, 1 ether));
        _inMargin();
        ch.markDefaulted(CYCLE_ID, ETH, _claim(CYCLE_ID, ETH, _ps[0], address(this)));
        vm.assertEq(vault.collateral(payer, ETH), 7 ether, "net debit");
    }

    function test_markDefaulted_countsTheV2AmountsOfTheCommit() external {
        // V2 guarantees netted by the commit of cycle 3 count for cycle 3 only, with any prover.
        Position[] memory ps = _twoPositions(payer, CREDITOR_A, 1.5 ether);
        _commit(3, ETH, ps, _one(_netted(_v2(ETH, 1 ether, 41, uint64(ch.cycleDeadlines(3).start)))));
        vm.assertEq(ch.provenSignedAmount(3, ETH, payer, STRANGER), 1 ether, "V2 part");
        vm.assertEq(ch.provenSignedAmount(CYCLE_ID, ETH, payer, STRANGER), 0, "not another cycle");
        _proveOne(PAYER_PK, 3, ETH, 42, 0.5 ether);
        vm.warp(ch.cycleDeadlines(3).paymentDeadline + 1);
        ch.markDefaulted(3, ETH, _claim(3, ETH, ps[0], address(this)));
        vm.assertEq(ch.getCycle(3, ETH).covered, 1.5 ether, "V1 + V2");
    }

    function testFuzz_markDefaulted_seizesMinOfDebitProvenAndCollateral(
        uint96 signedEach,
        uint8 count,
        uint96 collateralSeed
    ) external {
        uint256 n = count % 5;
        uint256 each = uint256(signedEach) % 2 ether;
        uint256 collateral = uint256(collateralSeed) % 10 ether;
        if (collateral > 0) _depositEth(other, collateral);
        Position[] memory ps = _twoPositions(other, CREDITOR_B, 3 ether);
        _commit(4, ETH, ps, _noV2());
        if (n > 0) ch.proveSignedRequests(4, ETH, other, _requests(OTHER_PK, 4, ETH, n, each));
        vm.warp(ch.cycleDeadlines(4).paymentDeadline + ch.SEIZURE_MARGIN() + 1);
        uint256 proven = n * each;
        uint256 cap = proven < 3 ether ? proven : 3 ether;
        uint256 expected = cap < collateral ? cap : collateral;
        ch.markDefaulted(4, ETH, _claim(4, ETH, ps[0], address(this)));
        vm.assertEq(ch.getCycle(4, ETH).covered, expected, "min(netDebit, proven, collateral)");
        vm.assertEq(vault.collateral(other, ETH), collateral - expected, "collateral");
    }
}
