import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { WebhookConfig } from "../../offchain/src/core/config.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import type { WebhookEventType } from "../../offchain/src/protocol/webhookEvents.ts";

export const ADMIN_TOKEN = "webhook-test-admin-token-0123456789abcdef";
export const WEBHOOK_KEY = `0x${"5a".repeat(32)}` as const;

/** Fast retries for tests: 50 ms doubling, 5 attempts, a short lease. */
export function webhookConfig(overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    encryptionKey: WEBHOOK_KEY,
    previousKeys: [],
    maxAttempts: 5,
    maxAgeSeconds: 3600,
    timeoutMs: 1_000,
    intervalMs: 20,
    backoffBaseMs: 50,
    backoffMaxMs: 2_000,
    concurrency: 8,
    ...overrides,
  };
}

export interface ReceivedRequest {
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

/**
 * A webhook receiver on 127.0.0.1: records every request, answers what `respond` says (default 204). `respond` may
 * return a promise to hold the answer.
 */
export async function startReceiver(
  respond: (r: ReceivedRequest, index: number) => number | Promise<number> = () => 204,
  port = 0,
): Promise<{ url: string; received: ReceivedRequest[]; server: Server; close(): Promise<void> }> {
  const received: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
      received.push(r);
      Promise.resolve(respond(r, received.length - 1)).then(
        (status) => {
          res.statusCode = status;
          res.end();
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/hook`,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Empties the webhook tables (resetDatabase of test/core/fixtures.ts leaves them). */
export async function resetWebhooks(db: Database): Promise<void> {
  await db.exec("TRUNCATE webhook_deliveries, webhook_events, webhook_subscriptions RESTART IDENTITY CASCADE");
}

export async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };

export type { WebhookEventType };
