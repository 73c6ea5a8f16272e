import { expect } from "chai";
import { createSiweMessage } from "viem/siwe";

import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { Core } from "../../offchain/src/core/createCore.ts";
import { g1ToEip2537 } from "../../offchain/src/protocol/bls/index.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import {
  ASSET,
  BACKENDS,
  CHAIN_ID,
  CORE4MICA,
  GENESIS,
  NOW,
  deposit,
  otherPayer,
  payer,
  recipient,
  resetDatabase,
  signedBody,
  snapshot,
  startCore,
  v1Request,
} from "./fixtures.ts";

for (const backend of BACKENDS) {
  describe(`Core HTTP API on ${backend.name}`, function () {
    let db: Database;
    let core: Core;

    before(async function () {
      db = await backend.open();
      await resetDatabase(db);
      core = await startCore(db);
    });
    after(async function () {
      await core.close();
      await db.close();
    });
    beforeEach(async function () {
      await resetDatabase(db);
      await deposit(db, payer.address, 10_000n);
    });

    const get = async (url: string, token?: string) => {
      const res = await core.app.inject({
        method: "GET",
        url,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      return { status: res.statusCode, body: res.headers["content-type"]?.includes("json") ? res.json() : res.body };
    };
    const issue = async (amount = 100n) => {
      const res = await core.app.inject({
        method: "POST",
        url: "/core/guarantees",
        payload: await signedBody(v1Request({ amount })),
      });
      expect(res.statusCode).to.equal(201);
      return res.json();
    };

    /** Signs in `account` with SIWE and returns the bearer token. */
    async function signIn(account: typeof payer, overrides: Partial<Parameters<typeof createSiweMessage>[0]> = {}) {
      const nonce = (await core.app.inject({ method: "POST", url: "/core/auth/nonce" })).json();
      const message = createSiweMessage({
        address: account.address,
        chainId: Number(CHAIN_ID),
        domain: nonce.domain,
        nonce: nonce.nonce,
        uri: nonce.uri,
        version: "1",
        issuedAt: new Date(Number(NOW) * 1000 - 1000),
        ...overrides,
      });
      const signature = await account.signMessage({ message });
      const res = await core.app.inject({ method: "POST", url: "/core/auth/verify", payload: { message, signature } });
      return { status: res.statusCode, body: res.json(), message, signature };
    }

    describe("GET /core/public-params", function () {
      it("publishes the key, domains, addresses, versions, registries and schedule", async function () {
        const { status, body } = await get("/core/public-params");
        expect(status).to.equal(200);
        expect(body.blsPublicKey).to.equal(core.blsPublicKey);
        expect(body.blsPublicKeyEip2537).to.deep.equal(g1ToEip2537(core.blsPublicKey));
        expect(body.chainId).to.equal("31337");
        expect(body.core4Mica).to.equal(CORE4MICA);
        expect(body.eip712Domain).to.deep.equal({
          name: "4Mica",
          version: "1",
          chainId: "31337",
          verifyingContract: CORE4MICA,
        });
        expect(body.acceptedVersions).to.deep.equal([1, 2]);
        expect(body.guaranteeDomains["2"]).to.equal(guaranteeDomain(2, CHAIN_ID, CORE4MICA));
        expect(body.cycleSchedule.genesis).to.equal(GENESIS.toString());
        expect(body.trustedValidationRegistries).to.have.length(1);
      });
    });

    describe("GET /core/tokens, /core/health, /metrics, /core/openapi.json", function () {
      it("lists the configured tokens", async function () {
        const { body } = await get("/core/tokens");
        expect(body).to.deep.equal({ chainId: "31337", tokens: [{ symbol: "TST", address: ASSET, decimals: 6 }] });
      });

      it("reports health with the database kind", async function () {
        const { status, body } = await get("/core/health");
        expect(status).to.equal(200);
        expect(body).to.deep.equal({ status: "ok", db: backend.name === "PGlite" ? "pglite" : "postgres" });
      });

      it("counts issuance outcomes in /metrics", async function () {
        await issue();
        await core.app.inject({ method: "POST", url: "/core/guarantees", payload: { request: {}, signature: "0x00" } });
        const { status, body } = await get("/metrics");
        expect(status).to.equal(200);
        expect(body).to.match(/fourmica_issuance_total\{outcome="ISSUED"\} [1-9]/);
        expect(body).to.match(/fourmica_issuance_total\{outcome="INVALID_INPUT"\} [1-9]/);
        expect(body).to.include("fourmica_issuance_duration_seconds_bucket");
      });

      it("serves an OpenAPI 3.1 document with the request schema", async function () {
        const { body } = await get("/core/openapi.json");
        expect(body.openapi).to.equal("3.1.0");
        expect(body.paths["/core/guarantees"].post).to.be.an("object");
        const requestBody = body.paths["/core/guarantees"].post.requestBody.content["application/json"].schema;
        expect(JSON.stringify(requestBody)).to.include("reqId");
      });

      it("answers an unknown route with a JSON 404", async function () {
        const { status, body } = await get("/core/nope");
        expect(status).to.equal(404);
        expect(body.error.code).to.equal("NOT_FOUND");
      });
    });

    describe("GET /core/guarantees/:id", function () {
      it("returns status and certificate by id, publicly", async function () {
        const cert = await issue(321n);
        const { status, body } = await get(`/core/guarantees/${cert.guaranteeId}`);
        expect(status).to.equal(200);
        expect(body.status).to.equal("FINALIZED_PAYABLE");
        expect(body.amount).to.equal("321");
        expect(body.certificate.signature).to.equal(cert.signature);
        expect(body.certificate.signatureEip2537).to.deep.equal(cert.signatureEip2537);
        expect(body).to.not.have.property("payerSignature");
      });

      it("answers an unknown id with 404 GUARANTEE_NOT_FOUND and a malformed one with 400", async function () {
        const missing = await get(`/core/guarantees/0x${"ab".repeat(32)}`);
        expect(missing.status).to.equal(404);
        expect(missing.body.error.code).to.equal("GUARANTEE_NOT_FOUND");
        const bad = await get("/core/guarantees/0x12");
        expect(bad.status).to.equal(400);
        expect(bad.body.error.code).to.equal("INVALID_INPUT");
      });
    });

    describe("SIWE-scoped reads", function () {
      it("lets a payer read its own guarantees and collateral", async function () {
        await issue(250n);
        const { status, body } = await signIn(payer);
        expect(status).to.equal(200);
        expect(body.token).to.be.a("string");
        const list = await get(`/core/payers/${payer.address}/guarantees`, body.token);
        expect(list.status).to.equal(200);
        expect(list.body.guarantees).to.have.length(1);
        const col = await get(`/core/payers/${payer.address}/collateral`, body.token);
        expect(col.body.balances).to.deep.equal([
          { asset: ASSET, deposited: "10000", locked: "250", pendingWithdrawal: "0", available: "9750" },
        ]);
      });

      it("lets a recipient read the guarantees made out to it", async function () {
        await issue();
        const { body } = await signIn(recipient);
        const list = await get(`/core/recipients/${recipient.address}/guarantees`, body.token);
        expect(list.status).to.equal(200);
        expect(list.body.guarantees).to.have.length(1);
      });

      it("refuses another address's data with 403 FORBIDDEN", async function () {
        const { body } = await signIn(otherPayer);
        for (const url of [
          `/core/payers/${payer.address}/guarantees`,
          `/core/payers/${payer.address}/collateral`,
          `/core/recipients/${recipient.address}/guarantees`,
        ]) {
          const r = await get(url, body.token);
          expect(r.status, url).to.equal(403);
          expect(r.body.error.code).to.equal("FORBIDDEN");
        }
      });

      it("refuses a missing or unknown token with 401 UNAUTHENTICATED", async function () {
        for (const token of [undefined, "not-a-real-token-0123456789"]) {
          const r = await get(`/core/payers/${payer.address}/collateral`, token);
          expect(r.status).to.equal(401);
          expect(r.body.error.code).to.equal("UNAUTHENTICATED");
        }
      });

      it("refuses a replayed nonce, another domain, another chain, an expired message and a forged signature", async function () {
        const first = await signIn(payer);
        expect(first.status).to.equal(200);
        const before = await snapshot(db);
        const replay = await core.app.inject({
          method: "POST",
          url: "/core/auth/verify",
          payload: { message: first.message, signature: first.signature },
        });
        expect(replay.statusCode).to.equal(401);
        expect(replay.json().error.code).to.equal("SIWE_NONCE_INVALID");
        expect((await signIn(payer, { domain: "evil.test" })).body.error.code).to.equal("SIWE_DOMAIN_MISMATCH");
        expect((await signIn(payer, { chainId: 1 })).body.error.code).to.equal("SIWE_CHAIN_MISMATCH");
        expect((await signIn(payer, { expirationTime: new Date(Number(NOW) * 1000 - 1) })).body.error.code).to.equal(
          "SIWE_EXPIRED",
        );
        const nonce = (await core.app.inject({ method: "POST", url: "/core/auth/nonce" })).json();
        const message = createSiweMessage({
          address: payer.address,
          chainId: Number(CHAIN_ID),
          domain: nonce.domain,
          nonce: nonce.nonce,
          uri: nonce.uri,
          version: "1",
          issuedAt: new Date(Number(NOW) * 1000 - 1000),
        });
        const forged = await core.app.inject({
          method: "POST",
          url: "/core/auth/verify",
          payload: { message, signature: await otherPayer.signMessage({ message }) },
        });
        expect(forged.statusCode).to.equal(401);
        expect(forged.json().error.code).to.equal("SIWE_SIGNATURE_MISMATCH");
        expect(await snapshot(db)).to.equal(before);
      });

      it("stores only the hash of a session token", async function () {
        const { body } = await signIn(payer);
        const { rows } = await db.query<{ token_hash: string }>("SELECT token_hash FROM sessions");
        expect(rows).to.have.length(1);
        expect(rows[0]!.token_hash).to.not.include(body.token);
        expect(rows[0]!.token_hash).to.match(/^0x[0-9a-f]{64}$/);
      });
    });
  });
}
