// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SortedPairProof} from "../../contracts/libraries/SortedPairProof.sol";
import {vm} from "../utils/Vm.sol";
import {MerkleHelper} from "./utils/MerkleHelper.sol";

/// @dev Calls both checks with calldata arrays, as the ClearingHouse does.
contract ProofCheckers {
    function ours(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return SortedPairProof.verifyCalldata(proof, root, leaf);
    }

    function openZeppelin(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}

/// @dev {SortedPairProof} answers exactly as OpenZeppelin `MerkleProof.verifyCalldata`, on real proofs of random
///      trees and on tampered ones.
contract SortedPairProofTest {
    ProofCheckers private checkers;

    function setUp() public {
        checkers = new ProofCheckers();
    }

    function _tree(uint256 seed, uint256 n) private pure returns (bytes32[] memory leaves, bytes32[] memory tree) {
        leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) leaves[i] = keccak256(abi.encode(seed, i));
        tree = MerkleHelper.build(leaves);
    }

    function test_acceptsEveryLeafOfATreeAndRefusesAnOutsider() external view {
        (bytes32[] memory leaves, bytes32[] memory tree) = _tree(7, 13);
        for (uint256 i = 0; i < leaves.length; ++i) {
            bytes32[] memory proof = MerkleHelper.proof(tree, leaves[i]);
            vm.assertTrue(checkers.ours(proof, tree[0], leaves[i]), "a leaf of the tree");
            vm.assertFalse(checkers.ours(proof, tree[0], keccak256(abi.encode("outsider", i))), "an outsider");
        }
    }

    function test_aLoneLeafIsItsOwnRootWithAnEmptyProof() external view {
        bytes32 leaf = keccak256("lone");
        vm.assertTrue(checkers.ours(new bytes32[](0), leaf, leaf), "root == leaf");
        vm.assertFalse(checkers.ours(new bytes32[](0), keccak256("other"), leaf), "root != leaf");
    }

    function test_equalSiblingsHashTheSameInEitherOrder() external view {
        bytes32 x = keccak256("x");
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = x;
        bytes32 root = keccak256(abi.encode(x, x));
        vm.assertTrue(checkers.ours(proof, root, x), "equal pair");
        vm.assertTrue(checkers.openZeppelin(proof, root, x), "OpenZeppelin agrees");
    }

    /// @dev A real proof of a random leaf of a random tree, then the same with one word of it (or the leaf, or the
    ///      root) changed: both checks give the same answer every time.
    function testFuzz_answersAsOpenZeppelin(
        uint256 seed,
        uint8 size,
        uint8 pick,
        uint8 tamper,
        bytes32 noise
    ) external view {
        uint256 n = 1 + (uint256(size) % 64);
        (bytes32[] memory leaves, bytes32[] memory tree) = _tree(seed, n);
        bytes32 leaf = leaves[pick % n];
        bytes32 root = tree[0];
        bytes32[] memory proof = MerkleHelper.proof(tree, leaf);
        vm.assertTrue(checkers.ours(proof, root, leaf), "the real proof");
        vm.assertTrue(checkers.openZeppelin(proof, root, leaf), "OpenZeppelin accepts it too");

        uint256 what = uint256(tamper) % (proof.length + 3);
        if (what < proof.length) proof[what] = noise;
        else if (what == proof.length) leaf = noise;
        else if (what == proof.length + 1) root = noise;
        else {
            // One word more or one less.
            bytes32[] memory other = new bytes32[](proof.length == 0 ? 1 : proof.length - 1);
            for (uint256 i = 0; i < other.length && i < proof.length; ++i) other[i] = proof[i];
            if (proof.length == 0) other[0] = noise;
            proof = other;
        }
        vm.assertEq(
            checkers.ours(proof, root, leaf) ? 1 : 0,
            checkers.openZeppelin(proof, root, leaf) ? 1 : 0,
            "same answer on the tampered input"
        );
    }
}
