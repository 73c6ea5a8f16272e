import { expect } from "chai";
import type { Address } from "viem";

import { ASSET, CORE4MICA, v1Request } from "../core/fixtures.ts";
import { signedBodyFor } from "../core/syncFixtures.ts";
import { b64, PRICE, startOffchainStack, type OffchainStack } from "./harness.ts";

/** How many copies of one payment each storm fires at once. */
const STORM = 64;

/**
 * A replay storm (docs/reliability.md): one signed guarantee, and one x402 payment header, each sent STORM times
 * at once, to Core and through both template sellers. Exactly one guarantee, one lock, one certificate (every
 * answer carries the same one), and the seller's work runs once.
 */
describe("Adversarial: replay storm", function () {
  this.timeout(60_000);
  let s: OffchainStack;

  before(async function () {
    s = await startOffchainStack();
  });
  after(async function () {
    await s?.stop();
    await s?.db.close();
  });

  async function guaranteeRows() {
    const { rows } = await s.db.query<{ n: string; s: string }>(
      "SELECT count(*)::text AS n, coalesce(sum(amount), 0)::text AS s FROM guarantees",
    );
    return { count: Number(rows[0]!.n), sum: BigInt(rows[0]!.s) };
  }

  it(`certifies one signed guarantee sent ${STORM} times at once exactly once`, async function () {
    const before = await guaranteeRows();
    const lockedBefore = await s.locked();
    const request = v1Request({
      user: s.payer.address.toLowerCase() as Address,
      recipient: s.recipient.address.toLowerCase() as Address,
      amount: 777n,
      asset: ASSET,
      timestamp: BigInt(Math.floor(Date.now() / 1000)),
    });
    const body = JSON.stringify(await signedBodyFor(request, CORE4MICA, s.payer));
    const answers = await Promise.all(
      Array.from({ length: STORM }, async () => {
        const res = await fetch(`${s.coreUrl}/core/guarantees`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        return { status: res.status, body: (await res.json()) as any };
      }),
    );
    const statuses = answers.map((a) => a.status);
    expect(
      statuses.filter((x) => x === 201),
      JSON.stringify(answers.find((a) => a.status >= 300)),
    ).to.have.length(1);
    expect(statuses.filter((x) => x === 200)).to.have.length(STORM - 1);
    const certs = new Set(answers.map((a) => JSON.stringify([a.body.guaranteeId, a.body.claims, a.body.signature])));
    expect(certs.size).to.equal(1);
    expect(await guaranteeRows()).to.deep.equal({ count: before.count + 1, sum: before.sum + 777n });
    expect(await s.locked()).to.equal(lockedBefore + 777n);
  });

  for (const which of ["express", "hono"] as const) {
    for (const [path, method, workName] of [
      ["/v1/report", "GET", "report"],
      ["/v1/authorized", "POST", "authorized"],
    ] as const) {
      it(`serves one payment header sent ${STORM} times at once through ${which} ${method} ${path}: one lock, one run`, async function () {
        const seller = s.sellers.find((x) => x.name === which)!;
        const init: RequestInit =
          method === "POST" ? { method, headers: { "content-type": "application/json" }, body: "{}" } : {};
        const required = await s.paymentRequiredOf(seller, path, init);
        const payment = await s.clientFor().createPaymentPayload(required);
        const header = b64(payment);
        const before = await guaranteeRows();
        const lockedBefore = await s.locked();
        const runsBefore = seller.work.get(workName) ?? 0;

        const answers = await Promise.all(
          Array.from({ length: STORM }, async (_, i) => {
            // Half under the v2 header, half under the v1 one: the same payment either way.
            const name = i % 2 === 0 ? "PAYMENT-SIGNATURE" : "X-PAYMENT";
            const res = await seller.fetch(path, {
              ...init,
              headers: { ...((init.headers as Record<string, string>) ?? {}), [name]: header },
            });
            return { status: res.status, text: await res.text(), name };
          }),
        );
        const ok = answers.filter((a) => a.status === 200);
        // X-PAYMENT is the v1 header: a v2 payload under it may be refused, never served twice or 5xx.
        for (const a of answers) expect(a.status, `${a.name}: ${a.text}`).to.be.oneOf([200, 402]);
        expect(ok.filter((a) => a.name === "PAYMENT-SIGNATURE")).to.have.length(STORM / 2);
        const bodies = new Set(ok.map((a) => a.text));
        expect(bodies.size, [...bodies].join("\n")).to.equal(1);
        expect(seller.work.get(workName)).to.equal(runsBefore + 1);
        expect(await guaranteeRows()).to.deep.equal({ count: before.count + 1, sum: before.sum + PRICE });
        expect(await s.locked()).to.equal(lockedBefore + PRICE);
      });
    }
  }
});
