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
  const fast = parseWellFormedV1Body(value);
  if (fast) return { success: true, data: fast };
  const version = (value as { request?: { version?: unknown } } | null)?.request?.version;
  if (typeof version === "number" && Number.isInteger(version) && version !== 1 && version !== 2) {
    return otherVersionBodySchema.safeParse(value) as z.ZodSafeParseResult<IssueGuaranteeBody>;
  }
  return issueGuaranteeBodySchema.safeParse(value) as z.ZodSafeParseResult<IssueGuaranteeBody>;
}

export type IssueGuaranteeBody = { request: ParsedRequest; signature: `0x${string}` };
export type ParsedRequest = GuaranteeRequest | { version: number };

const V1_KEYS = ["version", "user", "recipient", "reqId", "amount", "asset", "timestamp"] as const;
const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/;
const SIGNATURE_RE = /^0x(?:[0-9a-fA-F]{2})+$/;

/**
 * The issuance hot path's parser: a V1 body exactly as clients send it (single-case addresses, amounts and reqId as
 * strings, the timestamp as a string or a safe integer) gives what issueGuaranteeBodySchema gives, without zod's
 * per-field machinery (about a tenth of the cost). Anything else, valid or not, is left to the schema (undefined), so
 * every refusal keeps the schema's field issues. test/core/requestSchemaFastPath.property.test.ts pins both paths.
 */
export function parseWellFormedV1Body(value: unknown): IssueGuaranteeBody | undefined {
  if (!isPlainObject(value) || !hasExactly(value, ["request", "signature"])) return undefined;
  const { request, signature } = value as { request: unknown; signature: unknown };
  if (typeof signature !== "string" || signature.length > 2 + 2 * 4096 || !SIGNATURE_RE.test(signature))
    return undefined;
  if (!isPlainObject(request) || !hasExactly(request, V1_KEYS)) return undefined;
  const r = request as Record<(typeof V1_KEYS)[number], unknown>;
  if (r.version !== 1) return undefined;
  const user = singleCaseAddress(r.user);
  const recipient = singleCaseAddress(r.recipient);
  const asset = singleCaseAddress(r.asset);
  const reqId = uintText(r.reqId, MAX_UINT256);
  const amount = uintText(r.amount, MAX_UINT256);
  const timestamp = typeof r.timestamp === "number" ? safeUint(r.timestamp) : uintText(r.timestamp, MAX_UINT64);
  if (!user || !recipient || !asset || reqId === undefined || amount === undefined || timestamp === undefined) {
    return undefined;
  }
  if (amount === 0n) return undefined;
  return {
    request: { version: 1, user, recipient, reqId, amount, asset, timestamp },
    signature: signature.toLowerCase() as `0x${string}`,
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Own enumerable keys are exactly `keys` (strictObject refuses others; a missing key is the schema's REQUIRED). */
function hasExactly(v: Record<string, unknown>, keys: readonly string[]): boolean {
  const own = Object.keys(v);
  if (own.length !== keys.length) return false;
  for (const k of keys) if (!Object.hasOwn(v, k)) return false;
  return true;
}

/** A 0x address all-lowercase or all-uppercase after 0x, lowercased; mixed case (a checksum to check) is the schema's. */
function singleCaseAddress(v: unknown): `0x${string}` | undefined {
  if (typeof v !== "string" || !ADDRESS_RE.test(v)) return undefined;
  const hex = v.slice(2);
  const lower = hex.toLowerCase();
  if (hex !== lower && hex !== hex.toUpperCase()) return undefined;
  return `0x${lower}`;
}

function uintText(v: unknown, max: bigint): bigint | undefined {
  if (typeof v !== "string" || v.length > 80 || !UINT_RE.test(v)) return undefined;
  const n = BigInt(v);
  return n <= max ? n : undefined;
}

function safeUint(v: number): bigint | undefined {
  return Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER ? BigInt(v) : undefined;
}
