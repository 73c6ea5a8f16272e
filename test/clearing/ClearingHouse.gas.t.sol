// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {console} from "hardhat/console.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";

/// @dev Gas of a default with its signed-request proof (1, 100, 1,000 V1 guarantees) and of `commitCycle` with N
///      netted V2 guarantees (0, 1, 10, 100), against the real vault. Execution gas is measured with `gasleft()`;
///      `calldata` is the 4/16-gas-per-byte cost of the same call's calldata, so `execution + calldata + 21000` is
///      what the transaction would cost. Printed as JSON lines for the closing note and the gas snapshot.
contract ClearingHouseGasTest is ClearingHouseVaultFixture {
    uint256 internal constant CHUNK = 250;

    function _calldataGas(bytes memory data) internal pure returns (uint256 gas) {
        for (uint256 i = 0; i < data.length; ++i) gas += data[i] == 0 ? 4 : 16;
    }

    /// @dev Requests of the payer sorted by guarantee id (quicksort over an index array).
    function _sorted(
        uint256 cycleId,
        uint256 n
    ) internal view returns (IClearingHouseSignedDebits.SignedRequestV1[] memory rs) {
        uint64 start = uint64(ch.cycleDeadlines(cycleId).start);
        bytes32[] memory ids = new bytes32[](n);
        uint256[] memory order = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            ids[i] = _gid(payer, RECIPIENT, ETH, 1_000 + i);
            order[i] = i;
        }
        if (n > 1) _quicksort(ids, order, 0, int256(n) - 1);
        rs = new IClearingHouseSignedDebits.SignedRequestV1[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 k = order[i];
            rs[i] = _request(PAYER_PK, RECIPIENT, ETH, 1_000 + k, 0.001 ether, start + uint64(k % 3600));
        }
    }

    function _quicksort(bytes32[] memory ids, uint256[] memory order, int256 lo, int256 hi) internal pure {
        if (lo >= hi) return;
        bytes32 pivot = ids[uint256(lo + (hi - lo) / 2)];
        int256 i = lo;
        int256 j = hi;
        while (i <= j) {
            while (ids[uint256(i)] < pivot) ++i;
            while (ids[uint256(j)] > pivot) --j;
            if (i <= j) {
                (ids[uint256(i)], ids[uint256(j)]) = (ids[uint256(j)], ids[uint256(i)]);
                (order[uint256(i)], order[uint256(j)]) = (order[uint256(j)], order[uint256(i)]);
                ++i;
                --j;
            }
        }
        if (lo < j) _quicksort(ids, order, lo, j);
        if (i < hi) _quicksort(ids, order, i, hi);
    }

    function _measureDefault(uint256 n) internal {
        uint256 cycleId = 1;
        uint256 debit = n * 0.001 ether;
        _depositEth(payer, debit);
        Position[] memory ps = _twoPositions(payer, CREDITOR_A, debit);
        _commit(cycleId, ETH, ps, _noV2());
        IClearingHouseSignedDebits.SignedRequestV1[] memory all = _sorted(cycleId, n);

        uint256 proveGas = 0;
        uint256 proveCalldata = 0;
        uint256 txs = 0;
        for (uint256 from = 0; from < n; from += CHUNK) {
            uint256 len = n - from < CHUNK ? n - from : CHUNK;
            IClearingHouseSignedDebits.SignedRequestV1[]
                memory chunk = new IClearingHouseSignedDebits.SignedRequestV1[](len);
            for (uint256 i = 0; i < len; ++i) chunk[i] = all[from + i];
            proveCalldata += _calldataGas(abi.encodeCall(ch.proveSignedRequests, (cycleId, ETH, payer, chunk)));
            uint256 g0 = gasleft();
            ch.proveSignedRequests(cycleId, ETH, payer, chunk);
            proveGas += g0 - gasleft();
            ++txs;
        }
        vm.warp(ch.cycleDeadlines(cycleId).paymentDeadline + 1);
        IClearingHouse.DefaultClaim[] memory claims = _claim(cycleId, ETH, ps[0], address(this));
        uint256 defaultCalldata = _calldataGas(abi.encodeCall(ch.markDefaulted, (cycleId, ETH, claims)));
        uint256 g1 = gasleft();
        ch.markDefaulted(cycleId, ETH, claims);
        uint256 defaultGas = g1 - gasleft();
        require(ch.getCycle(cycleId, ETH).covered == debit, "covered in full");

        uint256 wholeTxs = proveGas + proveCalldata + defaultGas + defaultCalldata + 21_000 * (txs + 1);
        console.log(
            string.concat(
                '{"default":{"guarantees":',
                vm.toString(n),
                ',"proveExecution":',
                vm.toString(proveGas),
                ',"proveCalldata":',
                vm.toString(proveCalldata),
                ',"proveTxs":',
                vm.toString(txs),
                ',"markDefaultedExecution":',
                vm.toString(defaultGas),
                ',"wholeTxsPerGuarantee":',
                vm.toString(wholeTxs / n),
                ',"provePerGuaranteeWithCalldata":',
                vm.toString((proveGas + proveCalldata) / n),
                "}}"
            )
        );
        if (n >= 100) require((proveGas + proveCalldata) / n <= 15_000, "at most 15k per V1 guarantee proven");
    }

    function test_gas_defaultWithProofOf1Guarantee() external {
        _measureDefault(1);
    }

    function test_gas_defaultWithProofOf100Guarantees() external {
        _measureDefault(100);
    }

    function test_gas_defaultWithProofOf1000Guarantees() external {
        _measureDefault(1_000);
    }

    function _measureCommit(uint256 n) internal {
        uint256 cycleId = 2;
        uint64 ts = uint64(ch.cycleDeadlines(cycleId).start);
        ICore4MicaSettlement.NettedGuarantee[] memory v2 = new ICore4MicaSettlement.NettedGuarantee[](n);
        for (uint256 i = 0; i < n; ++i) {
            GuaranteeV2 memory g = _v2(ETH, 0.001 ether, 5_000 + i, ts);
            v2[i] = _netted(g);
        }
        uint256 total = n * 0.001 ether;
        Position[] memory ps = _twoPositions(payer, RECIPIENT, total == 0 ? 1 : total);
        vm.warp(ch.cycleDeadlines(cycleId).resolutionCutoff);
        bytes32 root = keccak256("root");
        bytes memory data = abi.encodeCall(
            ch.commitCycle,
            (cycleId, ETH, root, ps[0].amount, ps[0].amount, 1, 1, bytes32(0), v2)
        );
        uint256 cd = _calldataGas(data);
        vm.prank(OPERATOR);
        uint256 g0 = gasleft();
        ch.commitCycle(cycleId, ETH, root, ps[0].amount, ps[0].amount, 1, 1, bytes32(0), v2);
        uint256 used = g0 - gasleft();
        console.log(
            string.concat(
                '{"commitCycle":{"v2Guarantees":',
                vm.toString(n),
                ',"execution":',
                vm.toString(used),
                ',"calldata":',
                vm.toString(cd),
                ',"wholeTx":',
                vm.toString(used + cd + 21_000),
                "}}"
            )
        );
    }

    function test_gas_commitCycleWith0V2Guarantees() external {
        _measureCommit(0);
    }

    function test_gas_commitCycleWith1V2Guarantee() external {
        _measureCommit(1);
    }

    function test_gas_commitCycleWith10V2Guarantees() external {
        _measureCommit(10);
    }

    function test_gas_commitCycleWith100V2Guarantees() external {
        _measureCommit(100);
    }
}
