// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {CycleSchedule} from "../../contracts/libraries/CycleSchedule.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

contract ClearingHouseFuzzTest is ClearingHouseFixture {
    uint256 internal constant CYCLE_ID = 4;

    /// @dev 3 debtors and 3 creditors with fuzzed amounts; creditors split the total by fuzzed weights.
    function _positions(
        uint64[3] memory debits,
        uint16[3] memory weights
    ) internal view returns (Position[] memory ps) {
        ps = new Position[](6);
        address[3] memory ds = [d1, d2, d3];
        address[3] memory cs = [c1, c2, c3];
        uint256 total = 0;
        for (uint256 i = 0; i < 3; ++i) {
            uint256 a = uint256(debits[i] % 1e12) + 1;
            ps[i] = Position(ds[i], NettingLeaf.NET_DEBTOR, a);
            total += a;
        }
        uint256 w0 = uint256(weights[0]) + 1;
        uint256 w1 = uint256(weights[1]) + 1;
        uint256 w2 = uint256(weights[2]) + 1;
        // Each creditor gets at least 1; the last takes the remainder so the totals balance.
        uint256 spread = total - 3;
        uint256 a0 = 1 + (spread * w0) / (w0 + w1 + w2);
        uint256 a1 = 1 + (spread * w1) / (w0 + w1 + w2);
        ps[3] = Position(cs[0], NettingLeaf.NET_CREDITOR, a0);
        ps[4] = Position(cs[1], NettingLeaf.NET_CREDITOR, a1);
        ps[5] = Position(cs[2], NettingLeaf.NET_CREDITOR, total - a0 - a1);
    }

    function testFuzz_claims_neverPayOutMoreThanWasFunded(
        uint64[3] memory debits,
        uint16[3] memory weights,
        uint64[3] memory collateral,
        uint8 payMask
    ) external {
        Position[] memory ps = _positions(debits, weights);
        _commit(CYCLE_ID, ETH, ps);
        uint256 total = ps[3].amount + ps[4].amount + ps[5].amount;
        uint256 funded = 0;
        Position[] memory defaulted = new Position[](3);
        uint256 nd = 0;
        for (uint256 i = 0; i < 3; ++i) {
            if (payMask & (1 << i) != 0) {
                _pay(CYCLE_ID, ETH, ps[i]);
                funded += ps[i].amount;
            } else {
                uint256 col = uint256(collateral[i] % 2e12);
                if (col > 0) _deposit(ps[i].participant, ETH, col);
                funded += col < ps[i].amount ? col : ps[i].amount;
                defaulted[nd++] = ps[i];
            }
        }
        if (nd > 0) {
            assembly ("memory-safe") {
                mstore(defaulted, nd) // shrink the array to the debtors that did not pay
            }
            _warpAfterPayment(CYCLE_ID);
            ch.markDefaulted(CYCLE_ID, ETH, _defaultClaims(CYCLE_ID, ETH, defaulted));
        }
        require(ch.getCycle(CYCLE_ID, ETH).paidIn + ch.getCycle(CYCLE_ID, ETH).covered == funded, "funded");

        uint256 out = 0;
        for (uint256 i = 3; i < 6; ++i) {
            uint256 paid = _claim(CYCLE_ID, ETH, ps[i]);
            uint256 expected = funded >= total ? ps[i].amount : (ps[i].amount * funded) / total;
            require(paid == expected, "full or pro rata, rounded down");
            out += paid;
        }
        require(out <= funded && funded - out < 3, "never more than funded, at most rounding dust left");
        require(address(ch).balance == funded - out, "balance");
    }

    function testFuzz_markDefaulted_seizesTheSmallerOfDebitAndCollateral(uint128 debit, uint128 collateral) external {
        debit = uint128(bound(debit, 1, type(uint112).max));
        Position[] memory ps = new Position[](2);
        ps[0] = Position(d1, NettingLeaf.NET_DEBTOR, debit);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, debit);
        _commit(CYCLE_ID, ETH, ps);
        if (collateral > 0) _deposit(d1, ETH, collateral);
        _warpAfterPayment(CYCLE_ID);
        uint256 seized = debit < collateral ? debit : collateral;
        vm.expectEmit();
        emit IClearingHouse.DebtorDefaulted(CYCLE_ID, ETH, d1, debit, seized, debit - seized);
        _markDefaulted(CYCLE_ID, ETH, ps[0]);
        require(vault.collateral(d1, ETH) == collateral - seized, "left in the vault");
        require(_claim(CYCLE_ID, ETH, ps[1]) == seized, "creditor gets what was covered");
    }

    function testFuzz_payNetDebit_acceptedExactlyUntilThePaymentDeadline(uint32 offset) external {
        Position[] memory ps = _standard(1 ether);
        _commit(CYCLE_ID, ETH, ps);
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        uint256 t = d.resolutionCutoff + (uint256(offset) % (d.finalityDeadline - d.resolutionCutoff + 2 hours));
        vm.warp(t);
        vm.deal(d1, 3 ether);
        bytes32[] memory proof = _proof(CYCLE_ID, ETH, ps[0]);
        if (t > d.paymentDeadline) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClearingHouse.ClearingHousePaymentWindowClosed.selector,
                    CYCLE_ID,
                    ETH,
                    d.paymentDeadline
                )
            );
        }
        vm.prank(d1);
        ch.payNetDebit{value: 3 ether}(CYCLE_ID, ETH, d1, 3 ether, proof);
        require(ch.getParticipant(CYCLE_ID, ETH, d1).paid == (t <= d.paymentDeadline), "paid iff in time");
    }

    function testFuzz_commitCycle_acceptedExactlyInsideItsWindow(uint32 offset) external {
        CycleSchedule.Deadlines memory d = _d(CYCLE_ID);
        uint256 t = d.end + (uint256(offset) % (d.paymentDeadline - d.end));
        vm.warp(t);
        bool inside = t >= d.resolutionCutoff && t <= d.commitDeadline;
        if (!inside) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IClearingHouse.ClearingHouseOutsideCommitWindow.selector,
                    CYCLE_ID,
                    t,
                    d.resolutionCutoff,
                    d.commitDeadline
                )
            );
        }
        vm.prank(operator);
        ch.commitCycle(CYCLE_ID, ETH, keccak256("r"), 1, 1, 1, 1, 0, _noV2());
        require(ch.getCycle(CYCLE_ID, ETH).committed == inside, "committed iff inside");
        require(
            ch.v1FallbackOpensAt(CYCLE_ID, ETH) == (!inside && t > d.commitDeadline ? d.finalityDeadline : 0),
            "fb"
        );
    }

    function bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }
}
