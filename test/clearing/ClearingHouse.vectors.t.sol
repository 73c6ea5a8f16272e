// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {console} from "hardhat/console.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";
import {AcceptAllWallet} from "./utils/Actors.sol";
import {vml} from "./utils/VmLogs.sol";

/// @dev Reads test/vectors/netting.json (written by scripts/vectors/netting.ts), the same file the TypeScript
///      tests read.
contract ClearingHouseVectorsTest is ClearingHouseFixture {
    string internal json;

    function setUp() public override {
        super.setUp();
        json = vm.readFile("test/vectors/netting.json");
    }

    function _key(string memory prefix, uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(prefix, "[", vm.toString(i), "].", field);
    }

    function _leafCount() internal view returns (uint256) {
        return vm.parseJsonKeys(json, ".cycle.leaves").length == 0 ? 0 : _countArray(".cycle.leaves");
    }

    function _countArray(string memory path) internal view returns (uint256 n) {
        // parseJson of an array of objects returns its ABI encoding; count by probing indices.
        while (true) {
            try this.probe(string.concat(path, "[", vm.toString(n), "].participant")) {
                ++n;
            } catch {
                return n;
            }
        }
    }

    function probe(string calldata key) external view returns (address) {
        return vm.parseJsonAddress(json, key);
    }

    function _position(uint256 i) internal view returns (Position memory p) {
        p.participant = vm.parseJsonAddress(json, _key(".cycle.leaves", i, "participant"));
        p.role = uint8(vm.parseJsonUint(json, _key(".cycle.leaves", i, "role")));
        p.amount = vm.parseJsonUint(json, _key(".cycle.leaves", i, "amount"));
    }

    function test_vectors_deploymentMatchesTheVectorHeader() external view {
        require(address(ch) == vm.parseJsonAddress(json, ".clearingHouse"), "ClearingHouse address");
        require(block.chainid == vm.parseJsonUint(json, ".chainId"), "chain id");
    }

    function test_vectors_leavesAndProofsMatchTheTypeScriptTree() external view {
        uint256 cycleId = vm.parseJsonUint(json, ".cycle.cycleId");
        address asset = vm.parseJsonAddress(json, ".cycle.asset");
        bytes32 root = vm.parseJsonBytes32(json, ".cycle.root");
        uint256 n = _countArray(".cycle.leaves");
        require(n == 6, "six positions (grace is flat)");
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            Position memory p = _position(i);
            bytes32 leaf = NettingLeaf.hash(
                block.chainid,
                address(ch),
                cycleId,
                asset,
                p.participant,
                p.role,
                p.amount
            );
            require(leaf == vm.parseJsonBytes32(json, _key(".cycle.leaves", i, "leaf")), "leaf");
            require(ch.leafOf(cycleId, asset, p.participant, p.role, p.amount) == leaf, "leafOf");
            bytes32[] memory proof = vm.parseJsonBytes32Array(json, _key(".cycle.leaves", i, "proof"));
            require(MerkleProof.verify(proof, root, leaf), "proof");
            leaves[i] = leaf;
        }
        require(MerkleHelper.build(leaves)[0] == root, "the Solidity test tree builder agrees");
    }

    function test_vectors_batchHashMatchesItsDefinition() external view {
        uint256 cycleId = vm.parseJsonUint(json, ".cycle.cycleId");
        address asset = vm.parseJsonAddress(json, ".cycle.asset");
        bytes memory preimage = abi.encode(
            keccak256("4MICA_NETTING_BATCH_V1"),
            block.chainid,
            address(ch),
            cycleId,
            asset
        );
        bytes32 previous = 0;
        for (uint256 i = 0; i < 10; ++i) {
            bytes32 id = vm.parseJsonBytes32(json, _key(".cycle.guarantees", i, "guaranteeId"));
            require(i == 0 || uint256(id) > uint256(previous), "ascending ids");
            previous = id;
            preimage = bytes.concat(
                preimage,
                abi.encode(
                    id,
                    vm.parseJsonAddress(json, _key(".cycle.guarantees", i, "user")),
                    vm.parseJsonAddress(json, _key(".cycle.guarantees", i, "recipient")),
                    vm.parseJsonUint(json, _key(".cycle.guarantees", i, "amount"))
                )
            );
        }
        require(keccak256(preimage) == vm.parseJsonBytes32(json, ".cycle.batchHash"), "batch hash");
    }

    function test_vectors_theVectorCycleSettlesOnChain() external {
        uint256 cycleId = vm.parseJsonUint(json, ".cycle.cycleId");
        uint256 total = vm.parseJsonUint(json, ".cycle.totalNet");
        _warpToCommit(cycleId);
        vm.prank(operator);
        ch.commitCycle(
            cycleId,
            ETH,
            vm.parseJsonBytes32(json, ".cycle.root"),
            total,
            total,
            uint32(vm.parseJsonUint(json, ".cycle.debtorCount")),
            uint32(vm.parseJsonUint(json, ".cycle.creditorCount")),
            vm.parseJsonBytes32(json, ".cycle.batchHash"),
            _noV2()
        );
        uint256 n = _countArray(".cycle.leaves");
        for (uint256 i = 0; i < n; ++i) {
            Position memory p = _position(i);
            if (p.role != NettingLeaf.NET_DEBTOR) continue;
            bytes32[] memory proof = vm.parseJsonBytes32Array(json, _key(".cycle.leaves", i, "proof"));
            vm.deal(p.participant, p.amount);
            vm.prank(p.participant);
            ch.payNetDebit{value: p.amount}(cycleId, ETH, p.participant, p.amount, proof);
        }
        for (uint256 i = 0; i < n; ++i) {
            Position memory p = _position(i);
            if (p.role != NettingLeaf.NET_CREDITOR) continue;
            bytes32[] memory proof = vm.parseJsonBytes32Array(json, _key(".cycle.leaves", i, "proof"));
            require(ch.claimNetCredit(cycleId, ETH, p.participant, p.amount, proof) == p.amount, "in full");
        }
        require(address(ch).balance == 0 && ch.getCycle(cycleId, ETH).claimedOut == total, "settled");
    }

    /// @dev The TypeScript multiproof of every debtor's leaf (NettingTree.getMultiProof, also read by
    ///      test/protocol/netting.multiproof.test.ts): OpenZeppelin's MerkleProof accepts it, the Solidity port
    ///      {MerkleHelper-multiProof} gives the same order, proof and flags, and the ClearingHouse settles the
    ///      debtors from collateral with it (the debtors made accept-all ERC-1271 wallets: the vector has no keys).
    function test_vectors_theDebtorMultiproofSettlesTheVectorCycleFromCollateral() external {
        string memory base = ".cycle.debtorMultiproof";
        uint256 cycleId = vm.parseJsonUint(json, ".cycle.cycleId");
        bytes32 root = vm.parseJsonBytes32(json, ".cycle.root");
        bytes32[] memory proof = vm.parseJsonBytes32Array(json, string.concat(base, ".proof"));
        bool[] memory flags = vml.parseJsonBoolArray(json, string.concat(base, ".proofFlags"));
        uint256 k = _countArray(string.concat(base, ".entries"));
        vm.assertEq(k, uint256(vm.parseJsonUint(json, ".cycle.debtorCount")), "every debtor");
        bytes32[] memory leaves = new bytes32[](k);
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](k);
        for (uint256 i = 0; i < k; ++i) {
            address who = vm.parseJsonAddress(json, _key(string.concat(base, ".entries"), i, "participant"));
            uint256 amount = vm.parseJsonUint(json, _key(string.concat(base, ".entries"), i, "amount"));
            leaves[i] = vm.parseJsonBytes32(json, _key(string.concat(base, ".entries"), i, "leaf"));
            vm.assertEq(
                NettingLeaf.hash(block.chainid, address(ch), cycleId, ETH, who, NettingLeaf.NET_DEBTOR, amount),
                leaves[i],
                "entry leaf"
            );
            list[i] = IClearingHouse.CollateralSettlement(who, amount, "");
        }
        vm.assertTrue(MerkleProof.multiProofVerify(proof, flags, root, leaves), "OpenZeppelin accepts it");

        // The Solidity port from the tree of all the vector's leaves (given in another order).
        uint256 n = _countArray(".cycle.leaves");
        bytes32[] memory all = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) all[i] = vm.parseJsonBytes32(json, _key(".cycle.leaves", i, "leaf"));
        bytes32[] memory tree = MerkleHelper.build(all);
        bytes32[] memory reversed = new bytes32[](k);
        for (uint256 i = 0; i < k; ++i) reversed[i] = leaves[k - 1 - i];
        (uint256[] memory order, bytes32[] memory p2, bool[] memory f2) = MerkleHelper.multiProof(tree, reversed);
        vm.assertEq(keccak256(abi.encode(p2)), keccak256(abi.encode(proof)), "same proof");
        vm.assertEq(keccak256(abi.encode(f2)), keccak256(abi.encode(flags)), "same flags");
        for (uint256 i = 0; i < k; ++i) vm.assertEq(reversed[order[i]], leaves[i], "same order");

        uint256 total = vm.parseJsonUint(json, ".cycle.totalNet");
        _warpToCommit(cycleId);
        vm.prank(operator);
        ch.commitCycle(
            cycleId,
            ETH,
            root,
            total,
            total,
            uint32(k),
            uint32(vm.parseJsonUint(json, ".cycle.creditorCount")),
            vm.parseJsonBytes32(json, ".cycle.batchHash"),
            _noV2()
        );
        for (uint256 i = 0; i < k; ++i) {
            vm.etch(list[i].debtor, type(AcceptAllWallet).runtimeCode);
            _deposit(list[i].debtor, ETH, list[i].amount);
        }
        vm.assertEq(ch.settleNetDebitsFromCollateral(cycleId, ETH, list, proof, flags), total, "settled");
        vm.assertEq(uint256(ch.getCycle(cycleId, ETH).resolvedDebtors), k, "every debtor resolved");
    }

    // Gas ---------------------------------------------------------------------------------------------------------

    struct Gas {
        uint256 commit;
        uint256 pay;
        uint256 claim;
        uint256 markDefaulted;
        uint256 depth;
    }

    function _commitGasTree(string memory base) internal returns (uint256 cycleId, uint256 gasUsed) {
        cycleId = vm.parseJsonUint(json, string.concat(base, ".cycleId"));
        uint256 total = vm.parseJsonUint(json, string.concat(base, ".totalNet"));
        bytes32 root = vm.parseJsonBytes32(json, string.concat(base, ".root"));
        uint32 creditors = uint32(vm.parseJsonUint(json, string.concat(base, ".creditorCount")));
        _warpToCommit(cycleId);
        ICore4MicaSettlement.NettedGuarantee[] memory none = _noV2();
        vm.prank(operator);
        uint256 g = gasleft();
        ch.commitCycle(cycleId, ETH, root, total, total, 1, creditors, keccak256("batch"), none);
        gasUsed = g - gasleft();
    }

    function _measure(string memory size) internal returns (Gas memory gas) {
        string memory pay = string.concat(".gas.", size, ".pay");
        (uint256 cycleId, uint256 commitGas) = _commitGasTree(pay);
        gas.commit = commitGas;

        address debtor = vm.parseJsonAddress(json, string.concat(pay, ".debtor.participant"));
        uint256 debit = vm.parseJsonUint(json, string.concat(pay, ".debtor.amount"));
        bytes32[] memory proof = vm.parseJsonBytes32Array(json, string.concat(pay, ".debtor.proof"));
        gas.depth = proof.length;
        vm.deal(debtor, debit);
        vm.prank(debtor);
        uint256 g = gasleft();
        ch.payNetDebit{value: debit}(cycleId, ETH, debtor, debit, proof);
        gas.pay = g - gasleft();

        address creditor = vm.parseJsonAddress(json, string.concat(pay, ".creditor.participant"));
        uint256 credit = vm.parseJsonUint(json, string.concat(pay, ".creditor.amount"));
        proof = vm.parseJsonBytes32Array(json, string.concat(pay, ".creditor.proof"));
        vm.deal(creditor, 1); // an existing account, as a creditor's usually is
        g = gasleft();
        ch.claimNetCredit(cycleId, ETH, creditor, credit, proof);
        gas.claim = g - gasleft();
        require(creditor.balance == credit + 1, "claimed");

        string memory def = string.concat(".gas.", size, ".default");
        (cycleId, ) = _commitGasTree(def);
        debtor = vm.parseJsonAddress(json, string.concat(def, ".debtor.participant"));
        debit = vm.parseJsonUint(json, string.concat(def, ".debtor.amount"));
        IClearingHouse.DefaultClaim[] memory claims = new IClearingHouse.DefaultClaim[](1);
        claims[0] = IClearingHouse.DefaultClaim(
            debtor,
            debit,
            vm.parseJsonBytes32Array(json, string.concat(def, ".debtor.proof")),
            address(this)
        );
        _proveSigned(cycleId, ETH, debtor, debit);
        _deposit(debtor, ETH, debit);
        _warpAfterPayment(cycleId);
        g = gasleft();
        ch.markDefaulted(cycleId, ETH, claims);
        gas.markDefaulted = g - gasleft();
        require(ch.getCycle(cycleId, ETH).covered == debit, "covered");

        console.log(
            string.concat(
                '{"leaves":"',
                size,
                '","depth":',
                vm.toString(gas.depth),
                ',"commit":',
                vm.toString(gas.commit),
                ',"pay":',
                vm.toString(gas.pay),
                ',"claim":',
                vm.toString(gas.claim),
                ',"markDefaulted":',
                vm.toString(gas.markDefaulted),
                "}"
            )
        );
    }

    function test_gas_at10Leaves() external {
        Gas memory gas = _measure("leaves10");
        require(gas.depth <= 4, "depth");
    }

    function test_gas_at1000Leaves() external {
        Gas memory gas = _measure("leaves1000");
        require(gas.depth >= 9 && gas.depth <= 10, "depth");
    }

    function test_gas_at100000LeavesPayAndClaimStayBelow80k() external {
        Gas memory gas = _measure("leaves100000");
        require(gas.depth >= 16 && gas.depth <= 17, "depth");
        // Execution gas of the call (no 21k intrinsic, no calldata); the TypeScript gas test reports whole txs.
        require(gas.pay < 80_000 && gas.claim < 80_000, "pay and claim under 80k");
    }
}
