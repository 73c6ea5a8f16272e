import { PGlite } from "@electric-sql/pglite";
import { expect } from "chai";
import { keccak256, toHex, zeroAddress, type Address, type Hex } from "viem";

import { openPgDatabase } from "../../offchain/src/core/adapters/db/pgDatabase.ts";
import {
  memoryCertificateStore,
  sqlCertificateStore,
  type CertificateStore,
  type StoredCertificate,
} from "../../offchain/src/sdk/recipient/certificateStore.ts";

const SELLER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address;
const OTHER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC" as Address;
const PAYER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906" as Address;

const certificate = (n: number, recipient: Address = SELLER): StoredCertificate => ({
  guaranteeId: keccak256(toHex(`g${n}-${crypto.randomUUID()}`)),
  version: 1 + (n % 2),
  cycleId: BigInt(n),
  user: PAYER,
  recipient,
  asset: zeroAddress,
  reqId: (1n << 255n) + BigInt(n),
  amount: 10n ** 30n + BigInt(n),
  timestamp: 1_800_000_000n + BigInt(n),
  claims: `0x${"ab".repeat(64)}` as Hex,
  signature: `0x${"cd".repeat(96)}` as Hex,
  payerSignature: `0x${"ef".repeat(65)}` as Hex,
});

const stores: { name: string; open: () => Promise<{ store: CertificateStore; close: () => Promise<void> }> }[] = [
  { name: "memory", open: async () => ({ store: memoryCertificateStore(), close: async () => {} }) },
  {
    name: "PGlite",
    open: async () => {
      const pg = new PGlite();
      return { store: sqlCertificateStore(pg), close: () => pg.close() };
    },
  },
  ...(process.env.FOURMICA_TEST_DATABASE_URL
    ? [
        {
          name: "PostgreSQL (Core's adapter)",
          open: async () => {
            const db = await openPgDatabase({ connectionString: process.env.FOURMICA_TEST_DATABASE_URL! });
            return { store: sqlCertificateStore(db), close: () => db.close() };
          },
        },
      ]
    : []),
];

for (const { name, open } of stores) {
  describe(`CertificateStore on ${name}`, function () {
    let store: CertificateStore;
    let close: () => Promise<void>;
    before(async function () {
      ({ store, close } = await open());
    });
    after(async function () {
      await close();
    });

    it("keeps every field, 256-bit values included", async function () {
      const c = certificate(1);
      expect((await store.put(c)).inserted).to.equal(true);
      const back = await store.get(c.guaranteeId);
      expect(back).to.deep.equal({
        ...c,
        user: c.user.toLowerCase() as Address,
        recipient: c.recipient.toLowerCase() as Address,
      } satisfies Partial<StoredCertificate>);
    });

    it("keeps an x402 seller's metadata (status, network, resource) when given", async function () {
      const c = {
        ...certificate(6),
        status: "PENDING_VALIDATION",
        network: "eip155:31337",
        resource: "https://seller.example/v1/report",
      };
      await store.put(c);
      const back = await store.get(c.guaranteeId);
      expect(back).to.include({ status: c.status, network: c.network, resource: c.resource });
      const [listed] = await store.listByRecipient(SELLER, { limit: 1 });
      expect(listed).to.include({ guaranteeId: c.guaranteeId, network: c.network });
    });

    it("stores a guarantee once: a retried put reports inserted false and changes nothing", async function () {
      const c = certificate(2);
      await store.put(c);
      expect((await store.put({ ...c, amount: 1n })).inserted).to.equal(false);
      expect((await store.get(c.guaranteeId))!.amount).to.equal(c.amount);
    });

    it("lists a recipient's certificates newest first, without the remunerated ones unless asked", async function () {
      const recipient = `0x${crypto.randomUUID().replaceAll("-", "").padEnd(40, "0")}` as Address;
      const a = certificate(3, recipient);
      const b = certificate(4, recipient);
      await store.put(a);
      await store.put(b);
      await store.put(certificate(5, OTHER));
      expect((await store.listByRecipient(recipient)).map((c) => c.guaranteeId)).to.deep.equal([
        b.guaranteeId,
        a.guaranteeId,
      ]);
      await store.markRemunerated(b.guaranteeId, keccak256("0x01"));
      expect((await store.listByRecipient(recipient)).map((c) => c.guaranteeId)).to.deep.equal([a.guaranteeId]);
      const all = await store.listByRecipient(recipient, { includeRemunerated: true });
      expect(all.map((c) => c.remuneratedTx)).to.deep.equal([keccak256("0x01"), undefined]);
      expect(await store.listByRecipient(recipient, { limit: 1, includeRemunerated: true })).to.have.length(1);
    });

    it("answers undefined for an unknown id", async function () {
      expect(await store.get(keccak256("0x02"))).to.equal(undefined);
    });
  });
}

describe("one certificate store for the recipient SDK and the x402 seller", function () {
  it("is what 4mica/x402/server exports, and the seller template's default", async function () {
    const server = await import("../../offchain/src/x402/server/index.ts");
    expect(server.memoryCertificateStore).to.equal(memoryCertificateStore);
    expect(server.sqlCertificateStore).to.equal(sqlCertificateStore);
    const store = new server.MemoryCertificateStore();
    const c = certificate(7);
    expect(await store.put(c)).to.deep.equal({ inserted: true });
    expect(await store.put(c)).to.deep.equal({ inserted: false });
    expect(store.size).to.equal(1);
    expect((await store.listByRecipient(SELLER)).map((x) => x.guaranteeId)).to.deep.equal([c.guaranteeId]);
  });
});
