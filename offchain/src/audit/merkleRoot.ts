import { MerkleTree } from "merkletreejs";
import type { Hex } from "viem";

import { addressWord, word } from "./hex.ts";
import { keccak } from "./keccak.ts";
import type { RecomputedPosition } from "./netPositions.ts";

const ZERO_ROOT = `0x${"00".repeat(32)}` as Hex;

/**
 * A position's leaf (docs/protocol.md §6): `keccak256(keccak256(abi.encode(uint256 chainId, address clearingHouse,
 * uint256 cycleId, address asset, address participant, uint8 role, uint256 amount)))`, role 0 debtor, 1 creditor.
 */
export function positionLeaf(
  header: { chainId: bigint; clearingHouse: Hex; cycleId: bigint; asset: Hex },
  p: { participant: Hex; role: "NET_DEBTOR" | "NET_CREDITOR"; amount: bigint },
): Buffer {
  return keccak(
    keccak(
      word(header.chainId),
      addressWord(header.clearingHouse),
      word(header.cycleId),
      addressWord(header.asset),
      addressWord(p.participant),
      word(p.role === "NET_DEBTOR" ? 0n : 1n),
      word(p.amount),
    ),
  );
}

/**
 * The root of the committed tree, rebuilt with `merkletreejs` (not the project's tree builder). The ClearingHouse
 * checks proofs with OpenZeppelin's `MerkleProof` over OpenZeppelin's `StandardMerkleTree` layout: sorted pairs, and
 * a complete tree whose leaves, sorted, fill its node array from the end. `merkletreejs` with `sortPairs` and
 * `complete` pairs the first leaves of its bottom layer and lifts the rest; fed the leaves sorted descending with the
 * `k = 2n - 2^ceil(log2 n)` smallest first (those are OpenZeppelin's deepest), it builds the same tree, level by
 * level mirrored, hence the same root (test/audit/merkleRoot.test.ts checks it against @openzeppelin/merkle-tree for
 * 1 to 300 leaves). No position: the zero root of an empty commit.
 */
export function merkleRoot(leaves: readonly Buffer[]): Hex {
  const n = leaves.length;
  if (n === 0) return ZERO_ROOT;
  const descending = [...leaves].sort((a, b) => Buffer.compare(b, a));
  const full = 2 ** Math.ceil(Math.log2(n));
  const deepest = full === n ? 0 : 2 * n - full;
  const ordered = descending.slice(n - deepest).concat(descending.slice(0, n - deepest));
  const tree = new MerkleTree(ordered, (data: Buffer) => keccak(data), { sortPairs: true, complete: true });
  return tree.getHexRoot() as Hex;
}
