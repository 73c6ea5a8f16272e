import { readFileSync } from "node:fs";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import { keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";

import {
  buildNettingTree,
  computePositions,
  NET_CREDITOR,
  NET_DEBTOR,
  NETTING_LEAF_TYPES,
  type NetPosition,
} from "../../offchain/src/protocol/netting/index.ts";
import {
  buildSortedPairTree,
  multiProofOf,
  processMultiProof,
  rootOf,
} from "../../offchain/src/protocol/netting/sortedPairTree.ts";
import { balancedPositions } from "../clearing/balancedPositions.ts";

/**
 * The multiproof of a set of leaves (sortedPairTree.multiProofOf, NettingTree.getMultiProof): equal to
 * `@openzeppelin/merkle-tree`'s `getMultiProof` on random trees and subsets, reproduced to the root by our own
 * processing (as OpenZeppelin's `MerkleProof.processMultiProof` does), and the vector of test/vectors/netting.json
 * (also read by ClearingHouse.vectors.t.sol, which settles it through the contract).
 */

const header = {
  chainId: 31337n,
  clearingHouse: "0x0C8CaCDE4c98fbe1d132365f848Ff69d9711879D" as Address,
  cycleId: 3n,
  asset: zeroAddress as Address,
};

/** Random positions (alternating roles, balanced) and a random non-empty subset of their indices. */
const arbTreeAndSubset = fc
  .uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 1, maxLength: 48 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.bigInt({ min: 1n, max: 10n ** 24n }), { minLength: ids.length, maxLength: ids.length }),
      fc.uniqueArray(fc.nat({ max: ids.length - 1 }), { minLength: 1, maxLength: ids.length }),
    ),
  )
  .map(([ids, amounts, subset]) => ({ positions: balancedPositions(ids, amounts), subset }));

describe("netting multiproofs", function () {
  it("NettingTree.getMultiProof equals StandardMerkleTree.getMultiProof on random trees and subsets", function () {
    fc.assert(
      fc.property(arbTreeAndSubset, ({ positions, subset }) => {
        const tree = buildNettingTree({ ...header, positions });
        const values = positions.map((p) => [
          header.chainId,
          header.clearingHouse,
          header.cycleId,
          header.asset,
          p.participant,
          p.role,
          p.amount,
        ]);
        const oz = StandardMerkleTree.of(values, [...NETTING_LEAF_TYPES]);
        const ours = tree.getMultiProof(subset.map((i) => (positions[i] as NetPosition).participant));
        const theirs = oz.getMultiProof(subset);
        expect(ours.participants).to.deep.equal(theirs.leaves.map((v) => (v[4] as string).toLowerCase()));
        expect(ours.proof).to.deep.equal(theirs.proof);
        expect(ours.proofFlags).to.deep.equal(theirs.proofFlags);
        expect(ours.leaves).to.deep.equal(ours.participants.map((p) => tree.leafOf(p)));
        expect(processMultiProof(ours.leaves, ours.proof, ours.proofFlags)).to.equal(tree.root);
        expect(oz.verifyMultiProof({ leaves: theirs.leaves, proof: ours.proof, proofFlags: ours.proofFlags })).to.equal(
          true,
        );
      }),
      { numRuns: 60 },
    );
  });

  it("our processing of a multiproof gives another root for a replaced leaf or a flipped flag", function () {
    fc.assert(
      fc.property(arbTreeAndSubset, fc.nat(), ({ positions, subset }, pick) => {
        const tree = buildNettingTree({ ...header, positions });
        const m = tree.getMultiProof(subset.map((i) => (positions[i] as NetPosition).participant));
        const leaves = [...m.leaves];
        leaves[pick % leaves.length] = keccak256(toHex(`outsider ${pick}`));
        expect(processMultiProof(leaves, m.proof, m.proofFlags)).to.not.equal(tree.root);
        if (m.proofFlags.length > 0) {
          const flags = [...m.proofFlags];
          flags[pick % flags.length] = !flags[pick % flags.length];
          // A flipped flag unbalances the proof's shape: refused as malformed, as the ClearingHouse refuses it.
          expect(() => processMultiProof(m.leaves, m.proof, flags)).to.throw(RangeError, "malformed multiproof");
        }
      }),
      { numRuns: 40 },
    );
  });

  it("multiProofOf on a bare tree matches the single-leaf proofs' root for any one leaf", function () {
    const leaves = Array.from({ length: 13 }, (_, i) => keccak256(toHex(`leaf ${i}`)));
    const tree = buildSortedPairTree(leaves.map((h) => Uint8Array.from(Buffer.from(h.slice(2), "hex"))));
    for (let k = 0; k < leaves.length; k++) {
      const m = multiProofOf(tree, [tree.treeIndex[k] as number]);
      expect(m.proofFlags.every((f) => !f)).to.equal(true);
      expect(processMultiProof([leaves[k] as Hex], m.proof, m.proofFlags)).to.equal(rootOf(tree));
    }
    expect(() => multiProofOf(tree, [])).to.throw(RangeError);
    expect(() => multiProofOf(tree, [0])).to.throw(RangeError, "not a leaf");
    const leaf = tree.treeIndex[0] as number;
    expect(() => multiProofOf(tree, [leaf, leaf])).to.throw(RangeError, "listed twice");
  });

  it("refuses a repeated participant, one without a position, and an empty set", function () {
    const positions: NetPosition[] = [
      { participant: `0x${"d1".padStart(40, "0")}` as Address, role: NET_DEBTOR, amount: 5n },
      { participant: `0x${"c1".padStart(40, "0")}` as Address, role: NET_CREDITOR, amount: 5n },
    ];
    const tree = buildNettingTree({ ...header, positions });
    const d = positions[0]!.participant;
    expect(() => tree.getMultiProof([d, d.toUpperCase().replace("0X", "0x") as Address])).to.throw("listed twice");
    expect(() => tree.getMultiProof([`0x${"99".padStart(40, "0")}` as Address])).to.throw("has no position");
    expect(() => tree.getMultiProof([])).to.throw("at least one");
  });

  it("reproduces the debtor multiproof of test/vectors/netting.json", function () {
    const vectors = JSON.parse(readFileSync(new URL("../vectors/netting.json", import.meta.url), "utf8")) as {
      cycle: {
        guarantees: { guaranteeId: Hex; user: Address; recipient: Address; amount: string }[];
        root: Hex;
        debtorMultiproof: {
          entries: { participant: Address; amount: string; leaf: Hex }[];
          proof: Hex[];
          proofFlags: boolean[];
        };
      };
    };
    const positions = computePositions(vectors.cycle.guarantees.map((g) => ({ ...g, amount: BigInt(g.amount) })));
    const tree = buildNettingTree({ ...header, positions });
    expect(tree.root).to.equal(vectors.cycle.root);
    const debtors = positions.filter((p) => p.role === NET_DEBTOR).map((p) => p.participant);
    const m = tree.getMultiProof(debtors);
    const v = vectors.cycle.debtorMultiproof;
    expect(m.participants).to.deep.equal(v.entries.map((e) => e.participant));
    expect(m.leaves).to.deep.equal(v.entries.map((e) => e.leaf));
    expect(v.entries.map((e) => BigInt(e.amount))).to.deep.equal(m.participants.map((p) => tree.position(p)!.amount));
    expect(m.proof).to.deep.equal(v.proof);
    expect(m.proofFlags).to.deep.equal(v.proofFlags);
    expect(processMultiProof(m.leaves, m.proof, m.proofFlags)).to.equal(vectors.cycle.root);
  });
});
