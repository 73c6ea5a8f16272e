import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

import { FourMicaError } from "../../protocol/errors.ts";
import { webhookEventSchema, type WebhookEvent } from "../../protocol/webhookEvents.ts";

/** Stable codes of a refused webhook request (branch on these, never on the message). */
export const WebhookCode = {
  /** A header, the secret or the body is not what the scheme says (missing, not base64, not a 4Mica event). */
  MALFORMED: "WEBHOOK_MALFORMED",
  /** No `v1` signature in webhook-signature matches the HMAC of `id.timestamp.body` under the secret. */
  SIGNATURE_INVALID: "WEBHOOK_SIGNATURE_INVALID",
  /** webhook-timestamp is further from now than the tolerance (a replay, or a badly skewed clock). */
  TIMESTAMP_STALE: "WEBHOOK_TIMESTAMP_STALE",
} as const;
export type WebhookCode = (typeof WebhookCode)[keyof typeof WebhookCode];

export class WebhookVerificationError extends FourMicaError {
  constructor(code: WebhookCode, message: string, details?: Record<string, unknown>) {
    super(code, message, { details });
    this.name = "WebhookVerificationError";
  }
}

export interface VerifyWebhookOptions {
  /** How far webhook-timestamp may be from now, either way (default 300 s, the Standard Webhooks default). */
  toleranceSeconds?: number;
  /** Unix seconds (default: the wall clock). */
  now?: () => number;
}

/** Headers as Node (`IncomingMessage.headers`), fetch (`Headers`) or a plain object gives them. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string {
  let v: string | string[] | null | undefined;
  if (typeof (headers as Headers).get === "function") v = (headers as Headers).get(name);
  else {
    const entry = Object.entries(headers).find(([k]) => k.toLowerCase() === name);
    v = entry?.[1];
  }
  if (Array.isArray(v)) v = v.length === 1 ? v[0] : undefined;
  if (typeof v !== "string" || v === "") {
    throw new WebhookVerificationError(WebhookCode.MALFORMED, `missing or repeated header ${name}`, { header: name });
  }
  return v;
}

function base64ToBytes(s: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(s) || s.length % 4 !== 0) return undefined;
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function bytesToBase64(b: Uint8Array): string {
  let bin = "";
  for (const x of b) bin += String.fromCharCode(x);
  return btoa(bin);
}

/** Compares two strings in time independent of where they differ. */
function equalConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Verifies a webhook request from 4Mica Core (the Standard Webhooks scheme: HMAC-SHA256 over
 * `webhook-id.webhook-timestamp.body` under the subscription's `whsec_` secret, base64, `v1,` prefixed) and returns
 * the typed event. Pass the body exactly as received (bytes or the undecoded string): re-serialized JSON would not
 * verify. Throws WebhookVerificationError: WEBHOOK_MALFORMED, WEBHOOK_TIMESTAMP_STALE or WEBHOOK_SIGNATURE_INVALID.
 * Core delivers at least once: deduplicate on `event.id` (the webhook-id header).
 */
export function verifyWebhook(
  secret: string,
  headers: WebhookHeaders,
  rawBody: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): WebhookEvent {
  const key = base64ToBytes(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret);
  if (!key || key.length === 0)
    throw new WebhookVerificationError(WebhookCode.MALFORMED, "the secret is not whsec_<base64>");
  const id = header(headers, "webhook-id");
  const timestamp = header(headers, "webhook-timestamp");
  const signatures = header(headers, "webhook-signature");
  if (!/^[0-9]{1,12}$/.test(timestamp)) {
    throw new WebhookVerificationError(WebhookCode.MALFORMED, `webhook-timestamp ${timestamp} is not unix seconds`);
  }
  const tolerance = options.toleranceSeconds ?? 300;
  const now = options.now?.() ?? Math.floor(Date.now() / 1000);
  const skew = now - Number(timestamp);
  if (Math.abs(skew) > tolerance) {
    throw new WebhookVerificationError(
      WebhookCode.TIMESTAMP_STALE,
      `webhook-timestamp ${timestamp} is ${Math.abs(skew)} s ${skew > 0 ? "old" : "ahead"}, over the ${tolerance} s tolerance`,
      { timestamp: Number(timestamp), now, toleranceSeconds: tolerance },
    );
  }

  const body = typeof rawBody === "string" ? new TextEncoder().encode(rawBody) : rawBody;
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  const expected = bytesToBase64(hmac(sha256, key, signed));
  const matches = signatures
    .split(" ")
    .map((s) => s.split(","))
    .some(([version, sig]) => version === "v1" && sig !== undefined && equalConstantTime(sig, expected));
  if (!matches) {
    throw new WebhookVerificationError(WebhookCode.SIGNATURE_INVALID, "no webhook-signature matches the body", { id });
  }

  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch {
    throw new WebhookVerificationError(WebhookCode.MALFORMED, "the body is not UTF-8 JSON", { id });
  }
  const event = webhookEventSchema.safeParse(json);
  if (!event.success) {
    throw new WebhookVerificationError(WebhookCode.MALFORMED, "the body is not a 4Mica webhook event", {
      id,
      issues: event.error.issues.slice(0, 5).map((i) => `${i.path.join(".")}: ${i.message}`),
    });
  }
  if (event.data.id !== id) {
    throw new WebhookVerificationError(WebhookCode.MALFORMED, `the body's id ${event.data.id} is not webhook-id ${id}`);
  }
  return event.data;
}
