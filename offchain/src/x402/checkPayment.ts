import type { Address, Hex } from "viem";

import { buildValidationPolicy } from "../protocol/buildValidationPolicy.ts";
import { createGuaranteeRequestHasher } from "../protocol/createGuaranteeRequestHasher.ts";
import type { GuaranteeRequest, ValidationPolicy } from "../protocol/guaranteeTypes.ts";
import type { Secp256k1Recovery } from "../protocol/secp256k1/types.ts";
import { CreditReason } from "./reasons.ts";
import { chainIdOfNetwork, CREDIT_SCHEME } from "./scheme.ts";
import { creditExtraSchema, parseCreditPayload, sameAddress } from "./wire.ts";

/** A payment as it arrives, x402 v1 or v2, reduced to what the check reads. */
export interface IncomingPayment {
  x402Version: number;
  /** v2: `accepted.scheme`; v1: `scheme`. */
  scheme: unknown;
  /** v2: `accepted.network`; v1: `network`. */
  network: unknown;
  payload: unknown;
}

/** Requirements reduced to what the check reads (v1 `maxAmountRequired` becomes `amount`). */
export interface IncomingRequirements {
  scheme: unknown;
  network: unknown;
  amount: unknown;
  payTo: unknown;
  asset: unknown;
  maxTimeoutSeconds: unknown;
  extra: unknown;
}

export interface PaymentCheckContext {
  chainId: bigint;
  /** The vault this facilitator serves (the payer's EIP-712 verifying contract). */
  core4Mica: Address;
  /** Unix seconds. */
  now: bigint;
  /** Oldest accepted request timestamp, seconds before now (Core's window: 300). */
  maxAgeSeconds: bigint;
  /** Latest accepted request timestamp, seconds after now (Core's window: 60). */
  maxFutureSkewSeconds: bigint;
  /** Accept signatures that are not 65-byte ECDSA (ERC-1271 wallets) for Core to check; otherwise refused. */
  allowContractSignatures: boolean;
  recovery: Secp256k1Recovery;
}

/**
 * `verify`: the signed amount must equal the requirements' amount. `settle`: a requirements amount above the signed
 * one is refused (`amount_exceeds_signed`, what x402 settlement overrides could otherwise ask), and one below it too,
 * since a certificate always certifies exactly what the payer signed.
 */
export type CheckMode = "verify" | "settle";

export type PaymentCheck =
  | { ok: true; request: GuaranteeRequest; signature: Hex; payer: Address }
  | { ok: false; reason: CreditReason; message: string; payer?: Address };

const fail = (reason: CreditReason, message: string, payer?: Address): PaymentCheck => ({
  ok: false,
  reason,
  message,
  ...(payer ? { payer } : {}),
});

const hasherCache = new Map<string, (r: GuaranteeRequest) => Hex>();
function hasherFor(chainId: bigint, core4Mica: Address) {
  const key = `${chainId}:${core4Mica.toLowerCase()}`;
  let h = hasherCache.get(key);
  if (!h) {
    h = createGuaranteeRequestHasher({ chainId, verifyingContract: core4Mica });
    hasherCache.set(key, h);
  }
  return h;
}

/**
 * The structural check of a `4mica-credit` payment against requirements: scheme, network, vault, payload shape,
 * recipient, asset, amount, version and V2 policy, timestamp window, and the payer's ECDSA signature. No Core call,
 * no I/O: cheap enough for the unpaid edge. Core repeats what it owns (signature, window, collateral) at issuance.
 */
