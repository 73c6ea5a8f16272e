import { z } from "zod";

/**
 * Core's webhook events (docs/core-api.md, "Webhooks"): the types a subscription chooses from and the body Core
 * POSTs, signed with the Standard Webhooks scheme. Shared by Core (which produces them from its outbox) and the
 * SDK's verifyWebhook (which parses them). Amounts, ids and block numbers are decimal strings; addresses and hashes
 * lowercase 0x-hex.
 */
export const WEBHOOK_EVENT_TYPES = [
  "deposit.seen",
  "guarantee.issued",
  "guarantee.payable",
  "guarantee.disputed",
  "guarantee.cancelled",
  "guarantee.netted",
  "guarantee.settled",
  "guarantee.defaulted_covered",
  "withdrawal.requested",
  "withdrawal.finalized",
  "cycle.committed",
  "cycle.finalized",
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const hex = z.string().regex(/^0x[0-9a-f]*$/);
const decimal = z.string().regex(/^[0-9]+$/);

/** A chain event's position (collateral events come from the vault, after the confirmation depth). */
const chainPosition = {
  chainId: decimal,
  contract: hex,
  blockNumber: decimal,
  blockHash: hex,
  logIndex: z.number().int(),
  txHash: hex,
};

export const guaranteeEventDataSchema = z.looseObject({
  guaranteeId: hex,
  version: z.number().int(),
  cycleId: decimal,
  nettedCycleId: decimal.nullable(),
  user: hex,
  recipient: hex,
  asset: hex,
  reqId: decimal,
  amount: decimal,
  timestamp: decimal,
  status: z.string(),
  previousStatus: z.string().nullable(),
  cause: z.string(),
  causeRef: z.string().nullable(),
  lockHeld: z.boolean(),
});

export const depositEventDataSchema = z.looseObject({
  user: hex,
  asset: hex,
  depositor: hex,
  amount: decimal,
  ...chainPosition,
});

export const withdrawalRequestedDataSchema = z.looseObject({
  user: hex,
  asset: hex,
  amount: decimal,
  requestedAt: decimal,
  ...chainPosition,
});

export const withdrawalFinalizedDataSchema = z.looseObject({
  user: hex,
  asset: hex,
  amount: decimal,
  ...chainPosition,
});

export const cycleEventDataSchema = z.looseObject({
  cycleId: decimal,
  asset: hex,
  status: z.string(),
  previousStatus: z.string(),
  merkleRoot: hex.nullable(),
  batchHash: hex.nullable(),
  totalNet: decimal.nullable(),
  guaranteeCount: z.number().int().nullable(),
  commitTxHash: hex.nullable(),
  finalizeTxHash: hex.nullable(),
  paymentDeadline: decimal,
  finalityDeadline: decimal,
});

const envelope = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ id: z.string().min(1), type: z.literal(type), timestamp: z.iso.datetime({ offset: true }), data });

/** The body of every webhook request: `{id, type, timestamp (when the change committed, ISO 8601), data}`. */
export const webhookEventSchema = z.discriminatedUnion("type", [
  envelope("deposit.seen", depositEventDataSchema),
  envelope("guarantee.issued", guaranteeEventDataSchema),
  envelope("guarantee.payable", guaranteeEventDataSchema),
  envelope("guarantee.disputed", guaranteeEventDataSchema),
  envelope("guarantee.cancelled", guaranteeEventDataSchema),
  envelope("guarantee.netted", guaranteeEventDataSchema),
  envelope("guarantee.settled", guaranteeEventDataSchema),
  envelope("guarantee.defaulted_covered", guaranteeEventDataSchema),
  envelope("withdrawal.requested", withdrawalRequestedDataSchema),
  envelope("withdrawal.finalized", withdrawalFinalizedDataSchema),
  envelope("cycle.committed", cycleEventDataSchema),
  envelope("cycle.finalized", cycleEventDataSchema),
]);
export type WebhookEvent = z.infer<typeof webhookEventSchema>;
