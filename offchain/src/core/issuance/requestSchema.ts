import { isAddress } from "viem";
import { z } from "zod";

import type { GuaranteeRequest } from "../../protocol/guaranteeTypes.ts";

const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

/** A uint as a decimal or 0x-hex string (amounts never travel as JSON numbers: they would lose precision). */
function uintString(max: bigint, name: string) {
  return z
    .string()
    .max(80)
    .regex(/^(0x[0-9a-fA-F]{1,64}|0|[1-9][0-9]{0,77})$/, `${name} must be a decimal or 0x-hex string`)
    .transform((s) => BigInt(s))
    .refine((v) => v <= max, `${name} is out of range`);
}

/** uint64 (timestamps, chain ids): a string as above or a non-negative safe integer. */
function uint64(name: string) {
  return z.union([
    z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).transform(BigInt),
    uintString(MAX_UINT64, name),
  ]);
}

/** Checksummed or all-lower/all-upper hex address; normalized to lowercase. Checksum is verified when mixed case. */
const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address")
  .refine((s) => isAddress(s, { strict: true }), "mixed-case address with a bad EIP-55 checksum")
  .transform((s) => s.toLowerCase() as `0x${string}`);

const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex")
  .transform((s) => s.toLowerCase() as `0x${string}`);

const base = {
  user: address,
  recipient: address,
  reqId: uintString(MAX_UINT256, "reqId"),
  amount: uintString(MAX_UINT256, "amount").refine((v) => v > 0n, "amount must be positive"),
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

/** Any other version number: parsed so that Core can answer UNSUPPORTED_VERSION rather than a shape error. */
const otherVersion = z.looseObject({
  version: z
    .number()
    .int()
    .refine((v) => v !== 1 && v !== 2),
});

export const guaranteeRequestSchema = z.discriminatedUnion("version", [v1, v2]);

/** POST /core/guarantees body. */
export const issueGuaranteeBodySchema = z.strictObject({
  request: z.union([guaranteeRequestSchema, otherVersion]),
  /** 65-byte ECDSA signature (r, s, v) or an ERC-1271 signature blob, 0x-hex. */
  signature: z
    .string()
    .max(2 + 2 * 4096)
    .regex(/^0x([0-9a-fA-F]{2})+$/, "signature must be 0x-hex bytes")
    .transform((s) => s.toLowerCase() as `0x${string}`),
});

export type IssueGuaranteeBody = z.infer<typeof issueGuaranteeBodySchema>;
export type ParsedRequest = GuaranteeRequest | { version: number };
