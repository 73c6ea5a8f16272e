// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../../contracts/interfaces/IClearingHouse.sol";
import {NettingLeaf} from "../../../contracts/libraries/NettingLeaf.sol";
import {MerkleHelper} from "./MerkleHelper.sol";

/// @dev A `settleNetDebitsFromCollateral` batch: the entries in the order their multiproof needs, and it.
struct SettlementBatch {
    IClearingHouse.CollateralSettlement[] settlements;
    bytes32[] proof;
    bool[] proofFlags;
}

/// @dev Builds {SettlementBatch}es for the tests (shared by both ClearingHouse fixtures and the gas test).
library SettlementBatches {
    /// @dev `list` (entries whose NET_DEBTOR leaves are in `tree`, the tree of `house`'s (`cycleId`, `asset`))
    ///      ordered as its multiproof needs, with the multiproof ({MerkleHelper-multiProof}). Makes no external
    ///      call, so a `vm.expectRevert` before it still applies to the settlement call after it.
    function build(
        address house,
        bytes32[] memory tree,
        uint256 cycleId,
        address asset,
        IClearingHouse.CollateralSettlement[] memory list
    ) internal view returns (SettlementBatch memory b) {
        uint256 n = list.length;
        bytes32[] memory leaves = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            leaves[i] = NettingLeaf.hash(
                block.chainid,
                house,
                cycleId,
                asset,
                list[i].debtor,
                NettingLeaf.NET_DEBTOR,
                list[i].amount
            );
        }
        uint256[] memory order;
        (order, b.proof, b.proofFlags) = MerkleHelper.multiProof(tree, leaves);
        b.settlements = new IClearingHouse.CollateralSettlement[](n);
        for (uint256 k = 0; k < n; ++k) b.settlements[k] = list[order[k]];
    }
}
