import { expect } from "chai";
import { createPublicClient, custom, type PublicClient } from "viem";

import { createWalletChecker } from "../../offchain/src/core/adapters/chain/erc1271.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { clientKey } from "../../offchain/src/core/adapters/http/server.ts";
import type { LimitsConfig } from "../../offchain/src/core/config.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import {
  deposit,
  otherPayer,
  payer,
  resetDatabase,
  signedBody,
  snapshot,
  startCore,
  testConfig,
  v1Request,
} from "./fixtures.ts";

const LIMITS: LimitsConfig = {
  rateLimitWindowMs: 60_000,
  rateLimitMax: 5,
  rateLimitIssueMax: 3,
  rateLimitAuthMax: 2,
  trustProxy: false,
  siweMaxNoncesPerClient: 5,
  siweClockSkewSeconds: 60,
  codeCacheMs: 60_000,
};

/** A chain client whose transport counts eth_getCode calls (every address: no code). */
function countingClient(): { client: PublicClient; calls: () => number } {
  let n = 0;
  const client = createPublicClient({
    transport: custom({
      async request({ method }: { method: string }) {
        if (method === "eth_getCode") {
          n++;
          return "0x";
        }
        if (method === "eth_chainId") return "0x7a69";
        throw new Error(`unexpected ${method}`);
      },
    }),
  }) as PublicClient;
  return { client, calls: () => n };
}

describe("Core limits for unauthenticated callers", function () {
  let db: Database;
  let core: Core;

  before(async function () {
    db = await openPgliteDatabase();
    await resetDatabase(db);
  });
  after(async function () {
    await db.close();
  });
  beforeEach(async function () {
    await resetDatabase(db);
    await deposit(db, payer.address, 1_000_000n);
    core = await startCore(db, {}, testConfig({ limits: LIMITS }));
  });
  afterEach(async function () {
    await core.close();
  });

  const inject = (method: "GET" | "POST", url: string, ip: string, payload?: object) =>
    core.app.inject({ method, url, remoteAddress: ip, ...(payload ? { payload } : {}) });

  function expectLimited(res: Awaited<ReturnType<typeof inject>>, limit: number) {
    expect(res.statusCode).to.equal(429);
    expect(res.json().error.code).to.equal("RATE_LIMITED");
    expect(res.json().error.details.limit).to.equal(limit);
    expect(Number(res.headers["retry-after"])).to.be.within(1, 60);
  }

  it("answers the SIWE nonce route beyond FOURMICA_RATE_LIMIT_AUTH_MAX with 429 RATE_LIMITED, storing nothing more", async function () {
    for (let i = 0; i < 2; i++) expect((await inject("POST", "/core/auth/nonce", "10.1.1.1")).statusCode).to.equal(200);
    const before = await db.query("SELECT count(*)::int AS n FROM auth_nonces");
    expectLimited(await inject("POST", "/core/auth/nonce", "10.1.1.1"), 2);
    expectLimited(await inject("POST", "/core/auth/verify", "10.1.1.1", { message: "x", signature: "0x00" }), 2);
    expect((await db.query("SELECT count(*)::int AS n FROM auth_nonces")).rows).to.deep.equal(before.rows);
    // Another client has its own budget.
    expect((await inject("POST", "/core/auth/nonce", "10.1.1.2")).statusCode).to.equal(200);
  });

  it("limits issuance per client (FOURMICA_RATE_LIMIT_ISSUE_MAX) and changes nothing when it refuses", async function () {
    for (let i = 0; i < 3; i++) {
      expect((await inject("POST", "/core/guarantees", "10.2.2.2", await signedBody(v1Request()))).statusCode).to.equal(
        201,
      );
    }
    const before = await snapshot(db);
    expectLimited(await inject("POST", "/core/guarantees", "10.2.2.2", await signedBody(v1Request())), 3);
    expect(await snapshot(db)).to.equal(before);
  });

  it("limits batches so that they carry no more guarantees per window than single issuances may", async function () {
    // FOURMICA_RATE_LIMIT_ISSUE_MAX 3 over batches of up to 64: at least one batch per window, here exactly one.
    const first = await inject("POST", "/core/guarantees/batch", "10.2.2.3", {
      guarantees: [await signedBody(v1Request()), await signedBody(v1Request())],
    });
    expect(first.statusCode).to.equal(200);
    expect(first.json().results.map((r: { status: number }) => r.status)).to.deep.equal([201, 201]);
    const before = await snapshot(db);
    expectLimited(
      await inject("POST", "/core/guarantees/batch", "10.2.2.3", { guarantees: [await signedBody(v1Request())] }),
      1,
    );
    expect(await snapshot(db)).to.equal(before);
    // The batch budget is its own: single issuances of the same client still pass.
    expect((await inject("POST", "/core/guarantees", "10.2.2.3", await signedBody(v1Request()))).statusCode).to.equal(
      201,
    );
  });

  it("limits every other route (FOURMICA_RATE_LIMIT_MAX), bad requests included, per IPv6 /64", async function () {
    const urls = ["/core/public-params", "/core/guarantees/0x12", "/core/tokens", "/core/cycles", "/core/health"];
    for (const [i, url] of urls.entries()) {
      expect((await inject("GET", url, `2001:db8::${i + 1}`)).statusCode).to.be.oneOf([200, 400]);
    }
    expectLimited(await inject("GET", "/core/openapi.json", "2001:db8::ff"), 5);
    expect((await inject("GET", "/core/openapi.json", "2001:db9::1")).statusCode).to.equal(200);
  });

  it("keys IPv4, IPv4-mapped and IPv6 clients", function () {
    expect(clientKey("10.0.0.1")).to.equal("10.0.0.1");
    expect(clientKey("::ffff:10.0.0.1")).to.equal("10.0.0.1");
    expect(clientKey("2001:db8:1:2:3:4:5:6")).to.equal("2001:0db8:0001:0002::/64");
    expect(clientKey("2001:db8::1")).to.equal("2001:0db8:0000:0000::/64");
    expect(clientKey("::1")).to.equal("0000:0000:0000:0000::/64");
  });
});

