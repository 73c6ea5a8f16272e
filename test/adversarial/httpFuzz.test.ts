import { expect } from "chai";
import fc from "fast-check";
import type { InjectOptions } from "fastify";
import type { Address } from "viem";

import { ERROR_CODES, errorStatus } from "../../offchain/src/core/adapters/http/errorStatus.ts";
import { registeredRoutes } from "../../offchain/src/core/adapters/http/server.ts";
import { ASSET, CORE4MICA, v1Request } from "../core/fixtures.ts";
import { signedBodyFor } from "../core/syncFixtures.ts";
import {
  headerSafe,
  hostileJson,
  hostilePaymentHeader,
  hostileRawJson,
  hostileString,
  mutatedJson,
} from "./fuzzGenerators.ts";
import { dbFingerprint, dbSnapshot, runSeed, runs, startOffchainStack, type OffchainStack } from "./harness.ts";

/** Each property stops at its run count or at this many milliseconds, whichever comes first. */
const TIME_LIMIT_MS = Number(process.env.FOURMICA_FUZZ_TIME_LIMIT_MS ?? 6_000);
const FACILITATOR_PATHS = new Set(["/supported", "/verify", "/settle", "/tabs", "/health"]);

/** Lone surrogates replaced (encodeURIComponent throws on them; the raw variant sends them as they are). */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** Fails if a fuzzed input reached Object.prototype through a naive merge anywhere in the stack. */
function assertNoPollution() {
  for (const key of ["polluted", "isAdmin"]) {
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, key), `Object.prototype.${key}`).to.equal(false);
  }
}

interface Tally {
  inputs: number;
  accepted: number;
  refused: number;
  byStatus: Record<number, number>;
  codes: Set<string>;
}
const tally = (): Tally => ({ inputs: 0, accepted: 0, refused: 0, byStatus: {}, codes: new Set() });
function count(t: Tally, status: number, code?: string) {
  t.inputs++;
  t.byStatus[status] = (t.byStatus[status] ?? 0) + 1;
  if (status < 400) t.accepted++;
  else t.refused++;
  if (code) t.codes.add(code);
}
function report(label: string, t: Tally, ms: number) {
  console.log(
    `      [adversarial] ${label}: ${t.inputs} inputs in ${(ms / 1000).toFixed(1)} s (${t.accepted} accepted, ` +
      `${t.refused} refused, each refusal sent twice); statuses ${JSON.stringify(t.byStatus)}; codes ${[...t.codes].sort().join(" ")}`,
  );
}

/**
 * Property-based fuzzing of every HTTP route (docs/reliability.md): Core's routes as it registers them, the
 * facilitator mounted in it, both template sellers, and the payment headers. For every input: no 5xx, an error
 * with a stable code (the same input refused twice gives the same code), and a refusal changes no row of any table.
 */
