import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { keccak256, numberToHex, type Address, type Hex } from "viem";

import { merkleRoot, positionLeaf } from "../../offchain/src/audit/merkleRoot.ts";
import { createPositionAccumulator } from "../../offchain/src/audit/netPositions.ts";
import { createAuditBatchHasher } from "../../offchain/src/audit/batchHasher.ts";
import { decodeClaims } from "../../offchain/src/audit/decodeClaims.ts";
import { guaranteeIdOf, payerDigest } from "../../offchain/src/audit/payerDigest.ts";
import { NETTING_LEAF_TYPES } from "../../offchain/src/protocol/netting/nettingLeaf.ts";
import { batchHash } from "../../offchain/src/protocol/netting/batchHash.ts";
import { recoverPayer } from "../../offchain/src/audit/checkEvidence.ts";
import vectors from "../vectors/guarantees.json" with { type: "json" };

const header = {
  chainId: 31337n,
  clearingHouse: "0x00000000000000000000000000000000c1ea2100" as Hex,
  cycleId: 7n,
  asset: "0x0000000000000000000000000000000000000000" as Hex,
};
const participant = (i: number) => `0x${keccak256(numberToHex(i, { size: 32 })).slice(26)}` as Address;

describe("audit: independent recomputation", function () {
  describe("merkleRoot (merkletreejs)", function () {
    it("gives @openzeppelin/merkle-tree's root for every size from 1 to 70 leaves and around 128 and 256", function () {
      for (const n of [...Array.from({ length: 70 }, (_, i) => i + 1), 127, 128, 129, 255, 256, 257]) {
        const positions = Array.from({ length: n }, (_, i) => ({
          participant: participant(i),
          role: (i % 2 === 0 ? "NET_DEBTOR" : "NET_CREDITOR") as "NET_DEBTOR" | "NET_CREDITOR",
          amount: BigInt(i + 1) * 10n ** 15n,
        }));
        const oz = StandardMerkleTree.of(
          positions.map((p) => [
            header.chainId,
            header.clearingHouse,
            header.cycleId,
            header.asset,
            p.participant,
            p.role === "NET_DEBTOR" ? 0 : 1,
            p.amount,
          ]),
          [...NETTING_LEAF_TYPES],
        );
        expect(merkleRoot(positions.map((p) => positionLeaf(header, p))), `n = ${n}`).to.equal(oz.root);
      }
    });

    it("is the zero root with no position", function () {
      expect(merkleRoot([])).to.equal(`0x${"00".repeat(32)}`);
    });
  });

  describe("batch hash, positions, claims, digest and id", function () {
    it("the batch hash equals the protocol's for the same entries", function () {
      const entries = Array.from({ length: 700 }, (_, i) => ({
        guaranteeId: keccak256(numberToHex(i, { size: 32 })),
        user: participant(i % 13),
        recipient: participant(100 + (i % 7)),
        amount: BigInt(i) * 997n,
      })).sort((a, b) => (a.guaranteeId < b.guaranteeId ? -1 : 1));
      const h = createAuditBatchHasher(header);
      for (const e of entries) h.add(e);
      expect(h.digest()).to.equal(batchHash(header, entries));
    });

    it("nets gross flows into debtors, creditors and flat participants, self-payments in both gross sides", function () {
      const acc = createPositionAccumulator();
      const [a, b, c] = [participant(1), participant(2), participant(3)];
      acc.add(a, b, 5n);
      acc.add(b, c, 5n);
      acc.add(c, c, 9n);
      const byParticipant = Object.fromEntries(acc.positions().map((p) => [p.participant, p]));
      expect(byParticipant[a]).to.include({ role: "NET_DEBTOR", amount: 5n, grossOut: 5n, grossIn: 0n });
      expect(byParticipant[b]).to.include({ role: "FLAT", amount: 0n, grossOut: 5n, grossIn: 5n });
      expect(byParticipant[c]).to.include({ role: "NET_CREDITOR", amount: 5n, grossOut: 9n, grossIn: 14n });
    });

    it("decodes the shared vectors' envelopes, refuses their malformed ones, and recomputes each id, digest and signer", function () {
      type Case = {
        payer: { address: Hex };
        guarantee: Record<string, unknown>;
        digest: Hex;
        signature: Hex;
        envelope: Hex;
        requestDomainSeparator: Hex;
        guaranteeId: Hex;
      };
      const cases = Object.entries(vectors.cases as Record<string, Case>);
      expect(cases.length).to.equal(8);
      for (const [name, c] of cases) {
        const claims = decodeClaims(c.envelope);
        if (typeof claims === "string") expect.fail(`${name}: ${claims}`);
        expect(claims.user, name).to.equal(String(c.guarantee.user).toLowerCase());
        expect(claims.amount, name).to.equal(BigInt(c.guarantee.amount as string));
        expect(claims.version, name).to.equal(Number(c.guarantee.version));
        const separator = Buffer.from(c.requestDomainSeparator.slice(2), "hex");
        const digest = payerDigest(claims, separator);
        expect(`0x${digest.toString("hex")}`, name).to.equal(c.digest);
        expect(guaranteeIdOf(claims, separator), name).to.equal(c.guaranteeId);
        expect(recoverPayer(digest, c.signature), name).to.deep.equal({
          kind: "recovered",
          address: c.payer.address.toLowerCase(),
        });
      }
      for (const [name, m] of Object.entries({ ...vectors.malformed, ...vectors.unsupported })) {
        expect(decodeClaims((m as { envelope: Hex }).envelope), name).to.be.a("string");
      }
    });
  });
});
