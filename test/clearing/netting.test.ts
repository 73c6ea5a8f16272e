import { readFileSync } from "node:fs";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import fc from "fast-check";
import {
  concat,
  encodeAbiParameters,
  getAddress,
  keccak256,
  numberToHex,
  parseAbiParameters,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Address,
  type Hex,
} from "viem";

import { hasCode } from "../../offchain/src/protocol/errors.ts";
import { balancedPositions } from "./balancedPositions.ts";
import {
  batchHash,
  buildNettingTree,
  computePositions,
  createBatchHasher,
  NET_CREDITOR,
  NET_DEBTOR,
  NETTING_LEAF_TYPES,
  nettingLeaf,
  sortBatchEntries,
  type BatchEntry,
  type NetPosition,
} from "../../offchain/src/protocol/netting/index.ts";

type Vectors = {
  chainId: number;
  clearingHouse: Address;
  cycle: {
    cycleId: string;
    asset: Address;
    guarantees: { guaranteeId: Hex; user: Address; recipient: Address; amount: string }[];
    positions: { participant: Address; role: 0 | 1; amount: string }[];
    leaves: { participant: Address; role: 0 | 1; amount: string; leaf: Hex; proof: Hex[] }[];
    root: Hex;
    totalNet: string;
    debtorCount: number;
    creditorCount: number;
    batchHash: Hex;
  };
  gas: Record<string, { leaves: number; pay: { root: Hex; totalNet: string; debtorCount: number } }>;
};

const vectors = JSON.parse(readFileSync(new URL("../vectors/netting.json", import.meta.url), "utf8")) as Vectors;
const header = {
  chainId: 31337n,
  clearingHouse: "0x0C8CaCDE4c98fbe1d132365f848Ff69d9711879D" as Address,
  cycleId: 3n,
  asset: zeroAddress as Address,
};

// Eight participants, so random guarantees collide often (positions net, some go flat).
const people = Array.from({ length: 8 }, (_, i) => getAddress(`0x${keccak256(stringToHex(`p${i}`)).slice(26)}`));
const arbGuarantee = fc.record({
  user: fc.constantFrom(...people),
  recipient: fc.constantFrom(...people),
  amount: fc.bigInt({ min: 0n, max: 10n ** 30n }),
});
const arbGuarantees = fc.array(arbGuarantee, { maxLength: 60 });

const arbPositions = fc
  .uniqueArray(fc.integer({ min: 1, max: 2 ** 40 }), { minLength: 1, maxLength: 40 })
  .chain((ids) =>
    fc.tuple(
      fc.constant(ids),
      fc.array(fc.bigInt({ min: 1n, max: 10n ** 24n }), { minLength: ids.length, maxLength: ids.length }),
    ),
  )
  .map(([ids, amounts]) => balancedPositions(ids, amounts));

