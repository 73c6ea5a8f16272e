import { getAddress } from "viem";
import { z } from "zod";

import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * Field codes a client can branch on (each issue of an INVALID_INPUT body is `{path, code, message}`); the
 * generic zod issue kinds are mapped to REQUIRED, INVALID_TYPE, INVALID_FORMAT, OUT_OF_RANGE, INVALID_VALUE and
 * UNKNOWN_FIELD by offchain/src/core/adapters/http/fieldIssues.ts.
 */
export const FieldCode = {
  BAD_CHECKSUM: "BAD_CHECKSUM",
  NOT_AN_INTEGER: "NOT_AN_INTEGER",
  OUT_OF_RANGE: "OUT_OF_RANGE",
  INVALID_FORMAT: "INVALID_FORMAT",
  INVALID_TYPE: "INVALID_TYPE",
  REQUIRED: "REQUIRED",
} as const;

const UINT_RE = /^(0x[0-9a-fA-F]{1,64}|0|[1-9][0-9]{0,77})$/;

/** A uint as a decimal or 0x-hex string (amounts never travel as JSON numbers: they would lose precision). */
function uintString(max: bigint, name: string) {
  return z
    .string()
    .max(80, { message: `${name} is too long`, abort: true })
    .regex(UINT_RE, { message: `${name} must be a decimal or 0x-hex string`, abort: true })
    .transform((s) => BigInt(s))
    .refine((v) => v <= max, { message: `${name} is out of range`, params: { code: FieldCode.OUT_OF_RANGE } });
}

/**
 * uint64 (timestamps, chain ids): a string as above or a non-negative safe integer. One schema (not a union), so
 * that a bad value is reported against its own field with its own reason (a float: NOT_AN_INTEGER).
 */
function uint64(name: string) {
  return z
    .unknown()
    .transform((v, ctx): bigint => {
      const fail = (code: string, message: string) => {
        ctx.addIssue({ code: "custom", message, params: { code }, input: v });
        return z.NEVER;
      };
      if (v === undefined) return fail(FieldCode.REQUIRED, `${name} is required`);
      if (typeof v === "number") {
        if (!Number.isInteger(v)) return fail(FieldCode.NOT_AN_INTEGER, `${name} must be a whole number of seconds`);
        if (v < 0 || v > Number.MAX_SAFE_INTEGER) {
          return fail(FieldCode.OUT_OF_RANGE, `${name} as a JSON number must be a safe non-negative integer`);
        }
        return BigInt(v);
      }
      if (typeof v !== "string") return fail(FieldCode.INVALID_TYPE, `${name} must be a string or an integer`);
      if (v.length > 80 || !UINT_RE.test(v)) {
        return fail(FieldCode.INVALID_FORMAT, `${name} must be a decimal or 0x-hex string`);
      }
      const n = BigInt(v);
      if (n > MAX_UINT64) return fail(FieldCode.OUT_OF_RANGE, `${name} is above uint64`);
      return n;
    })
    .meta({
      description: `${name}: uint64 as a non-negative integer or a decimal/0x-hex string`,
      anyOf: [
        { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
        { type: "string", pattern: UINT_RE.source },
      ],
    });
}

/**
 * An address as docs/core-api.md says: EIP-55 checksummed, or single-case (all-lowercase or all-uppercase hex after
 * 0x); normalized to lowercase. Mixed case with a wrong checksum is refused (BAD_CHECKSUM).
 */
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, { message: "must be a 20-byte 0x-hex address", abort: true })
  .refine(
    (s) => {
      const hex = s.slice(2);
      return hex === hex.toLowerCase() || hex === hex.toUpperCase() || getAddress(s) === s;
    },
    { message: "mixed-case address with a bad EIP-55 checksum", params: { code: FieldCode.BAD_CHECKSUM } },
  )
  .transform((s) => s.toLowerCase() as `0x${string}`);

const address = addressSchema;

const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex")
  .transform((s) => s.toLowerCase() as `0x${string}`);

const base = {
  user: address,
  recipient: address,
  reqId: uintString(MAX_UINT256, "reqId"),
  amount: uintString(MAX_UINT256, "amount").refine((v) => v > 0n, {
    message: "amount must be positive",
    params: { code: FieldCode.OUT_OF_RANGE },
  }),
  asset: address,
  timestamp: uint64("timestamp"),
};

const v1 = z.strictObject({ version: z.literal(1), ...base });

const policy = z.strictObject({
  validationRegistry: address,
  validationRequestHash: bytes32,
  validationChainId: uint64("validationChainId"),
  validatorAddress: address,
  validatorAgentId: uintString(MAX_UINT256, "validatorAgentId"),
  minValidationScore: z.number().int().min(0).max(255),
  validationSubjectHash: bytes32,
  jobHash: bytes32,
  requiredValidationTag: z.string().max(256),
});

const v2 = z.strictObject({ version: z.literal(2), ...base, policy });

/** Discriminated on `version`: a field error of a V1 or V2 request is reported at its own path. */
export const guaranteeRequestSchema = z.discriminatedUnion("version", [v1, v2]);

/** 65-byte ECDSA signature (r, s, v) or an ERC-1271 signature blob, 0x-hex. */
export const payerSignatureSchema = z
  .string()
  .max(2 + 2 * 4096)
  .regex(/^0x([0-9a-fA-F]{2})+$/, "signature must be 0x-hex bytes")
  .transform((s) => s.toLowerCase() as `0x${string}`);

/** POST /core/guarantees body (the OpenAPI document is generated from it). */
export const issueGuaranteeBodySchema = z.strictObject({
  request: guaranteeRequestSchema,
  signature: payerSignatureSchema,
});

/** The same body with a request of another integer version: parsed so that Core answers UNSUPPORTED_VERSION. */
const otherVersionBodySchema = z.strictObject({
  request: z.looseObject({ version: z.number().int() }),
  signature: payerSignatureSchema,
});

/**
 * Parses a POST /core/guarantees body. An integer version other than 1 and 2 gives `{version}` (Core answers
 * UNSUPPORTED_VERSION rather than a shape error); anything else goes through issueGuaranteeBodySchema.
 */
export function parseIssueGuaranteeBody(value: unknown): z.ZodSafeParseResult<IssueGuaranteeBody> {
  const version = (value as { request?: { version?: unknown } } | null)?.request?.version;
  if (typeof version === "number" && Number.isInteger(version) && version !== 1 && version !== 2) {
    return otherVersionBodySchema.safeParse(value) as z.ZodSafeParseResult<IssueGuaranteeBody>;
  }
  return issueGuaranteeBodySchema.safeParse(value) as z.ZodSafeParseResult<IssueGuaranteeBody>;
}

export type IssueGuaranteeBody = { request: ParsedRequest; signature: `0x${string}` };
export type ParsedRequest = GuaranteeRequest | { version: number };
