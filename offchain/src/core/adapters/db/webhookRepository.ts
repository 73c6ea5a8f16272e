import { randomBytes } from "node:crypto";

import { FourMicaError } from "../../../protocol/errors.ts";
import type { WebhookEventType } from "../../../protocol/webhookEvents.ts";
import {
  newWebhookSecret,
  openSecret,
  sealSecret,
  webhookKeyId,
  type WebhookKeyring,
} from "../../webhooks/secretBox.ts";
import type { Database, Queryable } from "./database.ts";

/** The outbox tables of migration 007: subscriptions, events (written by triggers) and their deliveries. */
export interface WebhookSubscription {
  id: string;
  url: string;
  eventTypes: WebhookEventType[];
  description: string;
  createdAt: Date;
  pending: number;
  failed: number;
}

export type DeliveryStatus = "PENDING" | "DELIVERED" | "FAILED";

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  subscriptionId: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** A due delivery this worker now holds (until its lease runs out). */
export interface ClaimedDelivery {
  id: string;
  token: string;
  attempts: number;
  eventId: string;
  type: string;
  data: unknown;
  eventCreatedAt: Date;
  subscriptionId: string;
  url: string;
  secretSealed: string;
}

export class WebhookNotFoundError extends FourMicaError {
  constructor(what: "subscription" | "delivery", id: string) {
    super(what === "subscription" ? "WEBHOOK_NOT_FOUND" : "WEBHOOK_DELIVERY_NOT_FOUND", `no webhook ${what} ${id}`, {
      details: { id },
    });
    this.name = "WebhookNotFoundError";
  }
}

const SUBSCRIPTION_COLUMNS = `s.id, s.url, s.event_types, s.description, s.created_at,
  (SELECT count(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'PENDING')::int AS pending,
  (SELECT count(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'FAILED')::int AS failed`;

interface SubscriptionRow {
  id: string;
  url: string;
  event_types: string[];
  description: string;
  created_at: Date | string;
  pending: number;
  failed: number;
}

const toDate = (v: Date | string) => (v instanceof Date ? v : new Date(v));

function subscriptionOf(r: SubscriptionRow): WebhookSubscription {
  return {
    id: r.id,
    url: r.url,
    eventTypes: r.event_types as WebhookEventType[],
    description: r.description,
    createdAt: toDate(r.created_at),
    pending: Number(r.pending),
    failed: Number(r.failed),
  };
}

/** Creates a subscription; the plaintext secret is in the answer and nowhere else. */
export async function createSubscription(
  db: Queryable,
  keyring: WebhookKeyring,
  input: { url: string; eventTypes: readonly WebhookEventType[]; description?: string | undefined },
): Promise<{ subscription: WebhookSubscription; secret: string }> {
  const id = `wh_${randomBytes(16).toString("hex")}`;
  const secret = newWebhookSecret();
  const { rows } = await db.query<SubscriptionRow>(
    `WITH s AS (
       INSERT INTO webhook_subscriptions (id, url, event_types, description, secret_sealed, secret_key_id)
       VALUES ($1, $2, string_to_array($3, ','), $4, $5, $6) RETURNING *)
     SELECT s.id, s.url, s.event_types, s.description, s.created_at, 0 AS pending, 0 AS failed FROM s`,
    [
      id,
      input.url,
      [...new Set(input.eventTypes)].join(","),
      input.description ?? "",
      sealSecret(keyring, secret, id),
      webhookKeyId(keyring.current),
    ],
  );
  return { subscription: subscriptionOf(rows[0]!), secret };
}

export async function listSubscriptions(db: Queryable): Promise<WebhookSubscription[]> {
  const { rows } = await db.query<SubscriptionRow>(
    `SELECT ${SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions s ORDER BY s.created_at, s.id`,
  );
  return rows.map(subscriptionOf);
}

/** Deletes a subscription and its deliveries (pending ones are not sent). */
export async function deleteSubscription(db: Queryable, id: string): Promise<void> {
  const r = await db.query("DELETE FROM webhook_subscriptions WHERE id = $1", [id]);
  if (r.rowCount !== 1) throw new WebhookNotFoundError("subscription", id);
}

