import { z } from "zod";

import { CycleStatus } from "../../scheduler/types.ts";
import { ERROR_CODES } from "./errorStatus.ts";

/**
 * The response shapes of the Core API, in zod: the OpenAPI document (GET /core/openapi.json) is generated from
 * these and from the request schemas the handlers validate with, through @fastify/swagger and
 * fastify-type-provider-zod. test/core/openapi.test.ts parses live answers with them, so they cannot drift.
 */
const hex = (bytes?: number) =>
  bytes === undefined
    ? z.string().regex(/^0x([0-9a-f]{2})*$/)
    : z.string().regex(new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`));
const uint = z
  .string()
  .regex(/^[0-9]+$/)
  .describe("unsigned integer, decimal");
const address = hex(20);
const hex32 = hex(32);

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      details: z
        .looseObject({
          issues: z
            .array(z.object({ path: z.string(), code: z.string(), message: z.string() }))
            .optional()
            .describe("INVALID_INPUT: one entry per bad field"),
        })
        .optional(),
    }),
  })
  .describe("Every error: a stable code (clients branch on it), a message, details");

export const certificateSchema = z.object({
  guaranteeId: hex32,
  cycleId: uint,
  status: z.string(),
  claims: hex().describe("envelope abi.encode(uint64 version, bytes inner): the BLS-signed bytes"),
  signature: hex(96).describe("BLS12-381 G2 signature, compressed"),
  signatureEip2537: z
    .strictObject(
      Object.fromEntries(
        ["x_c0_a", "x_c0_b", "x_c1_a", "x_c1_b", "y_c0_a", "y_c0_b", "y_c1_a", "y_c1_b"].map((k) => [k, hex32]),
      ) as Record<"x_c0_a", typeof hex32>,
    )
    .describe("the signature as Solidity BLS.G2Point words (EIP-2537 limbs)"),
});

export const guaranteeSchema = z.object({
  guaranteeId: hex32,
  version: z.number().int(),
  cycleId: uint,
  user: address,
  recipient: address,
  asset: address,
  reqId: uint,
  amount: uint,
  timestamp: uint,
  status: z.string(),
  certificate: certificateSchema.pick({ claims: true, signature: true, signatureEip2537: true }),
});

const next = z.string().nullable().describe("pass as `cursor` for the next page; null on the last page");

export const guaranteePageSchema = z.object({ guarantees: z.array(guaranteeSchema), next });

export const balancesSchema = z.object({
  user: address,
  balances: z.array(
    z.object({ asset: address, deposited: uint, locked: uint, pendingWithdrawal: uint, available: uint }),
  ),
});

export const lifecycleResultSchema = z.object({ guaranteeId: hex32, status: z.string() });

export const nonceSchema = z.object({
  nonce: z.string(),
  expiresAt: z.string(),
  domain: z.string(),
  uri: z.string(),
  chainId: uint,
  statement: z.string(),
});

export const sessionSchema = z.object({
  token: z.string(),
  tokenType: z.literal("Bearer"),
  address,
  expiresAt: z.string(),
});

const deadlines = z.object({
  start: uint,
  end: uint,
  resolutionCutoff: uint,
  commitDeadline: uint,
  paymentDeadline: uint,
  finalityDeadline: uint,
});

export const cycleSchema = z.object({
  cycleId: uint,
  asset: address,
  status: z.enum(Object.values(CycleStatus) as [string, ...string[]]),
  deadlines,
  batch: z
    .object({
      root: hex32,
      batchHash: hex32,
      totalNetDebit: uint,
      totalNetCredit: uint,
      guaranteeCount: z.number().int(),
      debtorCount: z.number().int(),
      creditorCount: z.number().int(),
      v2GuaranteeIds: z.array(hex32),
      nettedAt: uint,
      commitTxHash: hex32.nullable(),
      commitBlock: uint.nullable(),
    })
    .nullable(),
  finalizeTxHash: hex32.nullable(),
});

export const cycleListSchema = z.object({
  chainId: uint,
  clearingHouse: address,
  schedule: z.array(z.record(z.string(), uint)).describe("the ClearingHouse's schedule segments"),
  cycles: z.array(cycleSchema),
  next,
});

export const positionSchema = z.object({
  participant: address,
  role: z.enum(["NET_DEBTOR", "NET_CREDITOR", "FLAT"]),
  amount: uint,
  grossOut: uint,
  grossIn: uint,
  positionStatus: z.string(),
});

export const positionPageSchema = z.object({ positions: z.array(positionSchema), next });

export const batchPageSchema = cycleSchema.extend({
  positions: z.array(positionSchema),
  guarantees: z.array(
    z.object({
      guaranteeId: hex32,
      version: z.number().int(),
      cycleId: uint,
      user: address,
      recipient: address,
      amount: uint,
      /** The payer's EIP-712 signature of the request (published for audits: docs/core-api.md, "Cycles"). */
      payerSignature: hex(),
      /** Core's certificate: the BLS-signed envelope and its signature in both forms. */
      certificate: z.object({ claims: hex(), signature: hex(), signatureEip2537: z.record(z.string(), hex()) }),
    }),
  ),
  next,
  guaranteeCount: z.number().int(),
});

const call = z.object({ to: address, data: hex(), value: uint });
export const positionProofSchema = positionSchema.extend({
  cycleId: uint,
  asset: address,
  status: z.string(),
  root: hex32,
  leaf: hex32.nullable(),
  proof: z.array(hex32),
  calls: z.object({ payNetDebit: call, markDefaulted: call, claimNetCredit: call }).partial(),
});

export const looseObjectSchema = z.looseObject({});
export const healthSchema = z.looseObject({ status: z.enum(["ok", "unavailable"]) });
