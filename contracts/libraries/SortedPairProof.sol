// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title SortedPairProof
/// @notice The single-leaf Merkle proof check of the netting tree (OpenZeppelin `StandardMerkleTree`: sorted pairs,
///         `keccak256` of the smaller hash then the larger). Same result as OpenZeppelin
///         `MerkleProof.verifyCalldata` for every input (fuzzed against it in test/clearing/SortedPairProof.t.sol).
/// @dev Our own loop, for gas only: with the batch multiproof also in the ClearingHouse, the optimizer stopped
///      inlining OpenZeppelin's pair hash into the single-proof loop, which cost about 86 gas per proof level of
///      every pay, claim and default (docs/operations.md, "ClearingHouse, by tree size"). The multiproof keeps
///      OpenZeppelin's `multiProofVerifyCalldata`.
library SortedPairProof {
    /// @notice Whether `proof` leads from `leaf` to `root`.
    function verifyCalldata(bytes32[] calldata proof, bytes32 root, bytes32 leaf) internal pure returns (bool) {
        bytes32 computed = leaf;
        // Each level hashes the pair in the scratch space (0x00-0x3f), which Solidity lets assembly overwrite.
        assembly ("memory-safe") {
            let end := add(proof.offset, shl(5, proof.length))
            for {
                let p := proof.offset
            } lt(p, end) {
                p := add(p, 0x20)
            } {
                let sibling := calldataload(p)
                switch lt(sibling, computed)
                case 0 {
                    mstore(0x00, computed)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, computed)
                }
                computed := keccak256(0x00, 0x40)
            }
        }
        return computed == root;
    }
}