interface DeliveryRow {
  id: string;
  event_id: string;
  type: string;
  subscription_id: string;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: Date | string;
  last_status: number | null;
  last_error: string | null;
  delivered_at: Date | string | null;
  created_at: Date | string;
}

const DELIVERY_COLUMNS = `d.id::text AS id, d.event_id, e.type, d.subscription_id, s.url, d.status, d.attempts,
  d.next_attempt_at, d.last_status, d.last_error, d.delivered_at, e.created_at`;

function deliveryOf(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    eventId: r.event_id,
    eventType: r.type,
    subscriptionId: r.subscription_id,
    url: r.url,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: toDate(r.next_attempt_at),
    lastStatus: r.last_status === null ? null : Number(r.last_status),
    lastError: r.last_error,
    deliveredAt: r.delivered_at === null ? null : toDate(r.delivered_at),
    createdAt: toDate(r.created_at),
  };
}

/** Deliveries newest first (the operator's view: FAILED ones by default). */
export async function listDeliveries(
  db: Queryable,
  filter: { status: DeliveryStatus; subscriptionId?: string | undefined; limit: number },
): Promise<WebhookDelivery[]> {
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS}
       FROM webhook_deliveries d
       JOIN webhook_events e ON e.id = d.event_id
       JOIN webhook_subscriptions s ON s.id = d.subscription_id
      WHERE d.status = $1 AND ($2::text IS NULL OR d.subscription_id = $2)
      ORDER BY d.id DESC LIMIT $3::int`,
    [filter.status, filter.subscriptionId ?? null, filter.limit],
  );
  return rows.map(deliveryOf);
}

/**
 * Puts a FAILED (or DELIVERED) delivery back in the queue, due now, with a fresh attempt count and age window.
 * A PENDING one is left alone (WEBHOOK_DELIVERY_PENDING).
 */
export async function redeliver(db: Queryable, id: string): Promise<WebhookDelivery> {
  if (!/^[0-9]{1,18}$/.test(id)) throw new WebhookNotFoundError("delivery", id);
  const r = await db.query(
    `UPDATE webhook_deliveries SET status = 'PENDING', attempts = 0, next_attempt_at = now(),
       window_started_at = now(), lease_token = NULL, updated_at = now()
     WHERE id = $1 AND status <> 'PENDING'`,
    [id],
  );
  const { rows } = await db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id
       JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1`,
    [id],
  );
  if (rows.length === 0) throw new WebhookNotFoundError("delivery", id);
  if (r.rowCount !== 1) {
    throw new FourMicaError("WEBHOOK_DELIVERY_PENDING", `delivery ${id} is already queued`, { details: { id } });
  }
  return deliveryOf(rows[0]!);
}

/**
 * Claims up to `limit` due deliveries for `leaseMs`: their next_attempt_at moves one lease ahead and they get a fresh
 * token, under FOR UPDATE SKIP LOCKED, so a concurrent worker (another Core process) takes other rows. The attempt
 * is counted now, so that a delivery that crashes its worker every time still runs out of attempts.
 */
export async function claimDeliveries(db: Database, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const token = randomBytes(12).toString("hex");
  const { rows } = await db.query<{
    id: string;
    attempts: number;
    event_id: string;
    type: string;
    data: unknown;
    event_created_at: Date | string;
    subscription_id: string;
    url: string;
    secret_sealed: string;
  }>(
    `WITH due AS (
       SELECT id FROM webhook_deliveries
        WHERE status = 'PENDING' AND next_attempt_at <= now()
        ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED)
     UPDATE webhook_deliveries d
        SET attempts = d.attempts + 1, lease_token = $3, updated_at = now(),
            next_attempt_at = now() + $2::double precision * interval '1 millisecond'
       FROM due, webhook_events e, webhook_subscriptions s
      WHERE d.id = due.id AND e.id = d.event_id AND s.id = d.subscription_id
     RETURNING d.id::text AS id, d.attempts, d.event_id, e.type, e.data, e.created_at AS event_created_at,
               d.subscription_id, s.url, s.secret_sealed`,
    [limit, leaseMs, token],
  );
  return rows.map((r) => ({
    id: r.id,
    token,
    attempts: Number(r.attempts),
    eventId: r.event_id,
    type: r.type,
    data: typeof r.data === "string" ? JSON.parse(r.data) : r.data,
    eventCreatedAt: toDate(r.event_created_at),
    subscriptionId: r.subscription_id,
    url: r.url,
    secretSealed: r.secret_sealed,
  }));
}

