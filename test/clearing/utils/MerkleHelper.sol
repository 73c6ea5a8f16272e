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
}
