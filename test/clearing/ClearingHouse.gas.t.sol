// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {console} from "hardhat/console.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {IClearingHouseSignedDebits} from "../../contracts/interfaces/IClearingHouseSignedDebits.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseVaultFixture} from "./utils/ClearingHouseVaultFixture.sol";
import {SettlementBatch} from "./utils/SettlementBatch.sol";
import {SettlementSigning} from "./utils/SettlementSigning.sol";

/// @dev The one cheatcode this suite adds: marks an account and its storage cold, as at the start of a transaction.
interface VmCool {
    function cool(address target) external;
}

VmCool constant vmCool = VmCool(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev Gas of a default with its signed-request proof (1, 100, 1,000 V1 guarantees), of `commitCycle` with N
///      netted V2 guarantees (0, 1, 10, 100), and of one cycle of 100 debtors and 20 creditors settled from collateral
///      and claimed in batches against approve + `payNetDebit` and `claimNetCredit` per participant, against the
///      real vault. Execution gas is measured with `gasleft()`;
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

    // ---------------------------------------------------------------- settlement from collateral, batched claims

    uint256 internal constant DEBTORS = 100;
    uint256 internal constant CREDITORS = 20;
    uint256 internal constant DEBIT = 20e6;
    uint256 internal constant CREDIT = 100e6;

    /// @dev Cools every account a settlement or claim touches, so each measured call pays the cold-access costs a
    ///      transaction of its own would (the setup in this test's transaction warmed them).
    function _coolAll(Position[] memory ps) internal {
        vmCool.cool(address(ch));
        vmCool.cool(address(vault));
        vmCool.cool(address(token));
        for (uint256 i = 0; i < ps.length; ++i) vmCool.cool(ps[i].participant);
    }

    /// @dev A token cycle of 100 debtors owing 20 USDC each (keys sorted by address, collateral deposited) and 20
    ///      creditors owed 100 USDC each (addresses increasing).
    function _bigCycle(uint256 cycleId) internal returns (uint256[] memory pks, Position[] memory ps) {
        pks = SettlementSigning.sortedKeys(DEBTORS, 42);
        ps = new Position[](DEBTORS + CREDITORS);
        for (uint256 i = 0; i < DEBTORS; ++i) {
            address d = vm.addr(pks[i]);
            ps[i] = Position(d, NettingLeaf.NET_DEBTOR, DEBIT);
            token.mint(d, 2 * DEBIT);
            vm.startPrank(d);
            token.approve(address(vault), DEBIT);
            vault.deposit(address(token), DEBIT);
            vm.stopPrank();
        }
        for (uint256 i = 0; i < CREDITORS; ++i) {
            ps[DEBTORS + i] = Position(address(uint160(0xC0000 + i)), NettingLeaf.NET_CREDITOR, CREDIT);
        }
        _commit(cycleId, address(token), ps, _noV2());
    }

    function _settlements(
        uint256 cycleId,
        uint256[] memory pks,
        Position[] memory ps,
        uint256 n
    ) internal view returns (IClearingHouse.CollateralSettlement[] memory list) {
        list = new IClearingHouse.CollateralSettlement[](n);
        for (uint256 i = 0; i < n; ++i) {
            bytes32 digest = SettlementSigning.digest(address(ch), cycleId, address(token), ps[i].participant, DEBIT);
            list[i] = IClearingHouse.CollateralSettlement(
                ps[i].participant,
                DEBIT,
                SettlementSigning.sign(pks[i], digest)
            );
        }
    }

    function _creditClaims(
        uint256 cycleId,
        Position[] memory ps,
        uint256 n
    ) internal view returns (IClearingHouse.CreditClaim[] memory list) {
        list = new IClearingHouse.CreditClaim[](n);
        for (uint256 i = 0; i < n; ++i) {
            Position memory p = ps[DEBTORS + i];
            list[i] = IClearingHouse.CreditClaim(p.participant, p.amount, _proof(cycleId, address(token), p));
        }
    }

    /// @dev Execution gas of one settlement batch of the first `n` debtors, and its calldata gas.
    function _settleGas(
        uint256 cycleId,
        uint256[] memory pks,
        Position[] memory ps,
        uint256 n
    ) internal returns (uint256 execution, uint256 cd) {
        SettlementBatch memory b = _batch(cycleId, address(token), _settlements(cycleId, pks, ps, n));
        cd = _calldataGas(
            abi.encodeCall(
                ch.settleNetDebitsFromCollateral,
                (cycleId, address(token), b.settlements, b.proof, b.proofFlags)
            )
        );
        _coolAll(ps);
        uint256 g0 = gasleft();
        uint256 settled = ch.settleNetDebitsFromCollateral(
            cycleId,
            address(token),
            b.settlements,
            b.proof,
            b.proofFlags
        );
        execution = g0 - gasleft();
        require(settled == n * DEBIT, "settled in full");
    }

    function _claimGas(
        uint256 cycleId,
        Position[] memory ps,
        uint256 n
    ) internal returns (uint256 execution, uint256 cd) {
        IClearingHouse.CreditClaim[] memory list = _creditClaims(cycleId, ps, n);
        cd = _calldataGas(abi.encodeCall(ch.claimNetCredits, (cycleId, address(token), list)));
        _coolAll(ps);
        uint256 g0 = gasleft();
        uint256 paid = ch.claimNetCredits(cycleId, address(token), list);
        execution = g0 - gasleft();
        require(paid == n * CREDIT, "paid in full");
    }

    function _json(string memory name, uint256 value) internal pure returns (string memory) {
        return string.concat(',"', name, '":', vm.toString(value));
    }

    /// @dev Execution and calldata gas of a measured call.
    struct Measured {
        uint256 execution;
        uint256 calldataGas;
    }

    function _tx(Measured memory m) internal pure returns (uint256) {
        return m.execution + m.calldataGas + 21_000;
    }

    /// @dev The debtors' side of one cycle of 100 debtors and 20 creditors: the whole settlement batch against a
    ///      batch of one (marginal gas per debtor), and the per-debtor path (approve + payNetDebit) measured from the
    ///      same state. Whole-transaction figures add calldata and 21,000 per transaction.
    function test_gas_settleNetDebitsFromCollateralAt100Debtors() external {
        uint256 cycleId = 1;
        (uint256[] memory pks, Position[] memory ps) = _bigCycle(cycleId);
        uint256 fresh = vm.snapshotState();
        Measured memory one;
        (one.execution, one.calldataGas) = _settleGas(cycleId, pks, ps, 1);
        vm.revertToState(fresh);

        // The per-debtor path: the debtor approves the ClearingHouse, then pays.
        Position memory d0 = ps[0];
        bytes32[] memory proof = _proof(cycleId, address(token), d0);
        Measured memory approve;
        Measured memory pay;
        approve.calldataGas = _calldataGas(abi.encodeCall(token.approve, (address(ch), DEBIT)));
        pay.calldataGas = _calldataGas(
            abi.encodeCall(ch.payNetDebit, (cycleId, address(token), d0.participant, DEBIT, proof))
        );
        _coolAll(ps);
        vm.prank(d0.participant);
        uint256 g0 = gasleft();
        token.approve(address(ch), DEBIT);
        approve.execution = g0 - gasleft();
        _coolAll(ps);
        vm.prank(d0.participant);
        g0 = gasleft();
        ch.payNetDebit(cycleId, address(token), d0.participant, DEBIT, proof);
        pay.execution = g0 - gasleft();
        vm.revertToState(fresh);

        Measured memory all;
        (all.execution, all.calldataGas) = _settleGas(cycleId, pks, ps, DEBTORS);
        uint256 perDebtorOld = _tx(approve) + _tx(pay);
        console.log(
            string.concat(
                '{"collateralSettlement":{"debtors":',
                vm.toString(DEBTORS),
                _json("batchExecution", all.execution),
                _json("batchCalldata", all.calldataGas),
                _json("batchTx", _tx(all)),
                _json("perDebtorTx", _tx(all) / DEBTORS),
                _json("marginalPerDebtor", (_tx(all) - _tx(one)) / (DEBTORS - 1)),
                _json("oneDebtorBatchTx", _tx(one)),
                _json("approveTx", _tx(approve)),
                _json("payNetDebitTx", _tx(pay)),
                _json("perDebtorOldPath", perDebtorOld),
                "}}"
            )
        );
        require(_tx(all) / DEBTORS <= 60_000, "at most 60k per debtor settled from collateral");
        require(_tx(all) / DEBTORS < perDebtorOld / 2, "less than half the approve + payNetDebit path");
    }

    /// @dev The creditors' side of the same cycle once settled: the closing batch of all 20 against a batch of one
    ///      (marginal gas per creditor) and one `claimNetCredit`, from the same state.
    function test_gas_claimNetCreditsAt20Creditors() external {
        uint256 cycleId = 1;
        (uint256[] memory pks, Position[] memory ps) = _bigCycle(cycleId);
        _settleGas(cycleId, pks, ps, DEBTORS);
        uint256 settled = vm.snapshotState();
        Measured memory one;
        (one.execution, one.calldataGas) = _claimGas(cycleId, ps, 1);
        vm.revertToState(settled);

        Position memory c0 = ps[DEBTORS];
        bytes32[] memory proof = _proof(cycleId, address(token), c0);
        Measured memory single;
        single.calldataGas = _calldataGas(
            abi.encodeCall(ch.claimNetCredit, (cycleId, address(token), c0.participant, CREDIT, proof))
        );
        _coolAll(ps);
        uint256 g0 = gasleft();
        ch.claimNetCredit(cycleId, address(token), c0.participant, CREDIT, proof);
        single.execution = g0 - gasleft();
        vm.revertToState(settled);

        Measured memory all;
        (all.execution, all.calldataGas) = _claimGas(cycleId, ps, CREDITORS);
        console.log(
            string.concat(
                '{"batchedClaims":{"creditors":',
                vm.toString(CREDITORS),
                _json("batchExecution", all.execution),
                _json("batchCalldata", all.calldataGas),
                _json("batchTx", _tx(all)),
                _json("perCreditorTx", _tx(all) / CREDITORS),
                _json("marginalPerCreditor", (_tx(all) - _tx(one)) / (CREDITORS - 1)),
                _json("oneCreditorBatchTx", _tx(one)),
                _json("claimNetCreditTx", _tx(single)),
                "}}"
            )
        );
        require(_tx(all) / CREDITORS <= 50_000, "at most 50k per creditor in a closing batch");
        require(_tx(all) / CREDITORS < _tx(single), "less than a claimNetCredit per creditor");
    }
}