describe("Adversarial: HTTP fuzzing", function () {
  this.timeout(TIME_LIMIT_MS * 3 + 60_000);
  let s: OffchainStack;
  let validGuarantee: unknown;

  before(async function () {
    s = await startOffchainStack();
    validGuarantee = await signedBodyFor(
      v1Request({
        user: s.payer.address.toLowerCase() as Address,
        recipient: s.recipient.address.toLowerCase() as Address,
        amount: 1_000n,
        asset: ASSET,
        timestamp: BigInt(Math.floor(Date.now() / 1000)),
      }),
      CORE4MICA,
      s.payer,
    );
  });
  after(async function () {
    await s?.stop();
    await s?.db.close();
    assertNoPollution();
  });

  /**
   * The database before an input: its fingerprint, and the full dump taken only when the fingerprint moved (after an
   * accepted input), so that a changed table can be shown row by row without dumping everything for every input.
   */
  let last: { fp: string; dump: string } | undefined;
  async function stateBefore() {
    const fp = await dbFingerprint(s.db);
    if (last?.fp !== fp) last = { fp, dump: await dbSnapshot(s.db) };
    return last;
  }
  async function expectUnchanged(before: { fp: string; dump: string }, where: string) {
    if ((await dbFingerprint(s.db)) !== before.fp) {
      expect(await dbSnapshot(s.db), `state changed by ${where}`).to.equal(before.dump);
      expect.fail(`fingerprint changed by ${where}`);
    }
  }

  /** Runs `inject` and checks the refusal invariants; returns the status and error code. */
  async function injectChecked(
    opts: InjectOptions & { method: string; url: string },
    check: (status: number, body: any) => string | undefined,
    mutates: boolean,
  ) {
    const before = await stateBefore();
    const res = await s.core.app.inject(opts as never);
    let body: any;
    try {
      body = res.json();
    } catch {
      body = res.body;
    }
    const where = `${(opts as { method: string }).method} ${(opts as { url: string }).url.slice(0, 200)} -> ${res.statusCode} ${String(res.body).slice(0, 300)}`;
    expect(res.statusCode, where).to.be.below(500);
    const code = check(res.statusCode, body);
    if (res.statusCode >= 400 || !mutates) {
      await expectUnchanged(before, where);
      // The same refusal again: the same status and code.
      if (res.statusCode >= 400) {
        const again = await s.core.app.inject(opts as never);
        let againBody: any;
        try {
          againBody = again.json();
        } catch {
          againBody = again.body;
        }
        expect([again.statusCode, check(again.statusCode, againBody)], `replayed ${where}`).to.deep.equal([
          res.statusCode,
          code,
        ]);
      }
    }
    assertNoPollution();
    return { status: res.statusCode, code };
  }

  /** Core's error contract: `{error: {code, message}}`, a code the API declares, the status it maps to. */
  function coreError(status: number, body: any): string | undefined {
    if (status < 400) return undefined;
    expect(body?.error?.code, JSON.stringify(body)).to.be.oneOf(ERROR_CODES);
    expect(typeof body.error.message).to.equal("string");
    expect(errorStatus(body.error.code)).to.equal(status);
    return body.error.code;
  }

  it("Core: every registered route, hostile params, queries, bodies and headers", async function () {
    const seed = runSeed("Core routes");
    const routes = registeredRoutes(s.core.app).filter((r) => !FACILITATOR_PATHS.has(r.url));
    console.log(
      `      [adversarial] Core routes under test (${routes.length}): ${routes.map((r) => `${r.method} ${r.url}`).join(", ")}`,
    );
    expect(routes.length).to.be.greaterThan(10);
    const t = tally();
    const started = Date.now();
    const contentType = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
      undefined,
    );
    const body = fc.oneof(
      { weight: 3, arbitrary: mutatedJson(validGuarantee) },
      { weight: 2, arbitrary: hostileRawJson },
      { weight: 1, arbitrary: hostileJson.map((v) => JSON.stringify({ request: v, signature: "0x" })) },
    );
    const input = fc.record({
      // State-changing routes (POST) weigh four times a read.
      route: fc.oneof(...routes.map((r) => ({ weight: r.method === "POST" ? 4 : 1, arbitrary: fc.constant(r) }))),
      params: fc.array(hostileString, { minLength: 3, maxLength: 3 }),
      // Sometimes unencoded: bad percent-encoding, slashes and `?` reach the router as they are.
      encode: fc.boolean(),
      query: fc.dictionary(
        fc.oneof(
          fc.constantFrom("limit", "cursor", "status", "recipient", "user", "asset", "cycleId", "__proto__"),
          hostileString,
        ),
        hostileString,
        { maxKeys: 3 },
      ),
      body: fc.option(body, { nil: undefined }),
      contentType,
      authorization: fc.option(
        fc.oneof(
          hostileString.map((x) => `Bearer ${headerSafe(x)}`),
          hostileString.map(headerSafe),
        ),
        { nil: undefined },
      ),
    });
    await fc.assert(
      fc.asyncProperty(input, async (i) => {
        let n = 0;
        const path = i.route.url.replace(/:[A-Za-z]+/g, () => {
          const p = i.params[n++ % 3]!;
          return i.encode ? encodeURIComponent(wellFormed(p)) : headerSafe(p).replace(/[ #]/g, "");
        });
        const qs = new URLSearchParams(Object.entries(i.query)).toString();
        const headers: Record<string, string> = {};
        if (i.contentType && i.body !== undefined) headers["content-type"] = i.contentType;
        if (i.authorization) headers.authorization = i.authorization;
        const method = i.route.method as "GET" | "POST";
        const { status, code } = await injectChecked(
          {
            method,
            url: `${path}${qs ? `?${qs}` : ""}`,
            headers,
            ...(method !== "GET" && i.body !== undefined ? { payload: i.body } : {}),
          },
          (st, b) => {
            if (i.route.url === "/metrics" && st < 400) return undefined;
            // A batch answers 200 with one status per item: each refusal in it keeps the error contract too.
            if (i.route.url === "/core/guarantees/batch" && st === 200) {
              for (const item of b.results) {
                expect(item.status, `batch item ${JSON.stringify(item).slice(0, 200)}`).to.be.below(500);
                coreError(item.status, item);
              }
            }
            return coreError(st, b);
          },
          method !== "GET",
        );
        count(t, status, code);
      }),
      { seed, numRuns: runs(600), interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    report("Core routes", t, Date.now() - started);
    expect(t.refused).to.be.greaterThan(0);
  });

  it("answers router refusals (bad percent-encoding, an over-long path parameter) in the error shape, not Fastify's", async function () {
    // Found by the fuzzer: Fastify answered these itself, `{"code":"FST_ERR_MAX_PARAM_LENGTH",...}` with a 414.
    for (const url of [
      `/core/guarantees/${"9".repeat(600)}`,
      "/core/guarantees/%ZZ",
      "/core/cycles/%E0%A4%A/0x/positions/x",
    ]) {
      const res = await s.core.app.inject({ method: "GET", url });
      expect(res.statusCode, url).to.equal(400);
      expect(res.json().error.code, url).to.equal("INVALID_INPUT");
    }
  });

  it("refuses a valid payment in a header over 16 KB with 431 before settling it: no lock, no work", async function () {
    // Found by the fuzzer: Hono (no header limit of its own) let the x402 middleware settle it, then the handler
    // could not decode a header that long and answered 402: a certificate taken, nothing delivered.
    for (const seller of s.sellers) {
      const required = await s.paymentRequiredOf(seller, "/v1/report");
      const payment = await s.clientFor().createPaymentPayload(required);
      const padded = { ...payment, resource: { ...payment.resource, pad: "a".repeat(17_000) } };
      const before = await dbFingerprint(s.db);
      const res = await seller.fetch("/v1/report", {
        headers: { "PAYMENT-SIGNATURE": Buffer.from(JSON.stringify(padded)).toString("base64") },
      });
      expect(res.status, seller.name).to.equal(431);
      expect(await dbFingerprint(s.db), seller.name).to.equal(before);
      expect(seller.work.get("report") ?? 0, seller.name).to.equal(0);
    }
  });

  it("facilitator: /supported, /verify, /settle, /tabs with hostile envelopes, payloads and requirements", async function () {
    const seed = runSeed("facilitator routes");
    const seller = s.sellers[0]!;
    const required = await s.paymentRequiredOf(seller, "/v1/report");
    const payment = await s.clientFor().createPaymentPayload(required);
    const requirements = required.accepts[0]!;
    const envelope = { x402Version: 2, paymentPayload: payment, paymentRequirements: requirements };
    const tabs = { payer: s.payer.address, recipient: s.recipient.address, asset: ASSET, network: s.net };
    const b64 = (x: string) => Buffer.from(x).toString("base64");
    const t = tally();
    const started = Date.now();
    const input = fc.oneof(
      fc.record({
        op: fc.constantFrom("/verify", "/settle"),
        body: fc.oneof(
          { weight: 4, arbitrary: mutatedJson(envelope) },
          { weight: 2, arbitrary: hostileRawJson },
          {
            weight: 2,
            arbitrary: hostilePaymentHeader(payment).map((h) =>
              JSON.stringify({ x402Version: 1, paymentHeader: h.value, paymentRequirements: requirements }),
            ),
          },
          {
            weight: 1,
            arbitrary: mutatedJson(payment).map((p) =>
              JSON.stringify({ x402Version: 1, paymentHeader: b64(p), paymentRequirements: requirements }),
            ),
          },
        ),
      }),
      fc.record({ op: fc.constant("/tabs"), body: fc.oneof(mutatedJson(tabs), hostileRawJson) }),
      fc.record({ op: fc.constant("/supported"), body: fc.constant(undefined) }),
    );
    await fc.assert(
      fc.asyncProperty(
        input,
        fc.option(
          hostileString.map((x) => `Bearer ${headerSafe(x)}`),
          { nil: undefined },
        ),
        async (i, authorization) => {
          const { status, code } = await injectChecked(
            {
              method: i.op === "/supported" ? "GET" : "POST",
              url: i.op,
              headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
              ...(i.body !== undefined ? { payload: i.body } : {}),
            },
            (st, b) => {
              if (i.op === "/supported") {
                expect(st).to.equal(200);
                return undefined;
              }
              if (st < 400) return undefined;
              if (i.op === "/verify" && b?.isValid !== undefined) {
                expect(b.isValid).to.equal(false);
                expect(b.invalidReason, JSON.stringify(b)).to.be.a("string");
                return b.invalidReason;
              }
              if (i.op === "/settle" && b?.success !== undefined) {
                expect(b.success).to.equal(false);
                expect(b.errorReason, JSON.stringify(b)).to.be.a("string");
                return b.errorReason;
              }
              // Body parsing refusals (Core's Fastify) and /tabs answer Core's error shape.
              expect(b?.error?.code, JSON.stringify(b)).to.be.a("string");
              return b.error.code;
            },
            // Only a successful /settle may change anything: /verify and /tabs only read.
            i.op === "/settle",
          );
          count(t, status, code);
        },
      ),
      { seed, numRuns: runs(500), interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    report("facilitator routes", t, Date.now() - started);
    expect(t.refused).to.be.greaterThan(0);
  });

  it("sellers: hostile PAYMENT-SIGNATURE and X-PAYMENT headers on every paid route of both templates", async function () {
    const seed = runSeed("seller payment headers");
    const t = tally();
    const started = Date.now();
    const cases: {
      seller: OffchainStack["sellers"][number];
      path: string;
      method: "GET" | "POST";
      work: string;
      payment: unknown;
    }[] = [];
    for (const seller of s.sellers) {
      for (const [path, method, work] of [
        ["/v1/report", "GET", "report"],
        ["/v1/authorized", "POST", "authorized"],
      ] as const) {
        const init: RequestInit =
          method === "POST" ? { method, headers: { "content-type": "application/json" }, body: "{}" } : {};
        const required = await s.paymentRequiredOf(seller, path, init);
        cases.push({ seller, path, method, work, payment: await s.clientFor().createPaymentPayload(required) });
      }
    }
    const input = fc.constantFrom(...cases.keys()).chain((k) =>
      fc.record({
        k: fc.constant(k),
        header: hostilePaymentHeader(cases[k]!.payment),
        name: fc.constantFrom("PAYMENT-SIGNATURE", "X-PAYMENT", "payment-signature"),
        body: fc.oneof(fc.constant("{}"), hostileRawJson),
      }),
    );
    const decode = (h: string | null) => {
      if (!h) return undefined;
      return JSON.parse(Buffer.from(h, "base64").toString("utf8"));
    };
    // @x402/core logs every undecodable header with console.warn: thousands of lines of expected refusals.
    const consoleWarn = console.warn;
    console.warn = () => {};
    try {
      await fc.assert(
        fc.asyncProperty(input, async (i) => {
          const c = cases[i.k]!;
          const send = async () => {
            const res = await c.seller.fetch(c.path, {
              method: c.method,
              headers: {
                [i.name]: i.header.value,
                ...(c.method === "POST" ? { "content-type": "application/json" } : {}),
              },
              ...(c.method === "POST" ? { body: i.body } : {}),
            });
            const text = await res.text();
            const required = decode(res.headers.get("payment-required"));
            const response = decode(res.headers.get("payment-response"));
            const reason: string | undefined =
              response?.errorReason ?? required?.error ?? (res.status >= 400 ? `http ${res.status}` : undefined);
            return { status: res.status, text, required, response, reason };
          };
          const before = await stateBefore();
          const runsBefore = c.seller.work.get(c.work) ?? 0;
          const r = await send();
          const where = `${c.seller.name} ${c.method} ${c.path} ${i.name}: ${i.header.what} ${i.header.value.slice(0, 120)} -> ${r.status} ${r.text.slice(0, 200)}`;
          expect(r.status, where).to.be.below(500);
          if (r.status !== 200) {
            expect(r.status, where).to.be.oneOf([400, 402, 413, 431]);
            if (r.status === 402) expect(r.required ?? r.response, where).to.be.an("object");
            expect(c.seller.work.get(c.work) ?? 0, `work ran on ${where}`).to.equal(runsBefore);
            await expectUnchanged(before, where);
            const again = await send();
            expect([again.status, again.reason], `replayed ${where}`).to.deep.equal([r.status, r.reason]);
          }
          assertNoPollution();
          count(t, r.status, r.reason);
        }),
        { seed, numRuns: runs(600), interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
      );
    } finally {
      console.warn = consoleWarn;
    }
    report("seller payment headers", t, Date.now() - started);
    expect(t.refused).to.be.greaterThan(0);
  });
});
