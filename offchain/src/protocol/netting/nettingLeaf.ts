import { encodeAbiParameters, keccak256, type Hex } from "viem";

import type { NetPosition, NettingTreeHeader } from "./types.ts";

/** The Solidity types of a leaf's seven values, in order (OpenZeppelin StandardMerkleTree leaf encoding). */
export const NETTING_LEAF_TYPES = ["uint256", "address", "uint256", "address", "address", "uint8", "uint256"] as const;

const LEAF_PARAMS = NETTING_LEAF_TYPES.map((type) => ({ type }));

/**
 * The leaf of a net position: `keccak256(bytes.concat(keccak256(abi.encode(chainId, clearingHouse, cycleId,
 * asset, participant, role, amount))))`, as `NettingLeaf.hash` computes it on-chain.
 */
export function nettingLeaf(header: NettingTreeHeader, position: NetPosition): Hex {
  const encoded = encodeAbiParameters(LEAF_PARAMS, [
    header.chainId,
    header.clearingHouse,
    header.cycleId,
    header.asset,
    position.participant,
    position.role,
    position.amount,
  ]);
  return keccak256(keccak256(encoded));
}