/** Records a delivered attempt. A claim that lost its lease to another worker changes nothing. */
export async function markDelivered(db: Queryable, claim: ClaimedDelivery, httpStatus: number): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = now(), last_status = $3, last_error = NULL,
       lease_token = NULL, updated_at = now()
     WHERE id = $1 AND lease_token = $2 AND status = 'PENDING'`,
    [claim.id, claim.token, httpStatus],
  );
}

/**
 * Records a failed attempt: due again after `retryInMs`, or FAILED when this was the last attempt or the retry
 * would fall outside the age window.
 */
export async function markAttemptFailed(
  db: Queryable,
  claim: ClaimedDelivery,
  outcome: { httpStatus: number | null; error: string; retryInMs: number; maxAttempts: number; maxAgeMs: number },
): Promise<DeliveryStatus | undefined> {
  const { rows } = await db.query<{ status: DeliveryStatus }>(
    `UPDATE webhook_deliveries SET
       status = CASE WHEN attempts >= $5::int
                       OR now() + $4::double precision * interval '1 millisecond' > window_started_at + $6::double precision * interval '1 millisecond'
                     THEN 'FAILED' ELSE 'PENDING' END,
       next_attempt_at = now() + $4::double precision * interval '1 millisecond',
       last_status = $3, last_error = $7, lease_token = NULL, updated_at = now()
     WHERE id = $1 AND lease_token = $2 AND status = 'PENDING'
     RETURNING status`,
    [
      claim.id,
      claim.token,
      outcome.httpStatus,
      outcome.retryInMs,
      outcome.maxAttempts,
      outcome.maxAgeMs,
      outcome.error.slice(0, 500),
    ],
  );
  return rows[0]?.status;
}

/** Gives a claim back untried (a graceful stop aborted it): due now, the attempt not counted. */
export async function releaseClaim(db: Queryable, claim: ClaimedDelivery): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries SET attempts = greatest(attempts - 1, 0), next_attempt_at = now(), lease_token = NULL,
       updated_at = now()
     WHERE id = $1 AND lease_token = $2 AND status = 'PENDING'`,
    [claim.id, claim.token],
  );
}

/**
 * Re-seals every secret not sealed under the current key (after a key rotation), each row in its own statement.
 * Returns the ids re-sealed and those whose key is in neither the current nor the previous keys (left as they are:
 * their deliveries fail with WEBHOOK_KEY_UNKNOWN until the key is configured again).
 */
export async function resealSecrets(
  db: Queryable,
  keyring: WebhookKeyring,
): Promise<{ resealed: string[]; unreadable: string[] }> {
  const current = webhookKeyId(keyring.current);
  const { rows } = await db.query<{ id: string; secret_sealed: string }>(
    "SELECT id, secret_sealed FROM webhook_subscriptions WHERE secret_key_id <> $1",
    [current],
  );
  const resealed: string[] = [];
  const unreadable: string[] = [];
  for (const r of rows) {
    let secret: string;
    try {
      secret = openSecret(keyring, r.secret_sealed, r.id);
    } catch {
      unreadable.push(r.id);
      continue;
    }
    // Compare-and-set on the sealed value: a replica re-sealing the same row at once changes nothing twice.
    const u = await db.query(
      "UPDATE webhook_subscriptions SET secret_sealed = $3, secret_key_id = $4 WHERE id = $1 AND secret_sealed = $2",
      [r.id, r.secret_sealed, sealSecret(keyring, secret, r.id), current],
    );
    if (u.rowCount === 1) resealed.push(r.id);
  }
  return { resealed, unreadable };
}