export async function checkPayment(
  payment: IncomingPayment,
  requirements: IncomingRequirements,
  ctx: PaymentCheckContext,
  mode: CheckMode,
): Promise<PaymentCheck> {
  if (requirements.scheme !== CREDIT_SCHEME) {
    return fail(CreditReason.UNSUPPORTED_SCHEME, `scheme ${String(requirements.scheme)} is not ${CREDIT_SCHEME}`);
  }
  const network = typeof requirements.network === "string" ? requirements.network : "";
  if (chainIdOfNetwork(network) !== ctx.chainId) {
    return fail(CreditReason.INVALID_NETWORK, `network ${network} is not eip155:${ctx.chainId}`);
  }
  if (payment.scheme !== CREDIT_SCHEME) {
    return fail(CreditReason.SCHEME_MISMATCH, `the payment is for scheme ${String(payment.scheme)}`);
  }
  if (payment.network !== network) {
    return fail(CreditReason.NETWORK_MISMATCH, `the payment is for network ${String(payment.network)}, not ${network}`);
  }
  const extra = creditExtraSchema.safeParse(requirements.extra ?? {});
  if (!extra.success) return fail(CreditReason.INVALID_REQUIREMENTS, "requirements.extra is not 4mica-credit's");
  if (!sameAddress(extra.data.core4Mica, ctx.core4Mica)) {
    return fail(
      CreditReason.VERIFYING_CONTRACT_MISMATCH,
      `extra.core4Mica ${extra.data.core4Mica} is not the vault ${ctx.core4Mica}`,
    );
  }
  if (typeof requirements.amount !== "string" || !/^[1-9][0-9]{0,77}$/.test(requirements.amount)) {
    return fail(CreditReason.INVALID_REQUIREMENTS, "requirements amount must be a positive decimal string");
  }
  if (typeof requirements.payTo !== "string" || typeof requirements.asset !== "string") {
    return fail(CreditReason.INVALID_REQUIREMENTS, "requirements payTo and asset must be addresses");
  }
  const parsed = parseCreditPayload(payment.payload);
  if (!parsed) return fail(CreditReason.INVALID_PAYLOAD, "the payload is not a signed 4mica-credit request");
  const { request, signature } = parsed;
  const payer = request.user;

  if (!sameAddress(request.recipient, requirements.payTo)) {
    return fail(CreditReason.RECIPIENT_MISMATCH, `signed recipient ${request.recipient} is not payTo`, payer);
  }
  if (!sameAddress(request.asset, requirements.asset)) {
    return fail(CreditReason.ASSET_MISMATCH, `signed asset ${request.asset} is not ${requirements.asset}`, payer);
  }
  const required = BigInt(requirements.amount);
  if (mode === "settle" && required > request.amount) {
    return fail(
      CreditReason.AMOUNT_EXCEEDS_SIGNED,
      `settlement amount ${required} exceeds the signed ${request.amount}`,
      payer,
    );
  }
  if (required !== request.amount) {
    return fail(CreditReason.AMOUNT_MISMATCH, `signed amount ${request.amount} is not ${required}`, payer);
  }

  const inputs = extra.data.validationPolicy;
  if ((inputs ? 2 : 1) !== request.version) {
    return fail(
      CreditReason.VERSION_MISMATCH,
      `a V${request.version} request for requirements that ask V${inputs ? 2 : 1}`,
      payer,
    );
  }
  if (inputs && request.version === 2) {
    let expected: ValidationPolicy;
    try {
      expected = buildValidationPolicy(request, inputs);
    } catch {
      return fail(CreditReason.INVALID_REQUIREMENTS, "extra.validationPolicy is not a canonical policy", payer);
    }
    const field = policyDifference(expected, request.policy);
    if (field) return fail(CreditReason.POLICY_MISMATCH, `signed policy ${field} differs from the seller's`, payer);
  }

  // x402 declares maxTimeoutSeconds a number: anything but a whole, safe, non-negative one is refused (BigInt of a
  // fraction, NaN or 1e400 would throw: found by the HTTP fuzzer, seed 991441172, as a 500).
  const rawTimeout = requirements.maxTimeoutSeconds;
  if (rawTimeout !== undefined && !(Number.isSafeInteger(rawTimeout) && (rawTimeout as number) >= 0)) {
    return fail(
      CreditReason.INVALID_REQUIREMENTS,
      "requirements maxTimeoutSeconds must be a whole number of seconds",
      payer,
    );
  }
  const maxTimeout = typeof rawTimeout === "number" ? BigInt(rawTimeout) : 0n;
  const maxAge = maxTimeout > 0n && maxTimeout < ctx.maxAgeSeconds ? maxTimeout : ctx.maxAgeSeconds;
  if (request.timestamp < ctx.now - maxAge) {
    return fail(CreditReason.TIMESTAMP_STALE, `timestamp ${request.timestamp} is older than ${maxAge} s`, payer);
  }
  if (request.timestamp > ctx.now + ctx.maxFutureSkewSeconds) {
    return fail(CreditReason.TIMESTAMP_FUTURE, `timestamp ${request.timestamp} is in the future`, payer);
  }

  if (signature.length === 132) {
    let signer: string | undefined;
    try {
      signer = await ctx.recovery.recoverAddress(hasherFor(ctx.chainId, ctx.core4Mica)(request), signature);
    } catch {
      signer = undefined;
    }
    if (!signer || !sameAddress(signer, payer)) {
      return fail(CreditReason.SIGNATURE, `the signature is not the payer ${payer}'s`, payer);
    }
  } else if (!ctx.allowContractSignatures) {
    return fail(CreditReason.SIGNATURE, "only 65-byte ECDSA signatures are accepted here", payer);
  }
  return { ok: true, request, signature, payer };
}

const POLICY_KEYS = [
  "validationRegistry",
  "validationRequestHash",
  "validationChainId",
  "validatorAddress",
  "validatorAgentId",
  "minValidationScore",
  "validationSubjectHash",
  "jobHash",
  "requiredValidationTag",
] as const;

function policyDifference(a: ValidationPolicy, b: ValidationPolicy): string | undefined {
  for (const k of POLICY_KEYS) {
    const x = a[k];
    const y = b[k];
    const same = typeof x === "string" && typeof y === "string" ? x.toLowerCase() === y.toLowerCase() : x === y;
    if (!same) return k;
  }
  return undefined;
}

/** Reads an incoming x402 v1 or v2 payment payload into the shape the check takes. */
export function incomingPayment(p: Record<string, unknown>): IncomingPayment {
  const accepted = (p.accepted ?? {}) as Record<string, unknown>;
  const v1 = p.x402Version === 1;
  return {
    x402Version: typeof p.x402Version === "number" ? p.x402Version : 0,
    scheme: v1 ? p.scheme : accepted.scheme,
    network: v1 ? p.network : accepted.network,
    payload: p.payload,
  };
}

/** Reads x402 v1 or v2 requirements into the shape the check takes. */
export function incomingRequirements(r: Record<string, unknown>, x402Version: number): IncomingRequirements {
  return {
    scheme: r.scheme,
    network: r.network,
    amount: x402Version === 1 ? r.maxAmountRequired : r.amount,
    payTo: r.payTo,
    asset: r.asset,
    maxTimeoutSeconds: r.maxTimeoutSeconds,
    extra: r.extra,
  };
}