describe("ERC-1271 code check: one eth_getCode per address, not per request", function () {
  it("200 bad signatures naming one payer cost one eth_getCode through the HTTP server", async function () {
    const db = await openPgliteDatabase();
    await resetDatabase(db);
    await deposit(db, payer.address, 1_000_000n);
    const { client, calls } = countingClient();
    const core = await startCore(db, { chainClient: client, isValidSignature: undefined });
    try {
      const before = await snapshot(db);
      const bodies = await Promise.all(Array.from({ length: 200 }, () => signedBody(v1Request(), otherPayer)));
      const answers = await Promise.all(
        bodies.map((payload) => core.app.inject({ method: "POST", url: "/core/guarantees", payload })),
      );
      expect(answers.map((r) => r.json().error.code)).to.deep.equal(Array(200).fill("PAYER_SIGNATURE_MISMATCH"));
      expect(calls()).to.equal(1);
      expect(await snapshot(db)).to.equal(before);
    } finally {
      await core.close();
      await db.close();
    }
  });

  it("asks again after codeCacheMs, and per address", async function () {
    const { client, calls } = countingClient();
    let now = 0;
    const checker = createWalletChecker(client, { codeCacheMs: 1_000, nowMs: () => now });
    for (let i = 0; i < 10; i++) expect(await checker.hasCode(payer.address)).to.equal(false);
    expect(calls()).to.equal(1);
    await checker.hasCode(otherPayer.address);
    expect(calls()).to.equal(2);
    now = 1_000;
    await checker.hasCode(payer.address);
    expect(calls()).to.equal(3);
  });

  it("does not remember a failed read (CHAIN_UNAVAILABLE, then asks again)", async function () {
    let fail = true;
    let n = 0;
    const client = createPublicClient({
      transport: custom({
        async request({ method }: { method: string }) {
          if (method !== "eth_getCode") throw new Error(method);
          n++;
          if (fail) throw new Error("node down");
          return "0x6001";
        },
      }),
    }) as PublicClient;
    const checker = createWalletChecker(client);
    let code: string | undefined;
    try {
      await checker.hasCode(payer.address);
    } catch (e) {
      code = (e as { code?: string }).code;
    }
    expect(code).to.equal("CHAIN_UNAVAILABLE");
    fail = false;
    // A remembered failure would throw again here.
    expect(await checker.hasCode(payer.address)).to.equal(true);
    expect(n).to.be.greaterThan(0);
  });
});
