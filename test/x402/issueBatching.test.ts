import { expect } from "chai";
import type { Hex } from "viem";

import {
  CoreUnavailableError,
  createCoreClient,
  type CoreTransport,
} from "../../offchain/src/x402/facilitator/coreClient.ts";

/** One call the fake Core received, answered when the test says so. */
interface Call {
  method: string;
  path: string;
  body: any;
  answer(status: number, body?: unknown): void;
  fail(e: Error): void;
}

/** A transport whose calls wait in `calls` until the test answers them. */
function manualCore() {
  const calls: Call[] = [];
  const send: CoreTransport = (method, path, body) =>
    new Promise((resolve, reject) => {
      calls.push({
        method,
        path,
        body,
        answer: (status, b) => resolve({ status, body: b }),
        fail: reject,
      });
    });
  return { send, calls };
}

const tick = () => new Promise((r) => setImmediate(r));
const request = (n: number) => ({ version: 1, reqId: String(n) });
const sig = (n: number) => `0x${n.toString(16).padStart(2, "0")}` as Hex;
const certificate = (n: number) => ({
  guaranteeId: `0x${n.toString(16).padStart(64, "0")}`,
  cycleId: "7",
  status: "FINALIZED_PAYABLE",
  claims: `0x0${n}`,
  signature: `0x1${n}`,
});

