import { keccak_256 } from "@noble/hashes/sha3.js";
import { zeroHash, type Address, type Hex } from "viem";

/** The JSON form of an OpenZeppelin `StandardMerkleTree` (`dump()` / `load()`). */
export type StandardTreeDump = {
  format: "standard-v1";
  leafEncoding: string[];
  tree: Hex[];
  values: { value: string[]; treeIndex: number }[];
};

import { toHex, writeHex, writeUint256 } from "./bytes.ts";
import { NettingImbalanceError, NettingInputError } from "./errors.ts";
import { normalizeAddress } from "./normalizeAddress.ts";
import { NETTING_LEAF_TYPES } from "./nettingLeaf.ts";
import { buildSortedPairTree, multiProofOf, nodesHex, proofOf, rootOf, type SortedPairTree } from "./sortedPairTree.ts";
import { NET_CREDITOR, NET_DEBTOR, type NetPosition, type NettingTreeHeader } from "./types.ts";

/** A (cycle, asset) tree of net positions and the totals `ClearingHouse.commitCycle` takes. */
export type NettingTree = NettingTreeHeader & {
  /** The Merkle root; `zeroHash` for an empty cycle (no positions), as the ClearingHouse requires. */
  readonly root: Hex;
  readonly totalNetDebit: bigint;
  readonly totalNetCredit: bigint;
  readonly debtorCount: number;
  readonly creditorCount: number;
  /** The positions in input order, addresses lower-cased. */
  readonly positions: readonly NetPosition[];
  /** The position of `participant` (any case), or undefined if it is flat or absent. */
  position(participant: Address): NetPosition | undefined;
  /** The proof of `participant`'s leaf. Throws if it has no position. */
  getProof(participant: Address): Hex[];
  /**
   * One multiproof of the leaves of `participants` (distinct, each with a position, at least one), as
   * `@openzeppelin/merkle-tree`'s `getMultiProof` gives it: `participants` re-ordered into the order the multiproof
   * takes their leaves (tree index descending; `ClearingHouse.settleNetDebitsFromCollateral` needs its entries in
   * it), their `leaves` in that order, and the `proof` and `proofFlags`. Throws on a repeat or an unknown one.
   */
  getMultiProof(participants: readonly Address[]): NettingMultiProof;
  /** The leaf hash of `participant`'s position. Throws if it has no position. */
  leafOf(participant: Address): Hex;
  /** The tree as `@openzeppelin/merkle-tree` dumps it: `StandardMerkleTree.load(dump())` rebuilds and checks it. */
  dump(): StandardTreeDump;
};

/** See {@link NettingTree.getMultiProof}. */
export type NettingMultiProof = {
  /** Lower-cased, in the multiproof's order. */
  readonly participants: Address[];
  readonly leaves: Hex[];
  readonly proof: Hex[];
  readonly proofFlags: boolean[];
};

/**
 * Builds the Merkle tree of a (cycle, asset)'s net positions as docs/protocol.md §6 defines it: OpenZeppelin
 * `StandardMerkleTree` over `NETTING_LEAF_TYPES` (double-hashed leaves, sorted pairs), with the totals and
 * counts of the commit. Refuses duplicate participants, non-positive amounts, unknown roles and unbalanced
 * totals. Leaves are hashed over raw bytes (see {@link buildSortedPairTree}); tests pin equality with
 * `StandardMerkleTree.of`.
 */