describe("netting", function () {
  describe("computePositions", function () {
    it("positions sum to zero", function () {
      fc.assert(
        fc.property(arbGuarantees, (gs) => {
          const ps = computePositions(gs);
          const debit = ps.filter((p) => p.role === NET_DEBTOR).reduce((s, p) => s + p.amount, 0n);
          const credit = ps.filter((p) => p.role === NET_CREDITOR).reduce((s, p) => s + p.amount, 0n);
          expect(debit).to.equal(credit);
        }),
      );
    });

    it("equals the naive per-participant balance and drops flat participants", function () {
      fc.assert(
        fc.property(arbGuarantees, (gs) => {
          const balance = new Map<string, bigint>();
          for (const g of gs) {
            const u = g.user.toLowerCase();
            const r = g.recipient.toLowerCase();
            balance.set(u, (balance.get(u) ?? 0n) - g.amount);
            balance.set(r, (balance.get(r) ?? 0n) + g.amount);
          }
          const expected = [...balance].filter(([, b]) => b !== 0n).sort(([a], [b]) => (a < b ? -1 : 1));
          const ps = computePositions(gs);
          expect(ps.map((p) => [p.participant, p.role === NET_DEBTOR ? -p.amount : p.amount])).to.deep.equal(expected);
        }),
      );
    });

    it("never makes a participant both debtor and creditor, and never a zero position", function () {
      fc.assert(
        fc.property(arbGuarantees, (gs) => {
          const ps = computePositions(gs);
          expect(new Set(ps.map((p) => p.participant)).size).to.equal(ps.length);
          for (const p of ps) expect(p.amount > 0n).to.equal(true);
        }),
      );
    });

    it("treats addresses case-insensitively", function () {
      const a = people[0] as Address;
      const b = people[1] as Address;
      const ps = computePositions([
        { user: a.toLowerCase() as Address, recipient: b, amount: 5n },
        { user: a, recipient: b.toLowerCase() as Address, amount: 2n },
      ]);
      expect(ps).to.have.length(2);
    });

    it("streams from a generator", function () {
      function* gen() {
        for (let i = 0; i < 1000; i++)
          yield { user: people[i % 8] as Address, recipient: people[(i + 1) % 8] as Address, amount: 1n };
      }
      expect(computePositions(gen())).to.deep.equal([]);
    });

    it("throws when an amount is negative or an address is malformed", function () {
      expect(() => computePositions([{ user: people[0] as Address, recipient: people[1] as Address, amount: -1n }]))
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_INVALID_INPUT"));
      expect(() => computePositions([{ user: "0x1234" as Address, recipient: people[1] as Address, amount: 1n }]))
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_INVALID_INPUT"));
    });
  });

  describe("buildNettingTree", function () {
    it("every leaf proves against the root", function () {
      fc.assert(
        fc.property(arbPositions, (positions) => {
          const tree = buildNettingTree({ ...header, positions });
          for (const p of positions) {
            const value = [
              header.chainId,
              header.clearingHouse,
              header.cycleId,
              header.asset,
              p.participant,
              p.role,
              p.amount,
            ];
            expect(
              StandardMerkleTree.verify(tree.root, [...NETTING_LEAF_TYPES], value, tree.getProof(p.participant)),
            ).to.equal(true);
            expect(tree.leafOf(p.participant)).to.equal(nettingLeaf(header, p));
          }
        }),
        { numRuns: 50 },
      );
    });

    it("gives StandardMerkleTree.of's root and proofs, and its dump loads into StandardMerkleTree", function () {
      fc.assert(
        fc.property(arbPositions, (positions) => {
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
          expect(tree.root).to.equal(oz.root);
          positions.forEach((p, i) => expect(tree.getProof(p.participant)).to.deep.equal(oz.getProof(i)));
          expect(StandardMerkleTree.load(tree.dump()).root).to.equal(oz.root);
        }),
        { numRuns: 30 },
      );
    });

    it("reports totals and counts", function () {
      fc.assert(
        fc.property(arbPositions, (positions) => {
          const tree = buildNettingTree({ ...header, positions });
          const debtors = positions.filter((p) => p.role === NET_DEBTOR);
          expect(tree.totalNetDebit).to.equal(tree.totalNetCredit);
          expect(tree.totalNetDebit).to.equal(debtors.reduce((s, p) => s + p.amount, 0n));
          expect(tree.debtorCount).to.equal(debtors.length);
          expect(tree.creditorCount).to.equal(positions.length - debtors.length);
        }),
      );
    });

    it("a leaf of another cycle, asset, role or chain does not prove", function () {
      const positions = computePositions(vectors.cycle.guarantees.map((g) => ({ ...g, amount: BigInt(g.amount) })));
      const tree = buildNettingTree({ ...header, positions });
      const p = positions[0] as NetPosition;
      const proof = tree.getProof(p.participant);
      const verify = (h: typeof header, role: number) =>
        StandardMerkleTree.verify(
          tree.root,
          [...NETTING_LEAF_TYPES],
          [h.chainId, h.clearingHouse, h.cycleId, h.asset, p.participant, role, p.amount],
          proof,
        );
      expect(verify(header, p.role)).to.equal(true);
      expect(verify({ ...header, cycleId: 4n }, p.role)).to.equal(false);
      expect(verify({ ...header, asset: people[0] as Address }, p.role)).to.equal(false);
      expect(verify({ ...header, chainId: 1n }, p.role)).to.equal(false);
      expect(verify(header, 1 - p.role)).to.equal(false);
    });

    it("an empty cycle has the zero root the ClearingHouse requires", function () {
      const tree = buildNettingTree({ ...header, positions: [] });
      expect(tree.root).to.equal(zeroHash);
      expect([tree.totalNetDebit, tree.debtorCount, tree.creditorCount]).to.deep.equal([0n, 0, 0]);
    });

    it("refuses duplicate participants, zero amounts and unbalanced totals", function () {
      const a = people[0] as Address;
      const b = people[1] as Address;
      const build = (positions: NetPosition[]) => () => buildNettingTree({ ...header, positions });
      expect(
        build([
          { participant: a, role: 0, amount: 1n },
          { participant: a.toLowerCase() as Address, role: 1, amount: 1n },
        ]),
      )
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_INVALID_INPUT"));
      expect(build([{ participant: a, role: 0, amount: 0n }]))
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_INVALID_INPUT"));
      expect(
        build([
          { participant: a, role: 0, amount: 2n },
          { participant: b, role: 1, amount: 1n },
        ]),
      )
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_IMBALANCE"));
    });
  });

  describe("batchHash", function () {
    const entries = (): BatchEntry[] => vectors.cycle.guarantees.map((g) => ({ ...g, amount: BigInt(g.amount) }));

    it("streams the same hash as the one-shot function", function () {
      const hasher = createBatchHasher(header);
      for (const e of entries()) hasher.update(e);
      expect(hasher.digest()).to.equal(batchHash(header, entries()));
      expect(hasher.count).to.equal(10);
    });

    it("refuses entries out of ascending id order or repeated", function () {
      const [first, second] = entries() as [BatchEntry, BatchEntry];
      expect(() => batchHash(header, [second, first]))
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_BATCH_ORDER"));
      expect(() => batchHash(header, [first, first]))
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_BATCH_ORDER"));
    });

    it("binds the header and every field of every entry", function () {
      const base = batchHash(header, entries());
      expect(batchHash({ ...header, cycleId: 4n }, entries())).to.not.equal(base);
      const changed = entries();
      changed[3] = { ...(changed[3] as BatchEntry), amount: (changed[3] as BatchEntry).amount + 1n };
      expect(batchHash(header, changed)).to.not.equal(base);
    });

    it("equals the definition's keccak over the concatenated records across chunk boundaries", function () {
      // 1,300 entries: the hasher feeds keccak 512 records at a time, so this crosses two chunk boundaries and
      // ends on a partial chunk. The reference is viem's keccak over the whole preimage built with abi.encode.
      const many: BatchEntry[] = Array.from({ length: 1_300 }, (_, i) => ({
        guaranteeId: numberToHex(i + 1, { size: 32 }),
        user: getAddress(numberToHex(0xa000 + (i % 7), { size: 20 })),
        recipient: numberToHex(0xb000 + (i % 11), { size: 20 })
          .toUpperCase()
          .replace("0X", "0x") as Address,
        amount: BigInt(i) * 10n ** 15n + 1n,
      }));
      const preimage = concat([
        encodeAbiParameters(parseAbiParameters("bytes32, uint256, address, uint256, address"), [
          keccak256(stringToHex("4MICA_NETTING_BATCH_V1")),
          header.chainId,
          header.clearingHouse,
          header.cycleId,
          header.asset,
        ]),
        ...many.map((e) =>
          encodeAbiParameters(parseAbiParameters("bytes32, address, address, uint256"), [
            e.guaranteeId,
            getAddress(e.user),
            getAddress(e.recipient),
            e.amount,
          ]),
        ),
      ]);
      expect(batchHash(header, many)).to.equal(keccak256(preimage));
    });

    it("refuses a malformed id, user or recipient, and an update after the digest", function () {
      const [first] = entries() as [BatchEntry];
      for (const bad of [
        { ...first, guaranteeId: first.guaranteeId.slice(0, 64) as Hex },
        { ...first, guaranteeId: `0x${"g".repeat(64)}` as Hex },
        { ...first, user: "0x1234" as Address },
        { ...first, recipient: `0x${"z".repeat(40)}` as Address },
        { ...first, amount: -1n },
      ]) {
        expect(() => batchHash(header, [bad]))
          .to.throw()
          .that.satisfies((e: unknown) => hasCode(e, "NETTING_INVALID_INPUT"));
      }
      const hasher = createBatchHasher(header);
      hasher.update(first);
      const digest = hasher.digest();
      expect(hasher.digest()).to.equal(digest);
      expect(() => hasher.update(first))
        .to.throw()
        .that.satisfies((e: unknown) => hasCode(e, "NETTING_INVALID_INPUT"));
    });

    it("sortBatchEntries orders by id", function () {
      const shuffled = [...entries()].reverse();
      expect(sortBatchEntries(shuffled)).to.deep.equal(entries());
    });
  });

  describe("vectors (test/vectors/netting.json)", function () {
    it("positions, leaves, proofs, root, totals and batch hash match a recomputation", function () {
      expect(BigInt(vectors.chainId)).to.equal(header.chainId);
      expect(vectors.clearingHouse).to.equal(header.clearingHouse);
      const gs = vectors.cycle.guarantees.map((g) => ({ ...g, amount: BigInt(g.amount) }));
      const positions = computePositions(gs);
      expect(positions.map((p) => ({ ...p, amount: p.amount.toString() }))).to.deep.equal(vectors.cycle.positions);
      const tree = buildNettingTree({
        ...header,
        cycleId: BigInt(vectors.cycle.cycleId),
        asset: vectors.cycle.asset,
        positions,
      });
      expect(tree.root).to.equal(vectors.cycle.root);
      expect(tree.totalNetDebit.toString()).to.equal(vectors.cycle.totalNet);
      expect([tree.debtorCount, tree.creditorCount]).to.deep.equal([
        vectors.cycle.debtorCount,
        vectors.cycle.creditorCount,
      ]);
      for (const l of vectors.cycle.leaves) {
        expect(tree.leafOf(l.participant)).to.equal(l.leaf);
        expect(tree.getProof(l.participant)).to.deep.equal(l.proof);
      }
      expect(batchHash(header, sortBatchEntries(gs))).to.equal(vectors.cycle.batchHash);
    });

    it("the gas trees have one debtor owing the total", function () {
      for (const [name, g] of Object.entries(vectors.gas)) {
        expect(g.pay.debtorCount, name).to.equal(1);
        expect(g.pay.root).to.match(/^0x[0-9a-f]{64}$/);
      }
      expect(Object.values(vectors.gas).map((g) => g.leaves)).to.deep.equal([10, 1000, 100000]);
    });
  });
});