describe("The facilitator's Core client batches issuances only while its calls are busy", function () {
  it("sends a lone issuance on its own, with no wait", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: { maxInFlight: 2, maxBatch: 64 } });
    const pending = client.issue(request(1), sig(1));
    expect(core.calls.map((c) => c.path)).to.deep.equal(["/core/guarantees"]);
    expect(core.calls[0]!.body).to.deep.equal({ request: request(1), signature: sig(1) });
    core.calls[0]!.answer(201, certificate(1));
    expect(await pending).to.deep.equal({ ok: true, created: true, certificate: certificate(1) });
  });

  it("holds what arrives while maxInFlight calls are busy and sends it as one batch when a call returns", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: { maxInFlight: 2, maxBatch: 64 } });
    const outcomes = Array.from({ length: 7 }, (_, i) => client.issue(request(i), sig(i)));
    expect(core.calls.map((c) => c.path)).to.deep.equal(["/core/guarantees", "/core/guarantees"]);
    core.calls[0]!.answer(201, certificate(0));
    await tick();
    expect(core.calls.map((c) => c.path)).to.deep.equal([
      "/core/guarantees",
      "/core/guarantees",
      "/core/guarantees/batch",
    ]);
    const batch = core.calls[2]!;
    expect(batch.body.guarantees).to.deep.equal(
      [2, 3, 4, 5, 6].map((i) => ({ request: request(i), signature: sig(i) })),
    );
    // Each item's answer goes to its own caller: issued, idempotent, refused.
    batch.answer(200, {
      results: [
        { status: 201, certificate: certificate(2) },
        { status: 200, certificate: certificate(3) },
        { status: 400, error: { code: "PAYER_SIGNATURE_MISMATCH", message: "wrong signer" } },
        { status: 409, error: { code: "GUARANTEE_CONFLICT", message: "other content" } },
        { status: 201, certificate: certificate(6) },
      ],
    });
    core.calls[1]!.answer(201, certificate(1));
    const got = await Promise.all(outcomes);
    expect(got[2]).to.deep.equal({ ok: true, created: true, certificate: certificate(2) });
    expect(got[3]).to.deep.equal({ ok: true, created: false, certificate: certificate(3) });
    expect(got[4]).to.deep.equal({
      ok: false,
      httpStatus: 400,
      code: "PAYER_SIGNATURE_MISMATCH",
      message: "wrong signer",
    });
    expect(got[5]).to.deep.include({ ok: false, httpStatus: 409, code: "GUARANTEE_CONFLICT" });
    expect(got[6]).to.deep.equal({ ok: true, created: true, certificate: certificate(6) });
  });

  it("splits what waits into batches of maxBatch", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: { maxInFlight: 1, maxBatch: 3 } });
    const outcomes = Array.from({ length: 8 }, (_, i) => client.issue(request(i), sig(i)));
    const sizes: number[] = [];
    // Answer every call in turn; each one that returns lets the next batch go.
    for (let k = 0; k < 4; k++) {
      await tick();
      const c = core.calls[k]!;
      const items: number[] =
        c.path === "/core/guarantees"
          ? [Number(c.body.request.reqId)]
          : c.body.guarantees.map((g: any) => Number(g.request.reqId));
      sizes.push(items.length);
      if (c.path === "/core/guarantees") c.answer(201, certificate(items[0]!));
      else c.answer(200, { results: items.map((i) => ({ status: 201, certificate: certificate(i) })) });
    }
    expect(sizes).to.deep.equal([1, 3, 3, 1]);
    const got = await Promise.all(outcomes);
    expect(got.map((o) => (o.ok ? o.certificate.claims : o.code))).to.deep.equal(
      Array.from({ length: 8 }, (_, i) => `0x0${i}`),
    );
  });

  it("rejects an item Core answers 5xx, or a batch it garbles, as Core unavailable, item by item", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: { maxInFlight: 1, maxBatch: 64 } });
    const first = client.issue(request(0), sig(0));
    const rest = [1, 2, 3].map((i) => client.issue(request(i), sig(i)));
    core.calls[0]!.answer(201, certificate(0));
    await tick();
    core.calls[1]!.answer(200, {
      results: [
        { status: 201, certificate: certificate(1) },
        { status: 500, error: { code: "INTERNAL", message: "internal error" } },
        { status: 201 },
      ],
    });
    await first;
    const settled = await Promise.allSettled(rest);
    expect(settled[0]).to.deep.include({ status: "fulfilled" });
    expect(settled[1]!.status).to.equal("rejected");
    expect((settled[1] as PromiseRejectedResult).reason).to.be.instanceOf(CoreUnavailableError);
    expect((settled[2] as PromiseRejectedResult).reason).to.be.instanceOf(CoreUnavailableError);

    // A results list of the wrong length is garbage for every item.
    await tick();
    const again = [4, 5].map((i) => client.issue(request(i), sig(i)));
    const blocked = client.issue(request(6), sig(6));
    await tick();
    core.calls[2]!.answer(201, certificate(4));
    await tick();
    core.calls[3]!.answer(200, { results: [{ status: 201, certificate: certificate(5) }] });
    await again[0];
    const garbled = await Promise.allSettled([again[1]!, blocked]);
    for (const s of garbled) expect((s as PromiseRejectedResult).reason).to.be.instanceOf(CoreUnavailableError);
  });

  it("gives every item of a batch refused as a whole (429) that refusal, and rejects all when Core is unreachable", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: { maxInFlight: 1, maxBatch: 64 } });
    const first = client.issue(request(0), sig(0));
    const limited = [1, 2].map((i) => client.issue(request(i), sig(i)));
    core.calls[0]!.answer(201, certificate(0));
    await first;
    await tick();
    core.calls[1]!.answer(429, { error: { code: "RATE_LIMITED", message: "slow down" } });
    for (const o of await Promise.all(limited))
      expect(o).to.deep.include({ ok: false, httpStatus: 429, code: "RATE_LIMITED" });

    await tick();
    const blocker = client.issue(request(3), sig(3));
    const lost = [4, 5].map((i) => client.issue(request(i), sig(i)));
    core.calls[2]!.answer(201, certificate(3));
    await blocker;
    await tick();
    core.calls[3]!.fail(new Error("ECONNREFUSED"));
    for (const s of await Promise.allSettled(lost)) {
      expect((s as PromiseRejectedResult).reason).to.be.instanceOf(CoreUnavailableError);
    }
  });

  it("falls back to one call per issuance, for good, when Core has no batch route (404)", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: { maxInFlight: 1, maxBatch: 64 } });
    const first = client.issue(request(0), sig(0));
    const held = [1, 2].map((i) => client.issue(request(i), sig(i)));
    core.calls[0]!.answer(201, certificate(0));
    await first;
    await tick();
    expect(core.calls[1]!.path).to.equal("/core/guarantees/batch");
    core.calls[1]!.answer(404, { error: { code: "NOT_FOUND", message: "no route" } });
    await tick();
    expect(core.calls.slice(2).map((c) => [c.path, c.body.request.reqId])).to.deep.equal([
      ["/core/guarantees", "1"],
      ["/core/guarantees", "2"],
    ]);
    core.calls[2]!.answer(201, certificate(1));
    core.calls[3]!.answer(201, certificate(2));
    expect((await Promise.all(held)).map((o) => o.ok)).to.deep.equal([true, true]);
    // Later waiting issuances go one by one too.
    await tick();
    const blocker = client.issue(request(3), sig(3));
    const later = [4, 5].map((i) => client.issue(request(i), sig(i)));
    core.calls[4]!.answer(201, certificate(3));
    await blocker;
    await tick();
    expect(core.calls.slice(5).map((c) => c.path)).to.deep.equal(["/core/guarantees", "/core/guarantees"]);
    core.calls[5]!.answer(201, certificate(4));
    core.calls[6]!.answer(201, certificate(5));
    expect((await Promise.all(later)).map((o) => o.ok)).to.deep.equal([true, true]);
  });

  it("sends every issuance on its own when batching is off", async function () {
    const core = manualCore();
    const client = createCoreClient(core.send, { issueBatching: false });
    const outcomes = Array.from({ length: 6 }, (_, i) => client.issue(request(i), sig(i)));
    expect(core.calls.map((c) => c.path)).to.deep.equal(Array(6).fill("/core/guarantees"));
    core.calls.forEach((c, i) => c.answer(201, certificate(i)));
    expect((await Promise.all(outcomes)).every((o) => o.ok)).to.equal(true);
  });
});
