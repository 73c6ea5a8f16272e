import { expect } from "chai";
import type { PaymentPayload } from "@x402/core/types";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { keccak256, toHex, type Address, type Hex } from "viem";

import { buildValidationPolicy } from "../../offchain/src/protocol/buildValidationPolicy.ts";
import { verifyCertificate } from "../../offchain/src/protocol/certificate/verifyCertificate.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import { createCoreClient as createSdkCoreClient } from "../../offchain/src/sdk/index.ts";
import { CreditReason } from "../../offchain/src/x402/reasons.ts";
import { paymentOfHeader } from "../../offchain/src/x402/server/index.ts";
import { parseCreditPayload, requestToJson } from "../../offchain/src/x402/wire.ts";
import { AUTH_PRICE, b64, ETH, PRICE, startStack, unb64, V2_PRICE, type Stack } from "./fixtures.ts";

/**
 * x402 conformance of `4mica-credit` on the real stack: contracts deployed on the in-process chain, Core in process
 * (with the facilitator also mounted in it), the standalone facilitator over HTTP, and sellers on stock
 * `@x402/express` and `@x402/hono` with our server scheme; agents pay through stock `@x402/fetch` with our client
 * scheme and x402's spend controls on.
 */
describe("x402 4mica-credit", function () {
  this.timeout(180_000);
  let s: Stack;

  before(async function () {
    s = await startStack();
  });
  after(async function () {
    await s?.stop();
  });

  /** A valid signed payment for `url`, built by the stock client from the 402, as a decoded PaymentPayload. */
  async function signedPayment(url: string, init?: RequestInit, signer = s.payer): Promise<PaymentPayload> {
    const required = await s.paymentRequiredOf(url, init);
    return s.clientFor(signer).createPaymentPayload(required);
  }

  /** Re-signs `payment` after `edit` changed its request: a malicious or buggy client, not a forged signature. */
  async function resigned(payment: PaymentPayload, edit: (r: GuaranteeRequest) => GuaranteeRequest, signer = s.payer) {
    const parsed = parseCreditPayload(payment.payload)!;
    const request = edit(parsed.request);
    const signature = await signGuaranteeRequest(signer, request, {
      chainId: s.chainId,
      verifyingContract: s.stack.core4Mica,
    });
    return { ...payment, payload: { request: requestToJson(request), signature } };
  }

  async function retry(url: string, payment: unknown, init: RequestInit = {}) {
    const res = await fetch(url, { ...init, headers: { ...(init.headers ?? {}), "PAYMENT-SIGNATURE": b64(payment) } });
    const text = await res.text();
    return {
      status: res.status,
      text,
      required: res.headers.get("payment-required") ? unb64(res.headers.get("payment-required")) : undefined,
      response: res.headers.get("payment-response") ? unb64(res.headers.get("payment-response")) : undefined,
    };
  }

  for (const which of ["express", "hono"] as const) {
    describe(`through stock @x402/${which}`, function () {
      const seller = () => s.sellers.find((x) => x.name === which)!;
      const url = (path: string) => `${seller().url}${path}`;

      it("answers an unpaid request with 402 and PAYMENT-REQUIRED before any work", async function () {
        const res = await fetch(url("/v1/report"));
        expect(res.status).to.equal(402);
        expect(res.headers.get("cache-control")).to.contain("no-store");
        const required = unb64(res.headers.get("payment-required"));
        expect(required.x402Version).to.equal(2);
        expect(required.resource.url).to.contain("/v1/report");
        expect(required.accepts).to.have.length(1);
        const [accept] = required.accepts;
        expect(accept).to.include({ scheme: "4mica-credit", network: s.net, amount: PRICE.toString(), asset: ETH });
        expect(accept.payTo.toLowerCase()).to.equal(s.recipient.address.toLowerCase());
        expect(accept.extra.core4Mica.toLowerCase()).to.equal(s.stack.core4Mica.toLowerCase());
        expect(accept.extra.paymentFlow).to.equal("upfront");
        expect(seller().work.get("report") ?? 0).to.equal(0);
      });

      it("keeps extra identical between two 402s (the retry matches)", async function () {
        const a = await s.paymentRequiredOf(url("/v1/validated"));
        const b = await s.paymentRequiredOf(url("/v1/validated"));
        expect(a.accepts).to.deep.equal(b.accepts);
        expect(a.accepts[0]!.extra.validationPolicy).to.be.an("object");
      });

      it("pays with PAYMENT-SIGNATURE, stores the certificate before the body, answers PAYMENT-RESPONSE", async function () {
        const before = await s.locked(s.payer.address);
        const { fetch: pay, sent } = s.payingFetch(s.payer);
        const res = await pay(url("/v1/report"));
        expect(res.status).to.equal(200);
        const body = await (res.json() as Promise<any>);
        expect(body.report).to.equal("report");
        // First try unpaid, then the retry with the payment.
        expect(sent).to.have.length(2);
        expect(sent[0]!.get("payment-signature")).to.equal(null);
        const header = sent[1]!.get("payment-signature");
        const payment = paymentOfHeader(header)!;
        expect(payment.request.version).to.equal(1);
        expect(payment.request.amount).to.equal(PRICE);
        expect(payment.request.reqId > 2n ** 128n).to.equal(true);
        expect(body.guaranteeId).to.equal(payment.guaranteeId);

        const settle = unb64(res.headers.get("payment-response"));
        expect(settle).to.include({ success: true, transaction: "", network: s.net });
        expect(settle.payer.toLowerCase()).to.equal(s.payer.address.toLowerCase());
        expect(settle.extra.guaranteeId).to.equal(payment.guaranteeId);
        expect(settle.extra.replayed).to.equal(false);
        const g = verifyCertificate(
          {
            certificate: settle.extra.certificate,
            publicKey: s.core.blsPublicKey,
            domain: guaranteeDomain(1, s.chainId, s.stack.core4Mica),
            requestDomain: { chainId: s.chainId, verifyingContract: s.stack.core4Mica },
            expected: { ...payment.request, guaranteeId: payment.guaranteeId },
          },
          s.bls,
        );
        expect(g.amount).to.equal(PRICE);
        const stored = await seller().kit.store.get(payment.guaranteeId);
        expect(stored?.claims).to.equal(settle.extra.certificate.claims);
        expect(stored?.payerSignature).to.equal(payment.signature);
        // The SDK's store record, with what the seller knows of the x402 payment.
        expect(stored).to.include({
          reqId: payment.request.reqId,
          timestamp: payment.request.timestamp,
          amount: PRICE,
          status: settle.extra.status,
          network: s.net,
        });
        expect(stored?.resource).to.contain("/v1/report");
        expect(await s.locked(s.payer.address)).to.equal(before + PRICE);
        expect(seller().work.get("report")).to.equal(1);
      });

      it("pays a V2 route: the signed request carries the seller's validation policy", async function () {
        const { fetch: pay, sent } = s.payingFetch(s.payer);
        const res = await pay(url("/v1/validated"));
        expect(res.status).to.equal(200);
        const payment = paymentOfHeader(sent[1]!.get("payment-signature"))!;
        expect(payment.request.version).to.equal(2);
        const settle = unb64(res.headers.get("payment-response"));
        expect(settle.extra.status).to.equal("PENDING_VALIDATION");
        if (payment.request.version === 2) {
          const lower = (v: unknown) =>
            JSON.stringify(Object.entries(v as object).sort(), (_, x) =>
              typeof x === "bigint" ? x.toString() : x,
            ).toLowerCase();
          expect(lower(payment.request.policy)).to.equal(
            lower(buildValidationPolicy(payment.request, s.validationPolicy)),
          );
        }
        expect(payment.request.amount).to.equal(V2_PRICE);
      });

      it("serves a replayed payment header once: the same body, no second lock, no second run", async function () {
        const { fetch: pay, sent } = s.payingFetch(s.payer);
        const first = await pay(url("/v1/report"));
        const firstBody = await (first.json() as Promise<any>);
        const runs = seller().work.get("report");
        const lockedAfterFirst = await s.locked(s.payer.address);
        const header = sent[1]!.get("payment-signature")!;
        for (let i = 0; i < 2; i++) {
          const again = await fetch(url("/v1/report"), { headers: { "PAYMENT-SIGNATURE": header } });
          expect(again.status).to.equal(200);
          expect(await (again.json() as Promise<any>)).to.deep.equal(firstBody);
          expect(unb64(again.headers.get("payment-response")).extra.replayed).to.equal(true);
        }
        expect(seller().work.get("report")).to.equal(runs);
        expect(await s.locked(s.payer.address)).to.equal(lockedAfterFirst);
      });

      describe("tampering between the 402 and the retry", function () {
        const cases: [string, (r: GuaranteeRequest) => GuaranteeRequest, string][] = [
          ["a lower signed amount", (r) => ({ ...r, amount: r.amount - 1n }), CreditReason.AMOUNT_EXCEEDS_SIGNED],
          ["a higher signed amount", (r) => ({ ...r, amount: r.amount + 1n }), CreditReason.AMOUNT_MISMATCH],
          [
            "another recipient",
            (r) => ({ ...r, recipient: "0x000000000000000000000000000000000000dEaD" }),
            CreditReason.RECIPIENT_MISMATCH,
          ],
          [
            "another asset",
            (r) => ({ ...r, asset: "0x0000000000000000000000000000000000a55e75" }),
            CreditReason.ASSET_MISMATCH,
          ],
        ];
        for (const [what, edit, reason] of cases) {
          it(`refuses ${what} with ${reason}, no lock and no work`, async function () {
            const payment = await signedPayment(url("/v1/report"));
            const before = await s.locked(s.payer.address);
            const runs = seller().work.get("report") ?? 0;
            const r = await retry(url("/v1/report"), await resigned(payment, edit));
            expect(r.status).to.equal(402);
            expect(r.response).to.include({ success: false, errorReason: reason });
            expect(r.text).to.not.contain('report"');
            expect(await s.locked(s.payer.address)).to.equal(before);
            expect(seller().work.get("report") ?? 0).to.equal(runs);
          });
        }

        it("refuses an edited signed amount without a new signature (signature check), no lock", async function () {
          const payment = await signedPayment(url("/v1/report"));
          const parsed = parseCreditPayload(payment.payload)!;
          const before = await s.locked(s.payer.address);
          const forged = {
            ...payment,
            accepted: { ...payment.accepted, amount: (PRICE - 1n).toString() },
          };
          const r1 = await retry(url("/v1/report"), forged);
          expect(r1.status).to.equal(402);
          expect(r1.required?.error).to.equal("No matching payment requirements");
          const sameAcceptedForgedAmount = {
            ...payment,
            payload: {
              request: { ...requestToJson(parsed.request), timestamp: (parsed.request.timestamp + 1n).toString() },
              signature: parsed.signature,
            },
          };
          const r2 = await retry(url("/v1/report"), sameAcceptedForgedAmount);
          expect(r2.status).to.equal(402);
          expect(r2.response).to.include({ success: false, errorReason: CreditReason.SIGNATURE });
          expect(await s.locked(s.payer.address)).to.equal(before);
        });

        it("refuses another network in the accepted requirements (no match) and at the facilitator", async function () {
          const payment = await signedPayment(url("/v1/report"));
          const before = await s.locked(s.payer.address);
          const other = { ...payment, accepted: { ...payment.accepted, network: "eip155:1" } };
          const r = await retry(url("/v1/report"), other);
          expect(r.status).to.equal(402);
          expect(r.required?.error).to.equal("No matching payment requirements");
          const direct = await fetch(`${s.facilitatorUrl}/settle`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ x402Version: 2, paymentPayload: other, paymentRequirements: payment.accepted }),
          });
          expect(direct.status).to.equal(402);
          expect((await (direct.json() as Promise<any>)).errorReason).to.equal(CreditReason.NETWORK_MISMATCH);
          expect(await s.locked(s.payer.address)).to.equal(before);
        });

        it("refuses a V2 payment whose signed policy is not the seller's with policy_mismatch", async function () {
          const payment = await signedPayment(url("/v1/validated"));
          const before = await s.locked(s.payer.address);
          const tampered = await resigned(payment, (r) => ({
            ...r,
            version: 2,
            policy: buildValidationPolicy(r, { ...s.validationPolicy, minValidationScore: 1 }),
          }));
          const r = await retry(url("/v1/validated"), tampered);
          expect(r.status).to.equal(402);
          expect(r.response).to.include({ success: false, errorReason: CreditReason.POLICY_MISMATCH });
          const v1 = await resigned(payment, (r) => ({
            version: 1,
            user: r.user,
            recipient: r.recipient,
            reqId: r.reqId,
            amount: r.amount,
            asset: r.asset,
            timestamp: r.timestamp,
          }));
          const r2 = await retry(url("/v1/validated"), v1);
          expect(r2.response).to.include({ success: false, errorReason: CreditReason.VERSION_MISMATCH });
          expect(await s.locked(s.payer.address)).to.equal(before);
        });

        it("refuses a reused req_id with other content with req_id_reused, no second lock", async function () {
          const { fetch: pay, sent } = s.payingFetch(s.payer);
          expect((await pay(url("/v1/report"))).status).to.equal(200);
          const first = paymentOfHeader(sent[1]!.get("payment-signature"))!;
          const before = await s.locked(s.payer.address);
          const runs = seller().work.get("report");
          const payment = await signedPayment(url("/v1/report"));
          // Same identity (reqId), other content (timestamp): not a replay of the first payment.
          const reused = await resigned(payment, (r) => ({
            ...r,
            reqId: first.request.reqId,
            timestamp: first.request.timestamp - 1n,
          }));
          const r = await retry(url("/v1/report"), reused);
          expect(r.status).to.equal(402);
          expect(r.response).to.include({ success: false, errorReason: CreditReason.REQ_ID_REUSED });
          expect(await s.locked(s.payer.address)).to.equal(before);
          expect(seller().work.get("report")).to.equal(runs);
        });
      });

      describe("settle failures", function () {
        it("upfront: a payer without free collateral gets 402, no body and no work", async function () {
          const runs = seller().work.get("report") ?? 0;
          const { fetch: pay } = s.payingFetch(s.poorPayer);
          const res = await pay(url("/v1/report"));
          expect(res.status).to.equal(402);
          expect(await (res.json() as Promise<any>)).to.deep.equal({});
          const settle = unb64(res.headers.get("payment-response"));
          expect(settle).to.include({ success: false, errorReason: CreditReason.INSUFFICIENT_COLLATERAL });
          expect(seller().work.get("report") ?? 0).to.equal(runs);
          expect(await s.locked(s.poorPayer.address)).to.equal(0n);
        });

        it("authorization: the work runs once, its body is withheld, and a retry does not run it again", async function () {
          const init = { method: "POST", headers: { "content-type": "application/json" }, body: "{}" };
          const payment = await signedPayment(url("/v1/authorized"), init, s.poorPayer);
          const first = await retry(url("/v1/authorized"), payment, init);
          expect(first.status).to.equal(402);
          expect(first.text).to.equal("{}");
          expect(first.response).to.include({ success: false, errorReason: CreditReason.INSUFFICIENT_COLLATERAL });
          expect(seller().work.get("authorized")).to.equal(1);
          const second = await retry(url("/v1/authorized"), payment, init);
          expect(second.status).to.equal(402);
          expect(second.text).to.equal("{}");
          expect(seller().work.get("authorized")).to.equal(1);
        });

        it("authorization: a paying payer gets the body after settlement", async function () {
          const { fetch: pay } = s.payingFetch(s.payer);
          const res = await pay(url("/v1/authorized"), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: "{}",
          });
          expect(res.status).to.equal(200);
          expect((await (res.json() as Promise<any>)).report).to.equal("authorized");
          expect(unb64(res.headers.get("payment-response")).extra.certificate.claims).to.match(/^0x/);
          expect(BigInt(unb64(res.headers.get("payment-response")).amount)).to.equal(AUTH_PRICE);
        });
      });
    });
  }

  describe("seller duties", function () {
    it("releases no body when the certificate cannot be stored", async function () {
      const before = s.failingWork.get("report") ?? 0;
      const { fetch: pay } = s.payingFetch(s.payer);
      const res = await pay(`${s.failingUrl}/v1/report`);
      expect(res.status).to.equal(402);
      expect(await (res.json() as Promise<any>)).to.deep.equal({});
      expect(unb64(res.headers.get("payment-response")).errorReason).to.equal(CreditReason.CERTIFICATE_NOT_PERSISTED);
      expect(s.failingWork.get("report") ?? 0).to.equal(before);
    });

    for (const kind of ["express", "hono"] as const) {
      it(`${kind}: rate-limits unpaid requests (429) but not paid ones, and logs payments without secrets`, async function () {
        const records: Record<string, unknown>[] = [];
        const logger = { info: (r: Record<string, unknown>) => records.push(r), warn: () => {} };
        const seller = await s.extraSeller(kind, { windowMs: 60_000, limit: 3 }, logger);
        try {
          // Paid requests first: their 402 round trip counts, their 200s do not.
          const { fetch: pay, sent } = s.payingFetch(s.payer);
          expect((await pay(`${seller.url}/v1/report`)).status).to.equal(200);
          const statuses: number[] = [];
          for (let i = 0; i < 3; i++) statuses.push((await fetch(`${seller.url}/v1/report`)).status);
          expect(statuses).to.deep.equal([402, 402, 429]);
          expect(seller.work.get("report")).to.equal(1);
          expect(records).to.have.length(1);
          const payment = paymentOfHeader(sent[1]!.get("payment-signature"))!;
          expect(records[0]).to.include({ guaranteeId: payment.guaranteeId, amount: PRICE.toString(), version: 1 });
          const logged = JSON.stringify(records);
          expect(logged).to.not.contain(payment.signature.slice(2, 40));
          expect(logged).to.not.contain("claims");
        } finally {
          await seller.close();
        }
      });
    }

    it("lets the buyer policy refuse before anything is signed", async function () {
      const seen: unknown[] = [];
      const policy = {
        check: async (intent: unknown) => {
          seen.push(intent);
          throw new Error("BUYER_POLICY_SELLER_NOT_ALLOWED");
        },
      };
      const { fetch: pay, sent } = s.payingFetch(s.payer, policy);
      let error: unknown;
      try {
        await pay(`${s.sellers[0]!.url}/v1/report`);
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.contain("BUYER_POLICY_SELLER_NOT_ALLOWED");
      expect(sent).to.have.length(1);
      expect(seen).to.have.length(1);
      expect(seen[0]).to.deep.include({ amount: PRICE, asset: ETH, network: s.net, version: 1 });
      expect((seen[0] as { resource: string }).resource).to.contain("/v1/report");
    });

    it("keeps x402's spend controls on: a price above the per-payment cap is not paid", async function () {
      const required = await s.paymentRequiredOf(`${s.sellers[0]!.url}/v1/report`);
      const dear = { ...required, accepts: [{ ...required.accepts[0]!, amount: (10n ** 17n).toString() }] };
      let error: unknown;
      try {
        await s.clientFor(s.payer).createPaymentPayload(dear);
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.contain("spendControls");
    });
  });

  describe("facilitator", function () {
    const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(`${s.facilitatorUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: await (res.json() as Promise<any>) };
    };

    it("lists 4mica-credit for x402 v2 and v1 in /supported, with the vault and operator key", async function () {
      const res = await fetch(`${s.facilitatorUrl}/supported`);
      const body = await (res.json() as Promise<any>);
      const kinds = body.kinds.filter((k: { scheme: string }) => k.scheme === "4mica-credit");
      expect(kinds.map((k: { x402Version: number }) => k.x402Version).sort()).to.deep.equal([1, 2]);
      expect(kinds[0].network).to.equal(s.net);
      expect(kinds[0].extra.core4Mica).to.equal(s.stack.core4Mica);
      expect(kinds[0].extra.blsPublicKey).to.equal(s.core.blsPublicKey);
      expect(kinds[0].extra.tabEndpoint).to.equal(`${s.facilitatorUrl}/tabs`);
    });

    it("verifies structurally without calling Core (no guarantee, no lock)", async function () {
      const payment = await signedPayment(`${s.sellers[0]!.url}/v1/report`);
      const before = await s.locked(s.payer.address);
      const ok = await post("/verify", {
        x402Version: 2,
        paymentPayload: payment,
        paymentRequirements: payment.accepted,
      });
      expect(ok.status).to.equal(200);
      expect(ok.body.isValid).to.equal(true);
      expect(ok.body.payer.toLowerCase()).to.equal(s.payer.address.toLowerCase());
      const id = paymentOfHeader(b64(payment))!.guaranteeId;
      const stored = await fetch(`${s.coreUrl}/core/guarantees/${id}`);
      expect(stored.status).to.equal(404);
      expect(await s.locked(s.payer.address)).to.equal(before);
    });

    it("answers malformed bodies with 400 and a reason", async function () {
      const a = await post("/verify", { nope: true });
      expect(a.status).to.equal(400);
      expect(a.body.invalidReason).to.equal(CreditReason.INVALID_PAYLOAD);
      const payment = await signedPayment(`${s.sellers[0]!.url}/v1/report`);
      const b = await post("/settle", {
        x402Version: 2,
        paymentPayload: { ...payment, payload: { request: { version: 1 } } },
        paymentRequirements: payment.accepted,
      });
      expect(b.status).to.equal(400);
      expect(b.body).to.include({ success: false, errorReason: CreditReason.INVALID_PAYLOAD, transaction: "" });
    });

    it("refuses a settlement amount above the signed amount", async function () {
      const payment = await signedPayment(`${s.sellers[0]!.url}/v1/report`);
      const before = await s.locked(s.payer.address);
      const r = await post("/settle", {
        x402Version: 2,
        paymentPayload: payment,
        paymentRequirements: { ...payment.accepted, amount: (PRICE + 1n).toString() },
      });
      expect(r.status).to.equal(402);
      expect(r.body.errorReason).to.equal(CreditReason.AMOUNT_EXCEEDS_SIGNED);
      expect(await s.locked(s.payer.address)).to.equal(before);
    });

    it("settles through the stock HTTPFacilitatorClient, the certificate under extra", async function () {
      const payment = await signedPayment(`${s.sellers[0]!.url}/v1/report`);
      const result = await new HTTPFacilitatorClient({ url: s.facilitatorUrl }).settle(payment, payment.accepted);
      expect(result).to.include({ success: true, transaction: "", network: s.net });
      expect((result.extra as { certificate: { claims: Hex } }).certificate.claims).to.match(/^0x/);
    });

    it("accepts an x402 v1 X-PAYMENT envelope at /verify and /settle", async function () {
      const accepted = (await signedPayment(`${s.sellers[0]!.url}/v1/report`)).accepted;
      const v1Requirements = {
        scheme: "4mica-credit",
        network: s.net,
        maxAmountRequired: PRICE.toString(),
        resource: `${s.sellers[0]!.url}/v1/report`,
        description: "report",
        mimeType: "application/json",
        payTo: accepted.payTo,
        maxTimeoutSeconds: 300,
        asset: ETH,
        extra: { core4Mica: accepted.extra.core4Mica },
      };
      const v1Payload = (await s
        .clientFor(s.payer)
        .createPaymentPayload({ x402Version: 1, accepts: [v1Requirements] } as never)) as unknown as Record<
        string,
        unknown
      >;
      expect(v1Payload).to.include({ x402Version: 1, scheme: "4mica-credit", network: s.net });
      const xPayment = b64(v1Payload);
      const before = await s.locked(s.payer.address);
      const verified = await post("/verify", {
        x402Version: 1,
        paymentHeader: xPayment,
        paymentRequirements: v1Requirements,
      });
      expect(verified.status).to.equal(200);
      expect(verified.body.isValid).to.equal(true);
      const settled = await post("/settle", {
        x402Version: 1,
        paymentPayload: v1Payload,
        paymentRequirements: v1Requirements,
      });
      expect(settled.status).to.equal(200);
      expect(settled.body).to.include({ success: true, transaction: "", network: s.net });
      expect(settled.body.extra.certificate.claims).to.match(/^0x/);
      expect(await s.locked(s.payer.address)).to.equal(before + PRICE);
    });

    it("opens a tab: a fresh 256-bit reqId, the current cycle, and capacity only for the payer's own session", async function () {
      const a = await post("/tabs", {
        payer: s.payer.address,
        recipient: s.recipient.address,
        asset: ETH,
        network: s.net,
      });
      const b = await post("/tabs", { userAddress: s.payer.address, recipientAddress: s.recipient.address });
      expect(a.status).to.equal(200);
      expect(a.body.reqId).to.not.equal(b.body.reqId);
      expect(BigInt(a.body.reqId) < 2n ** 256n).to.equal(true);
      expect(a.body.cycleId).to.match(/^[0-9]+$/);
      expect(a.body.freeCollateral).to.equal(null);
      expect(a.body.core4Mica).to.equal(s.stack.core4Mica);
      const bad = await post("/tabs", { payer: "0x12" });
      expect(bad.status).to.equal(400);
    });

    it("answers a tab's free collateral to the payer's own SIWE session only", async function () {
      const body = { payer: s.payer.address, recipient: s.recipient.address, asset: ETH };
      const payerCore = createSdkCoreClient({ url: s.coreUrl });
      const payerToken = await payerCore.signIn(s.payer);
      const available = (await payerCore.collateral(s.payer.address)).find((b) => b.asset === ETH)!.available;
      const own = await post("/tabs", body, { authorization: `Bearer ${payerToken}` });
      expect(own.status).to.equal(200);
      expect(own.body.freeCollateral).to.equal(available.toString());
      expect(available > 0n).to.equal(true);
      // Someone else's valid session (here the seller's) does not read the payer's collateral.
      const sellerToken = await createSdkCoreClient({ url: s.coreUrl }).signIn(s.recipient);
      const other = await post("/tabs", body, { authorization: `Bearer ${sellerToken}` });
      expect(other.status).to.equal(200);
      expect(other.body.freeCollateral).to.equal(null);
      const forged = await post("/tabs", body, { authorization: "Bearer not-a-session" });
      expect(forged.body.freeCollateral).to.equal(null);
    });

    it("is mounted in Core's process too: the same /supported on Core's URL", async function () {
      const res = await fetch(`${s.coreUrl}/supported`);
      expect(res.status).to.equal(200);
      const body = await (res.json() as Promise<any>);
      expect(body.kinds.some((k: { scheme: string }) => k.scheme === "4mica-credit")).to.equal(true);
    });
  });
});

// Silences "unused" for helpers kept for readers of the suite.
void keccak256;
void toHex;
export type { Address };
