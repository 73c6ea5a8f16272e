// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @dev Builds OpenZeppelin merkle-tree's layout in Solidity for tests (small trees only): leaves sorted by hash
///      fill the array from the end, node i = commutativeKeccak256(node 2i+1, node 2i+2). The vector test checks
///      that it gives the TypeScript builder's root.
library MerkleHelper {
    function build(bytes32[] memory leaves) internal pure returns (bytes32[] memory tree) {
        uint256 n = leaves.length;
        require(n > 0, "MerkleHelper: no leaves");
        bytes32[] memory sorted = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) sorted[i] = leaves[i];
        for (uint256 i = 1; i < n; ++i) {
            bytes32 x = sorted[i];
            uint256 j = i;
            while (j > 0 && sorted[j - 1] > x) {
                sorted[j] = sorted[j - 1];
                --j;
            }
            sorted[j] = x;
        }
        uint256 size = 2 * n - 1;
        tree = new bytes32[](size);
        for (uint256 s = 0; s < n; ++s) tree[size - 1 - s] = sorted[s];
        for (uint256 k = size - n; k > 0; --k) {
            uint256 i = k - 1;
            tree[i] = Hashes.commutativeKeccak256(tree[2 * i + 1], tree[2 * i + 2]);
        }
    }

    function proof(bytes32[] memory tree, bytes32 leaf) internal pure returns (bytes32[] memory p) {
        uint256 size = tree.length;
        uint256 index = type(uint256).max;
        for (uint256 i = size / 2; i < size; ++i) {
            if (tree[i] == leaf) {
                index = i;
                break;
            }
        }
        require(index != type(uint256).max, "MerkleHelper: leaf not in tree");
        uint256 depth = 0;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) ++depth;
        p = new bytes32[](depth);
        uint256 d = 0;
        for (uint256 j = index; j > 0; j = (j - 1) / 2) p[d++] = tree[j % 2 == 1 ? j + 1 : j - 1];
    }

    /// @dev The node index of `leaf` in `tree`; reverts if it is not a leaf of `tree`.
    function indexOf(bytes32[] memory tree, bytes32 leaf) internal pure returns (uint256) {
        uint256 size = tree.length;
        for (uint256 i = size / 2; i < size; ++i) {
            if (tree[i] == leaf) return i;
        }
        revert("MerkleHelper: leaf not in tree");
    }

    /// @dev The multiproof of `leaves` (distinct leaves of `tree`), a port of `@openzeppelin/merkle-tree`'s
    ///      `getMultiProof`: `order[k]` is the position in `leaves` of the `k`-th leaf the proof expects (tree index
    ///      descending), `hashes` (the proof) and `flags` are what `MerkleProof.multiProofVerify` takes.
    function multiProof(
        bytes32[] memory tree,
        bytes32[] memory leaves
    ) internal pure returns (uint256[] memory order, bytes32[] memory hashes, bool[] memory flags) {
        uint256 n = leaves.length;
        order = new uint256[](n);
        uint256[] memory idx = new uint256[](n);
        for (uint256 k = 0; k < n; ++k) {
            order[k] = k;
            idx[k] = indexOf(tree, leaves[k]);
        }
        // Insertion sort by tree index, descending.
        for (uint256 i = 1; i < n; ++i) {
            uint256 x = idx[i];
            uint256 o = order[i];
            uint256 j = i;
            while (j > 0 && idx[j - 1] < x) {
                idx[j] = idx[j - 1];
                order[j] = order[j - 1];
                --j;
            }
            idx[j] = x;
            order[j] = o;
        }
        for (uint256 i = 1; i < n; ++i) require(idx[i] != idx[i - 1], "MerkleHelper: duplicated leaf");
        // The queue of getMultiProof: at most n + (number of steps) entries; each step pops one or two and pushes one.
        uint256[] memory queue = new uint256[](2 * tree.length + 1);
        uint256 head = 0;
        uint256 tail = 0;
        for (uint256 k = 0; k < n; ++k) queue[tail++] = idx[k];
        bytes32[] memory proofBuf = new bytes32[](tree.length);
        bool[] memory flagBuf = new bool[](tree.length);
        uint256 proofLen = 0;
        uint256 flagLen = 0;
        while (head < tail && queue[head] > 0) {
            uint256 j = queue[head++];
            uint256 s = j % 2 == 1 ? j + 1 : j - 1;
            uint256 parent = (j - 1) / 2;
            if (head < tail && queue[head] == s) {
                flagBuf[flagLen++] = true;
                ++head;
            } else {
                flagBuf[flagLen++] = false;
                proofBuf[proofLen++] = tree[s];
            }
            queue[tail++] = parent;
        }
        hashes = new bytes32[](proofLen);
        for (uint256 i = 0; i < proofLen; ++i) hashes[i] = proofBuf[i];
        flags = new bool[](flagLen);
        for (uint256 i = 0; i < flagLen; ++i) flags[i] = flagBuf[i];
    }
}
