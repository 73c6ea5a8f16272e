import type { FastifyInstance } from "fastify";
import type { Address, Hex } from "viem";
import { z } from "zod";

import type { SettlementRecord } from "../../db/settlementRepository.ts";
import { addressSchema } from "../../../issuance/requestSchema.ts";
import type { Settlements } from "../../../services/settlements/createSettlements.ts";
import { parseOrThrow } from "../fieldIssues.ts";
import { errorResponses } from "./guarantees.ts";
import { useZodSchemas } from "../zodSchemas.ts";

export interface SettlementRoutesDeps {
  settlements: Settlements;
}

const uint = z
  .string()
  .regex(/^[0-9]{1,78}$/, { message: "must be a decimal integer", abort: true })
  .transform(BigInt)
  .refine((v) => v < 1n << 256n, { message: "is above uint256", params: { code: "OUT_OF_RANGE" } });
const params = z.strictObject({ cycleId: uint, asset: addressSchema });
export const settlementBodySchema = z.strictObject({
  debtor: addressSchema.describe("the net debtor that signed"),
  amount: uint.describe("its net debit, exactly (decimal)"),
  signature: z
    .string()
    .regex(/^0x([0-9a-fA-F]{2}){1,4096}$/, "must be 0x-hex bytes")
    .transform((s) => s.toLowerCase() as Hex)
    .describe("EIP-712 NetDebitSettlement signature (65-byte ECDSA, or what the debtor's ERC-1271 wallet accepts)"),
});

const hexOut = (bytes?: number) =>
  z.string().regex(bytes === undefined ? /^0x([0-9a-f]{2})*$/ : new RegExp(`^0x[0-9a-f]{${bytes * 2}}$`));
const uintOut = z
  .string()
  .regex(/^[0-9]+$/)
  .describe("unsigned integer, decimal");
/** One stored authorization (the answer of POST, and each entry of GET). */
export const settlementSchema = z.object({
  cycleId: uintOut,
  asset: hexOut(20),
  debtor: hexOut(20),
  amount: uintOut,
  signature: hexOut(),
  status: z.enum(["PENDING", "SUBMITTED", "SETTLED", "SKIPPED"]),
  txHash: hexOut(32).nullable().describe("the settleNetDebitsFromCollateral transaction (SUBMITTED and later)"),
  settledBy: z.string().nullable().describe("what recorded the outcome: a transaction hash or a chain event ref"),
});
export const settlementListSchema = z.object({
  cycleId: uintOut,
  asset: hexOut(20),
  settlements: z.array(settlementSchema),
});

function settlementJson(s: SettlementRecord) {
  return {
    cycleId: s.cycleId.toString(),
    asset: s.asset,
    debtor: s.debtor,
    amount: s.amount.toString(),
    signature: s.signature,
    status: s.status,
    txHash: s.txHash ?? null,
    settledBy: s.settledBy ?? null,
  };
}

/**
 * Settling net debits from collateral (docs/core-api.md, "Settlements"): a debtor POSTs its EIP-712 authorization;
 * Core's scheduler sends the pending ones in `settleNetDebitsFromCollateral` batches. GET lists them per status.
 */
export function settlementRoutes(app: FastifyInstance, deps: SettlementRoutesDeps): void {
  useZodSchemas(app);
  app.post(
    "/core/cycles/:cycleId/:asset/settlements",
    {
      schema: {
        summary:
          "Authorize paying a net debit from the debtor's vault collateral (EIP-712 NetDebitSettlement; idempotent)",
        params,
        body: settlementBodySchema,
        response: { 200: settlementSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cycleId, asset } = parseOrThrow(params, request.params, "cycle");
      const body = parseOrThrow(settlementBodySchema, request.body, "settlement");
      return settlementJson(await deps.settlements.authorize(cycleId, asset as Address, body));
    },
  );
  app.get(
    "/core/cycles/:cycleId/:asset/settlements",
    {
      schema: {
        summary: "The authorizations of a (cycle, asset): pending, submitted, settled or skipped",
        params,
        response: { 200: settlementListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { cycleId, asset } = parseOrThrow(params, request.params, "cycle");
      const all = await deps.settlements.list(cycleId, asset as Address);
      return { cycleId: cycleId.toString(), asset, settlements: all.map(settlementJson) };
    },
  );
}
