import { expect } from "chai";
import { createSiweMessage, type SiweMessage } from "viem/siwe";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { openPgliteDatabase } from "../../offchain/src/core/adapters/db/pgliteDatabase.ts";
import { CHAIN_ID, NOW, payer, resetDatabase, snapshot, startCore, testConfig } from "./fixtures.ts";

const at = (seconds: bigint) => new Date(Number(seconds) * 1000);

describe("SIWE sign-in (EIP-4361)", function () {
  let db: Database;
  let core: Core;

  before(async function () {
    db = await openPgliteDatabase();
    await resetDatabase(db);
    core = await startCore(db);
  });
  after(async function () {
    await core.close();
    await db.close();
  });
  beforeEach(async function () {
    await resetDatabase(db);
  });

  const nonce = async (ip = "127.0.0.1", target: Core = core) =>
    (await target.app.inject({ method: "POST", url: "/core/auth/nonce", remoteAddress: ip })).json();

  async function signIn(overrides: Partial<SiweMessage> = {}, raw?: (m: string) => string) {
    const n = await nonce();
    let message = createSiweMessage({
      address: payer.address,
      chainId: Number(CHAIN_ID),
      domain: n.domain,
      nonce: n.nonce,
      uri: n.uri,
      version: "1",
      issuedAt: at(NOW - 10n),
      ...overrides,
    });
    if (raw) message = raw(message);
    const signature = await payer.signMessage({ message });
    const before = await snapshot(db);
    const res = await core.app.inject({ method: "POST", url: "/core/auth/verify", payload: { message, signature } });
    return { status: res.statusCode, body: res.json(), unchanged: (await snapshot(db)) === before, n };
  }

  it("opens a session for a message that follows every rule", async function () {
    const r = await signIn({ expirationTime: at(NOW + 600n), notBefore: at(NOW - 5n) });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    expect(r.body.tokenType).to.equal("Bearer");
  });

  const refusals: [string, Partial<SiweMessage>, string][] = [
    ["another domain", { domain: "evil.test" }, "SIWE_DOMAIN_MISMATCH"],
    ["another URI than FOURMICA_SIWE_URI", { uri: "https://evil.test" }, "SIWE_URI_MISMATCH"],
    ["a URI with another path", { uri: "https://core.test/other" }, "SIWE_URI_MISMATCH"],
    ["another chain id", { chainId: 1 }, "SIWE_CHAIN_MISMATCH"],
    ["issuedAt a day in the future", { issuedAt: at(NOW + 86_400n) }, "SIWE_ISSUED_IN_FUTURE"],
    ["issuedAt beyond the 60 s skew", { issuedAt: at(NOW + 61n) }, "SIWE_ISSUED_IN_FUTURE"],
    ["an expirationTime passed", { expirationTime: at(NOW - 1n) }, "SIWE_EXPIRED"],
    ["an expirationTime equal to now", { expirationTime: at(NOW) }, "SIWE_EXPIRED"],
    ["a notBefore beyond the skew", { notBefore: at(NOW + 120n) }, "SIWE_NOT_YET_VALID"],
  ];
  for (const [what, overrides, code] of refusals) {
    it(`refuses ${what} (${code}) and changes nothing`, async function () {
      const r = await signIn(overrides);
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal(code);
      expect(r.unchanged).to.equal(true);
    });
  }

  it("accepts issuedAt within the skew (now + 60 s)", async function () {
    expect((await signIn({ issuedAt: at(NOW + 60n) })).status).to.equal(200);
  });

  it("refuses a message without issuedAt, another version or a lowercase address (SIWE_MALFORMED)", async function () {
    const cases: ((m: string) => string)[] = [
      (m) => m.replace(/\nIssued At: [^\n]*/, ""),
      (m) => m.replace("Version: 1", "Version: 2"),
      (m) => m.replace(payer.address, payer.address.toLowerCase()),
      (m) => m.replace(/Expiration Time: [^\n]*/, "Expiration Time: tomorrow"),
    ];
    for (const raw of cases) {
      const r = await signIn({ expirationTime: at(NOW + 600n) }, raw);
      expect(r.status).to.equal(401);
      expect(r.body.error.code).to.equal("SIWE_MALFORMED");
      expect(r.unchanged).to.equal(true);
    }
  });

  it("refuses a nonce Core never issued (SIWE_NONCE_INVALID), then signs in with its own", async function () {
    const forged = await signIn({ nonce: "abcdefgh12345678" });
    expect(forged.body.error.code).to.equal("SIWE_NONCE_INVALID");
    const first = await signIn();
    expect(first.status).to.equal(200);
  });

  it("keeps at most FOURMICA_SIWE_MAX_NONCES_PER_CLIENT nonces per client, dropping its oldest", async function () {
    const bounded = await startCore(db, {}, testConfig({ limits: { ...limitsOff(), siweMaxNoncesPerClient: 3 } }));
    try {
      const issued = [];
      for (let i = 0; i < 10; i++) issued.push((await nonce("10.0.0.1", bounded)).nonce);
      await nonce("10.0.0.2", bounded);
      const rows = await db.query<{ client: string; nonce: string }>(
        "SELECT client, nonce FROM auth_nonces ORDER BY created_at",
      );
      expect(rows.rows.filter((r) => r.client === "10.0.0.1").map((r) => r.nonce)).to.deep.equal(issued.slice(-3));
      expect(rows.rows.filter((r) => r.client === "10.0.0.2")).to.have.length(1);
    } finally {
      await bounded.close();
    }
  });

  it("counts an IPv6 /64 as one client", async function () {
    const bounded = await startCore(db, {}, testConfig({ limits: { ...limitsOff(), siweMaxNoncesPerClient: 2 } }));
    try {
      for (let i = 1; i <= 6; i++) await nonce(`2001:db8:1:2::${i.toString(16)}`, bounded);
      const { rows } = await db.query<{ client: string }>("SELECT client FROM auth_nonces");
      expect(rows.map((r) => r.client)).to.deep.equal(["2001:0db8:0001:0002::/64", "2001:0db8:0001:0002::/64"]);
    } finally {
      await bounded.close();
    }
  });

  it("purges expired nonces and sessions", async function () {
    await db.query("INSERT INTO auth_nonces (nonce, expires_at, client) VALUES ('old1', now() - interval '1 s', 'x')");
    await db.query(`INSERT INTO sessions (token_hash, address, expires_at) VALUES ($1, $2, now() - interval '1 s')`, [
      `0x${"ab".repeat(32)}`,
      payer.address.toLowerCase(),
    ]);
    expect((await signIn()).status).to.equal(200);
    const nonces = await db.query("SELECT nonce FROM auth_nonces WHERE nonce = 'old1'");
    const sessions = await db.query("SELECT token_hash FROM sessions WHERE expires_at < now()");
    expect(nonces.rows).to.have.length(0);
    expect(sessions.rows).to.have.length(0);
  });
});

/** Limits with rate limiting effectively off (tests of the other bounds). */
function limitsOff() {
  return {
    rateLimitWindowMs: 60_000,
    rateLimitMax: 1_000_000,
    rateLimitIssueMax: 1_000_000,
    rateLimitAuthMax: 1_000_000,
    trustProxy: false,
    siweMaxNoncesPerClient: 5,
    siweClockSkewSeconds: 60,
    codeCacheMs: 60_000,
  };
}
