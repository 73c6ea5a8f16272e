import { getAddress, isAddress, type Address, type Hex } from "viem";
import { z } from "zod";

import type { ValidationPolicyInputs } from "../protocol/buildValidationPolicy.ts";
import type { GuaranteeRequest, ValidationPolicy } from "../protocol/guaranteeTypes.ts";

/**
 * The wire shapes of `4mica-credit` (docs/x402.md): `requirements.extra`, the payment `payload`, the settle answer's
 * `extra`. Every uint travels as a decimal string (JSON numbers lose precision past 2^53).
 */

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

const uint = (max: bigint, name: string) =>
  z
    .string()
    .max(80)
    .regex(/^(0|[1-9][0-9]{0,77})$/, `${name} must be a decimal string`)
    .transform((s) => BigInt(s))
    .refine((v) => v <= max, `${name} is out of range`);

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address")
  .refine((s) => isAddress(s, { strict: false }), "not an address")
  .transform((s) => getAddress(s.toLowerCase()));

const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex")
  .transform((s) => s.toLowerCase() as Hex);

/** The seller's validation policy inputs in `requirements.extra.validationPolicy` (V2 when present). */
export const validationPolicyInputsSchema = z.strictObject({
  validationRegistry: address,
  validationChainId: uint(MAX_UINT64, "validationChainId"),
  validatorAddress: address,
  validatorAgentId: uint(MAX_UINT256, "validatorAgentId"),
  minValidationScore: z.number().int().min(1).max(100),
  jobHash: bytes32,
  requiredValidationTag: z.string().max(64).default(""),
});
export type ValidationPolicyInputsJson = z.input<typeof validationPolicyInputsSchema>;

/** `requirements.extra` of `4mica-credit`; other keys (x402's `paymentFlow`, a seller's own) pass through. */
export const creditExtraSchema = z.looseObject({
  /** The Core4Mica vault: the payer's EIP-712 verifying contract. */
  core4Mica: address,
  /** Where a payer can open the credit line (`POST /tabs`) for capacity and cycle. */
  tabEndpoint: z.string().max(512).optional(),
  validationPolicy: validationPolicyInputsSchema.optional(),
});
export type CreditExtra = z.output<typeof creditExtraSchema>;

const policyJson = z.strictObject({
  validationRegistry: address,
  validationRequestHash: bytes32,
  validationChainId: uint(MAX_UINT64, "validationChainId"),
  validatorAddress: address,
  validatorAgentId: uint(MAX_UINT256, "validatorAgentId"),
  minValidationScore: z.number().int().min(0).max(255),
  validationSubjectHash: bytes32,
  jobHash: bytes32,
  requiredValidationTag: z.string().max(256),
});

const requestBase = {
  user: address,
  recipient: address,
  reqId: uint(MAX_UINT256, "reqId"),
  amount: uint(MAX_UINT256, "amount").refine((v) => v > 0n, "amount must be positive"),
  asset: address,
  timestamp: uint(MAX_UINT64, "timestamp"),
};

const requestJson = z.discriminatedUnion("version", [
  z.strictObject({ version: z.literal(1), ...requestBase }),
  z.strictObject({ version: z.literal(2), ...requestBase, policy: policyJson }),
]);

/** The payment `payload` of `4mica-credit`: the payer's EIP-712 request and its signature. */
export const creditPayloadSchema = z.strictObject({
  request: requestJson,
  signature: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2}){1,4096}$/, "signature must be 0x-hex bytes")
    .transform((s) => s as Hex),
});

export interface CreditPayload {
  request: GuaranteeRequest;
  signature: Hex;
}

/** The JSON of a request: uints as decimal strings (`minValidationScore` stays a number), what Core accepts. */
export function requestToJson(r: GuaranteeRequest): Record<string, unknown> {
  const base = {
    version: r.version,
    user: r.user,
    recipient: r.recipient,
    reqId: r.reqId.toString(),
    amount: r.amount.toString(),
    asset: r.asset,
    timestamp: r.timestamp.toString(),
  };
  if (r.version === 1) return base;
  return { ...base, policy: policyToJson(r.policy) };
}

function policyToJson(p: ValidationPolicy): Record<string, unknown> {
  return {
    validationRegistry: p.validationRegistry,
    validationRequestHash: p.validationRequestHash,
    validationChainId: p.validationChainId.toString(),
    validatorAddress: p.validatorAddress,
    validatorAgentId: p.validatorAgentId.toString(),
    minValidationScore: p.minValidationScore,
    validationSubjectHash: p.validationSubjectHash,
    jobHash: p.jobHash,
    requiredValidationTag: p.requiredValidationTag,
  };
}

/** The seller's policy inputs as the JSON of `extra.validationPolicy`. */
export function validationPolicyInputsToJson(p: ValidationPolicyInputs): ValidationPolicyInputsJson {
  return {
    validationRegistry: p.validationRegistry,
    validationChainId: p.validationChainId.toString(),
    validatorAddress: p.validatorAddress,
    validatorAgentId: p.validatorAgentId.toString(),
    minValidationScore: p.minValidationScore,
    jobHash: p.jobHash,
    requiredValidationTag: p.requiredValidationTag ?? "",
  };
}

/** Parses a payment payload, or undefined when it is not one (the caller answers `invalid_4mica_credit_evm_payload`). */
export function parseCreditPayload(payload: unknown): CreditPayload | undefined {
  const r = creditPayloadSchema.safeParse(payload);
  if (!r.success) return undefined;
  const req = r.data.request;
  const request: GuaranteeRequest =
    req.version === 1 ? { ...req, version: 1 } : { ...req, version: 2, policy: { ...req.policy } };
  return { request, signature: r.data.signature };
}

/** The certificate a settle answer carries in `extra.certificate`, and the ids around it. */
export interface CreditSettlementExtra {
  certificate: { claims: Hex; signature: Hex };
  guaranteeId: Hex;
  cycleId: string;
  /** Core's status: FINALIZED_PAYABLE (V1) or PENDING_VALIDATION (V2). */
  status: string;
  /** True when Core had already issued this guarantee (the same signed request again): no second lock. */
  replayed: boolean;
}

export const creditSettlementExtraSchema = z.looseObject({
  certificate: z.looseObject({
    claims: z.string().regex(/^0x[0-9a-fA-F]*$/),
    signature: z.string().regex(/^0x[0-9a-fA-F]*$/),
  }),
  guaranteeId: bytes32,
  cycleId: z.string().regex(/^[0-9]{1,78}$/),
  status: z.string().max(64),
  replayed: z.boolean(),
});

/** Lower-cases an address for comparisons. */
export const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
export type { Address };
