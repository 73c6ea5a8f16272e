import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

import { FourMicaError } from "../../protocol/errors.ts";

/**
 * Webhook signing secrets at rest: AES-256-GCM under FOURMICA_WEBHOOK_ENCRYPTION_KEY, bound to the subscription id
 * (additional authenticated data), so that a sealed secret copied onto another row does not open. Core must sign
 * with the secret, so it is encrypted, never hashed. Sealed form: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url).
 * Older keys (FOURMICA_WEBHOOK_PREVIOUS_KEYS) still open what they sealed until Core re-seals it under the current
 * key (docs/operations.md, "Rotating the webhook encryption key").
 */
export interface WebhookKeyring {
  current: Uint8Array;
  previous: readonly Uint8Array[];
}

export class WebhookSecretError extends FourMicaError {
  constructor(code: "WEBHOOK_KEY_UNKNOWN" | "WEBHOOK_SECRET_CORRUPT", message: string, keyId?: string) {
    super(code, message, { details: keyId ? { keyId } : undefined });
    this.name = "WebhookSecretError";
  }
}

/** A key's public name: the first 8 bytes of SHA-256 over a label and the key (never the key itself). */
export function webhookKeyId(key: Uint8Array): string {
  return createHash("sha256").update("4mica-webhook-key:").update(key).digest("hex").slice(0, 16);
}

export function sealSecret(keyring: WebhookKeyring, plaintext: string, subscriptionId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", keyring.current, iv);
  cipher.setAAD(Buffer.from(subscriptionId, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const b64 = (b: Buffer) => b.toString("base64url");
  return ["v1", webhookKeyId(keyring.current), b64(iv), b64(ciphertext), b64(cipher.getAuthTag())].join(".");
}

/** The key id a sealed secret names (which key must open it). */
export function sealedKeyId(sealed: string): string {
  return sealed.split(".")[1] ?? "";
}

export function openSecret(keyring: WebhookKeyring, sealed: string, subscriptionId: string): string {
  const parts = sealed.split(".");
  if (parts.length !== 5 || parts[0] !== "v1") {
    throw new WebhookSecretError("WEBHOOK_SECRET_CORRUPT", `sealed secret of ${subscriptionId} is not v1`);
  }
  const [, keyId, iv, ciphertext, tag] = parts as [string, string, string, string, string];
  const key = [keyring.current, ...keyring.previous].find((k) => webhookKeyId(k) === keyId);
  if (!key) {
    throw new WebhookSecretError(
      "WEBHOOK_KEY_UNKNOWN",
      `the secret of ${subscriptionId} is sealed under key ${keyId}, which is neither the current nor a previous key`,
      keyId,
    );
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(subscriptionId, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64url")), decipher.final()]).toString("utf8");
  } catch (e) {
    throw new WebhookSecretError(
      "WEBHOOK_SECRET_CORRUPT",
      `the secret of ${subscriptionId} does not authenticate`,
      keyId,
    );
  }
}

/** A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}
