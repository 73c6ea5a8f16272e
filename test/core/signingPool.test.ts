import { expect } from "chai";
import { keccak256, toHex, type Hex } from "viem";

import { createSigningPool } from "../../offchain/src/core/adapters/bls/signingPool.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { BLS_SK, deposit, payer, resetDatabase, signedBody, startCore, testConfig, v1Request } from "./fixtures.ts";
import { loadBlsBackend } from "../../offchain/src/protocol/bls/index.ts";

describe("BLS signing in worker threads (FOURMICA_SIGNING_WORKERS)", function () {
  it("signs exactly what the in-thread signer signs, for every backend, across concurrent tasks", async function () {
    for (const backend of ["native", "pure"] as const) {
      const inThread = (await loadBlsBackend(backend)).signer(BLS_SK);
      const pool = await createSigningPool({ secretKey: BLS_SK, backend, workers: 2 });
      try {
        const messages: Hex[] = Array.from({ length: backend === "pure" ? 4 : 40 }, (_, i) => keccak256(toHex(i)));
        const signed = await Promise.all(messages.map((m) => pool.sign(m)));
        signed.forEach((s, i) => expect(s, `${backend} #${i}`).to.deep.equal(inThread.sign(messages[i]!)));
        expect(pool.workers).to.equal(2);
      } finally {
        await pool.close();
      }
    }
  });

  it("fails at start-up, not on the first request, when a thread cannot parse the key", async function () {
    let error: unknown;
    try {
      await createSigningPool({ secretKey: `0x${"00".repeat(32)}`, backend: "native", workers: 1 });
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/key/i);
  });

  describe("in Core", function () {
    let db: Database;
    before(async function () {
      db = await openPgliteDatabase();
    });
    after(async function () {
      await db.close();
    });

    it("issues the same certificate with 2 signing threads as on the event loop, and close() stops the threads", async function () {
      const body = await signedBody(v1Request());
      const answers = [];
      for (const signingWorkers of [0, 2]) {
        await resetDatabase(db);
        await deposit(db, payer.address, 1_000_000n);
        const core = await startCore(db, {}, testConfig({ signingWorkers }));
        try {
          const res = await core.app.inject({ method: "POST", url: "/core/guarantees", payload: body });
          expect(res.statusCode, res.body).to.equal(201);
          answers.push(res.json());
        } finally {
          await core.close();
        }
      }
      expect(answers[1].signature).to.equal(answers[0].signature);
      expect(answers[1].claims).to.equal(answers[0].claims);
      expect(answers[1].signatureEip2537).to.deep.equal(answers[0].signatureEip2537);
    });
  });
});
