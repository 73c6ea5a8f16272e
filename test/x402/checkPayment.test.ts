import { expect } from "chai";
import { zeroAddress, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createPureRecovery } from "../../offchain/src/protocol/secp256k1/index.ts";
import type { GuaranteeRequest } from "../../offchain/src/protocol/guaranteeTypes.ts";
import { signGuaranteeRequest } from "../../offchain/src/protocol/signGuaranteeRequest.ts";
import {
  checkPayment,
  incomingPayment,
  incomingRequirements,
  type PaymentCheckContext,
} from "../../offchain/src/x402/checkPayment.ts";
import { CreditReason, reasonOfCoreCode, reasonStatus } from "../../offchain/src/x402/reasons.ts";
import { requestToJson } from "../../offchain/src/x402/wire.ts";

const payer = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const RECIPIENT: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const CORE: Address = "0xa15bb66138824a1c7167f5e85b957d04dd34e468";
const NOW = 1_800_000_000n;

/** The pure structural check of the facilitator, without HTTP, Core or chain. */
describe("checkPayment", function () {
  const ctx: PaymentCheckContext = {
    chainId: 31337n,
    core4Mica: CORE,
    now: NOW,
    maxAgeSeconds: 300n,
    maxFutureSkewSeconds: 60n,
    allowContractSignatures: false,
    recovery: createPureRecovery(),
  };
  const requirements = {
    scheme: "4mica-credit",
    network: "eip155:31337",
    amount: "1000",
    payTo: RECIPIENT,
    asset: zeroAddress,
    maxTimeoutSeconds: 300,
    extra: { core4Mica: CORE },
  };
  const request = (over: Partial<GuaranteeRequest> = {}): GuaranteeRequest =>
    ({
      version: 1,
      user: payer.address,
      recipient: RECIPIENT,
      reqId: 42n,
      amount: 1000n,
      asset: zeroAddress,
      timestamp: NOW,
      ...over,
    }) as GuaranteeRequest;
  async function payment(r: GuaranteeRequest, accepted: Record<string, unknown> = requirements) {
    const signature = await signGuaranteeRequest(payer, r, { chainId: 31337n, verifyingContract: CORE });
    return { x402Version: 2, accepted, payload: { request: requestToJson(r), signature } };
  }
  const run = async (p: Record<string, unknown>, req: Record<string, unknown> = requirements, mode = "verify") =>
    checkPayment(incomingPayment(p), incomingRequirements(req, 2), ctx, mode as "verify" | "settle");

  it("accepts a well-signed payment and names the payer", async function () {
    const r = await run(await payment(request()));
    expect(r.ok).to.equal(true);
    if (r.ok) expect(r.payer).to.equal(payer.address);
  });

  const refusals: [string, () => Promise<Record<string, unknown>>, Record<string, unknown> | undefined, string][] = [
    [
      "another scheme in the requirements",
      () => payment(request()),
      { ...requirements, scheme: "exact" },
      CreditReason.UNSUPPORTED_SCHEME,
    ],
    ["another chain", () => payment(request()), { ...requirements, network: "eip155:1" }, CreditReason.INVALID_NETWORK],
    [
      "a payment for another scheme",
      () => payment(request(), { ...requirements, scheme: "exact" }),
      undefined,
      CreditReason.SCHEME_MISMATCH,
    ],
    [
      "another vault in extra",
      () => payment(request()),
      { ...requirements, extra: { core4Mica: RECIPIENT } },
      CreditReason.VERIFYING_CONTRACT_MISMATCH,
    ],
    [
      "a timestamp older than the window",
      () => payment(request({ timestamp: NOW - 301n })),
      undefined,
      CreditReason.TIMESTAMP_STALE,
    ],
    [
      "a timestamp older than maxTimeoutSeconds",
      () => payment(request({ timestamp: NOW - 61n })),
      { ...requirements, maxTimeoutSeconds: 60 },
      CreditReason.TIMESTAMP_STALE,
    ],
    [
      "a timestamp in the future",
      () => payment(request({ timestamp: NOW + 61n })),
      undefined,
      CreditReason.TIMESTAMP_FUTURE,
    ],
    [
      "a V1 request for V2 requirements",
      () => payment(request()),
      {
        ...requirements,
        extra: {
          core4Mica: CORE,
          validationPolicy: {
            validationRegistry: CORE,
            validationChainId: "31337",
            validatorAddress: CORE,
            validatorAgentId: "1",
            minValidationScore: 50,
            jobHash: `0x${"11".repeat(32)}`,
          },
        },
      },
      CreditReason.VERSION_MISMATCH,
    ],
    // Found by the HTTP fuzzer (seed 991441172): a fractional maxTimeoutSeconds threw inside BigInt (a 500).
    ...[5e-324, 1.5, -1, Number.NaN, 1e400, "300"].map(
      (maxTimeoutSeconds) =>
        [
          `maxTimeoutSeconds ${String(maxTimeoutSeconds)} in the requirements`,
          () => payment(request()),
          { ...requirements, maxTimeoutSeconds },
          CreditReason.INVALID_REQUIREMENTS,
        ] as (typeof refusals)[number],
    ),
    [
      "a non-decimal amount in the requirements",
      () => payment(request()),
      { ...requirements, amount: "1e3" },
      CreditReason.INVALID_REQUIREMENTS,
    ],
  ];
  for (const [what, make, req, reason] of refusals) {
    it(`refuses ${what} with ${reason}`, async function () {
      const r = await run(await make(), req ?? requirements);
      expect(r.ok).to.equal(false);
      if (!r.ok) expect(r.reason).to.equal(reason);
    });
  }

  it("refuses a signature by someone else, and a non-ECDSA signature unless contract wallets are allowed", async function () {
    const p = await payment(request());
    const other = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
    const byOther = await signGuaranteeRequest(other, request(), { chainId: 31337n, verifyingContract: CORE });
    const r1 = await run({ ...p, payload: { ...(p.payload as object), signature: byOther } });
    expect(r1.ok === false && r1.reason).to.equal(CreditReason.SIGNATURE);
    const contractSig = { ...p, payload: { ...(p.payload as object), signature: `0x${"ab".repeat(100)}` } };
    const r2 = await run(contractSig);
    expect(r2.ok === false && r2.reason).to.equal(CreditReason.SIGNATURE);
    const r3 = await checkPayment(
      incomingPayment(contractSig),
      incomingRequirements(requirements, 2),
      { ...ctx, allowContractSignatures: true },
      "verify",
    );
    expect(r3.ok).to.equal(true);
  });

  it("settle refuses a requirements amount above the signed one, and one below it", async function () {
    const p = await payment(request());
    const above = await run(p, { ...requirements, amount: "1001" }, "settle");
    expect(above.ok === false && above.reason).to.equal(CreditReason.AMOUNT_EXCEEDS_SIGNED);
    const below = await run(p, { ...requirements, amount: "999" }, "settle");
    expect(below.ok === false && below.reason).to.equal(CreditReason.AMOUNT_MISMATCH);
  });

  it("reads x402 v1 envelopes and maxAmountRequired", async function () {
    const p = await payment(request());
    const v1 = { x402Version: 1, scheme: "4mica-credit", network: "eip155:31337", payload: p.payload };
    const { amount: _drop, ...rest } = requirements;
    const r = await checkPayment(
      incomingPayment(v1),
      incomingRequirements({ ...rest, maxAmountRequired: "1000" }, 1),
      ctx,
      "verify",
    );
    expect(r.ok).to.equal(true);
  });

  it("maps reasons to the x402 transport's statuses and Core's codes to reasons", function () {
    expect(reasonStatus(CreditReason.INVALID_PAYLOAD)).to.equal(400);
    expect(reasonStatus(CreditReason.AMOUNT_MISMATCH)).to.equal(402);
    expect(reasonStatus(CreditReason.CORE_UNAVAILABLE)).to.equal(500);
    expect(reasonOfCoreCode("GUARANTEE_CONFLICT")).to.equal(CreditReason.REQ_ID_REUSED);
    expect(reasonOfCoreCode("INSUFFICIENT_COLLATERAL")).to.equal(CreditReason.INSUFFICIENT_COLLATERAL);
    expect(reasonOfCoreCode("SOMETHING_NEW")).to.equal(CreditReason.OPERATOR_REJECTED);
  });
});