export function buildNettingTree(input: NettingTreeHeader & { positions: Iterable<NetPosition> }): NettingTree {
  const header: NettingTreeHeader = {
    chainId: input.chainId,
    clearingHouse: normalizeAddress(input.clearingHouse, "clearingHouse"),
    cycleId: input.cycleId,
    asset: normalizeAddress(input.asset, "asset"),
  };
  // abi.encode(chainId, clearingHouse, cycleId, asset, participant, role, amount): the first four words are
  // the same for every leaf.
  const buffer = new Uint8Array(224);
  writeUint256(buffer, 0, checkUint256(header.chainId, "chainId"));
  writeHex(buffer, 44, header.clearingHouse);
  writeUint256(buffer, 64, checkUint256(header.cycleId, "cycleId"));
  writeHex(buffer, 108, header.asset);

  const positions: NetPosition[] = [];
  const leaves: Uint8Array[] = [];
  const indexOf = new Map<string, number>();
  let totalNetDebit = 0n;
  let totalNetCredit = 0n;
  let debtorCount = 0;
  let creditorCount = 0;
  for (const p of input.positions) {
    const participant = normalizeAddress(p.participant, "participant");
    if (indexOf.has(participant)) throw new NettingInputError(`participant ${participant} has two positions`);
    if (typeof p.amount !== "bigint" || p.amount <= 0n || p.amount >= 1n << 256n) {
      throw new NettingInputError(`participant ${participant} has amount ${String(p.amount)}`);
    }
    if (p.role === NET_DEBTOR) {
      totalNetDebit += p.amount;
      debtorCount++;
    } else if (p.role === NET_CREDITOR) {
      totalNetCredit += p.amount;
      creditorCount++;
    } else {
      throw new NettingInputError(`participant ${participant} has role ${String(p.role)}`);
    }
    indexOf.set(participant, positions.length);
    positions.push({ participant, role: p.role, amount: p.amount });
    buffer.fill(0, 128, 140);
    writeHex(buffer, 140, participant);
    buffer.fill(0, 160, 191);
    buffer[191] = p.role;
    writeUint256(buffer, 192, p.amount);
    leaves.push(keccak_256(keccak_256(buffer)));
  }
  if (totalNetDebit !== totalNetCredit) throw new NettingImbalanceError(totalNetDebit, totalNetCredit);

  const tree: SortedPairTree | undefined = leaves.length === 0 ? undefined : buildSortedPairTree(leaves);
  const lookup = (participant: Address): number => {
    const index = indexOf.get(normalizeAddress(participant, "participant"));
    if (index === undefined || tree === undefined) {
      throw new NettingInputError(`participant ${participant} has no position`);
    }
    return index;
  };

  return {
    ...header,
    root: tree === undefined ? zeroHash : rootOf(tree),
    totalNetDebit,
    totalNetCredit,
    debtorCount,
    creditorCount,
    positions,
    position: (participant) => {
      const index = indexOf.get(normalizeAddress(participant, "participant"));
      return index === undefined ? undefined : positions[index];
    },
    getProof: (participant) =>
      proofOf(tree as SortedPairTree, (tree as SortedPairTree).treeIndex[lookup(participant)]!),
    getMultiProof: (participants) => {
      const t = tree as SortedPairTree;
      const byNode = new Map<number, number>();
      for (const participant of participants) {
        const k = lookup(participant);
        const node = t.treeIndex[k] as number;
        if (byNode.has(node)) throw new NettingInputError(`participant ${participant} is listed twice`);
        byNode.set(node, k);
      }
      if (byNode.size === 0) throw new NettingInputError("a multiproof needs at least one participant");
      const { indices, proof, proofFlags } = multiProofOf(t, [...byNode.keys()]);
      const order = indices.map((node) => byNode.get(node) as number);
      return {
        participants: order.map((k) => (positions[k] as NetPosition).participant),
        leaves: order.map((k) => toHex(leaves[k] as Uint8Array)),
        proof,
        proofFlags,
      };
    },
    leafOf: (participant) => toHex(leaves[lookup(participant)] as Uint8Array),
    dump: () => ({
      format: "standard-v1",
      leafEncoding: [...NETTING_LEAF_TYPES],
      tree: tree === undefined ? [] : nodesHex(tree),
      values: positions.map((p, k) => ({
        value: [
          header.chainId.toString(),
          header.clearingHouse,
          header.cycleId.toString(),
          header.asset,
          p.participant,
          p.role.toString(),
          p.amount.toString(),
        ],
        treeIndex: (tree as SortedPairTree).treeIndex[k] as number,
      })),
    }),
  };
}

function checkUint256(value: bigint, field: string): bigint {
  if (typeof value !== "bigint" || value < 0n || value >= 1n << 256n) {
    throw new NettingInputError(`${field} ${String(value)} is not a uint256`);
  }
  return value;
}
