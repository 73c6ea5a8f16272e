import type { Logger } from "pino";
import { Webhook } from "standardwebhooks";

import { FourMicaError } from "../../../protocol/errors.ts";
import { retryDelayMs, type RetryPolicy } from "../../webhooks/retryPolicy.ts";
import { openSecret, type WebhookKeyring } from "../../webhooks/secretBox.ts";
import type { Database } from "../db/database.ts";
import {
  claimDeliveries,
  markAttemptFailed,
  markDelivered,
  releaseClaim,
  type ClaimedDelivery,
} from "../db/webhookRepository.ts";

export interface WebhookWorkerOptions {
  db: Database;
  keyring: WebhookKeyring;
  policy: RetryPolicy;
  /** Per-request timeout; a claim's lease is this plus a margin, after which another worker may retry it. */
  timeoutMs: number;
  /** Pause between polls of the outbox when nothing is due. */
  intervalMs: number;
  /** Deliveries claimed and sent at once. */
  concurrency: number;
  logger: Logger;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface WebhookWorker {
  /** Starts polling (idempotent). */
  start(): void;
  /** One pass: claims what is due, sends it, records the outcomes. Returns how many were attempted. */
  runOnce(): Promise<number>;
  /** Stops polling; in-flight requests are aborted and their claims given back untried. Idempotent. */
  stop(): Promise<void>;
}

/** How long a claim is held beyond the request timeout (the outcome's write must fit in it). */
const LEASE_MARGIN_MS = 5_000;

/** The Standard Webhooks request of one delivery: the body and its three headers. */
export function signedRequest(
  claim: Pick<ClaimedDelivery, "eventId" | "type" | "data" | "eventCreatedAt">,
  secret: string,
  sentAt: Date,
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    id: claim.eventId,
    type: claim.type,
    timestamp: claim.eventCreatedAt.toISOString(),
    data: claim.data,
  });
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "4mica-core-webhooks",
      "webhook-id": claim.eventId,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(claim.eventId, sentAt, body),
    },
  };
}

/**
 * The delivery worker: polls the outbox (webhook_deliveries), claims due rows with a lease (FOR UPDATE SKIP LOCKED,
 * so several Core processes share the work), POSTs each signed event, and records DELIVERED (2xx), a retry after
 * exponential backoff with jitter, or FAILED after the policy's attempts or age. At-least-once: a crash between the
 * receiver's answer and the write of DELIVERED leaves the claim to expire and the event to be sent again, under the
 * same webhook-id. No order is kept, not even per subscription: a retried event can arrive after a later one.
 */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { db, keyring, policy, logger } = options;
  const send = options.fetch ?? fetch;
  const random = options.random ?? Math.random;
  const leaseMs = options.timeoutMs + LEASE_MARGIN_MS;
  const inFlight = new Set<AbortController>();
  let stopping = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  async function fail(claim: ClaimedDelivery, httpStatus: number | null, error: string): Promise<void> {
    const status = await markAttemptFailed(db, claim, {
      httpStatus,
      error,
      retryInMs: retryDelayMs(policy, claim.attempts, random()),
      maxAttempts: policy.maxAttempts,
      maxAgeMs: policy.maxAgeMs,
    });
    if (status === "FAILED") {
      logger.warn(
        {
          delivery: claim.id,
          subscription: claim.subscriptionId,
          event: claim.eventId,
          attempts: claim.attempts,
          error,
        },
        "webhook delivery failed for good (redeliver with POST /core/admin/webhooks/deliveries/:id/redeliver)",
      );
    }
  }

  async function deliver(claim: ClaimedDelivery): Promise<void> {
    let secret: string;
    try {
      secret = openSecret(keyring, claim.secretSealed, claim.subscriptionId);
    } catch (e) {
      await fail(claim, null, e instanceof FourMicaError ? e.code : "WEBHOOK_SECRET_CORRUPT");
      return;
    }
    const { body, headers } = signedRequest(claim, secret, new Date());
    const controller = new AbortController();
    inFlight.add(controller);
    const timer = setTimeout(() => controller.abort(new Error("timeout")), options.timeoutMs);
    let status: number;
    try {
      const res = await send(claim.url, {
        method: "POST",
        headers,
        body,
        redirect: "manual",
        signal: controller.signal,
      });
      status = res.status;
      await res.body?.cancel().catch(() => {});
    } catch (e) {
      if (stopping) {
        await releaseClaim(db, claim).catch(() => {});
        return;
      }
      const reason = controller.signal.aborted ? "timeout" : e instanceof Error ? e.message : String(e);
      await fail(claim, null, `request failed: ${reason}`);
      return;
    } finally {
      clearTimeout(timer);
      inFlight.delete(controller);
    }
    if (status >= 200 && status < 300) await markDelivered(db, claim, status);
    else await fail(claim, status, status >= 300 && status < 400 ? "redirect (not followed)" : `HTTP ${status}`);
  }

  async function runOnce(): Promise<number> {
    const claims = await claimDeliveries(db, options.concurrency, leaseMs);
    await Promise.all(
      claims.map((c) =>
        deliver(c).catch((e: unknown) => logger.warn({ err: e, delivery: c.id }, "webhook delivery not recorded")),
      ),
    );
    return claims.length;
  }

  async function run(): Promise<void> {
    while (!stopping) {
      let n = 0;
      try {
        n = await runOnce();
      } catch (e) {
        if (!stopping) logger.warn({ err: e }, "webhook outbox poll failed");
      }
      if (stopping || n >= options.concurrency) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, options.intervalMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  let stopped: Promise<void> | undefined;
  return {
    start() {
      if (stopping) return;
      loop ??= run();
    },
    runOnce,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        wake?.();
        for (const c of inFlight) c.abort(new Error("stopping"));
        await loop;
      })();
      return stopped;
    },
  };
}
