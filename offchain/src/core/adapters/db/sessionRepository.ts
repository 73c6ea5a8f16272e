import { createHash, randomBytes } from "node:crypto";

import type { Address } from "viem";

import type { Queryable } from "./database.ts";

export function hashToken(token: string): string {
  return "0x" + createHash("sha256").update(token).digest("hex");
}

/** A fresh single-use SIWE nonce (alphanumeric, as EIP-4361 requires). */
export async function createNonce(q: Queryable, ttlSeconds: number): Promise<{ nonce: string; expiresAt: Date }> {
  const nonce = randomBytes(16).toString("hex");
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await q.query("DELETE FROM auth_nonces WHERE expires_at < now()");
  await q.query("INSERT INTO auth_nonces (nonce, expires_at) VALUES ($1, $2)", [nonce, expiresAt.toISOString()]);
  return { nonce, expiresAt };
}

/** Deletes the nonce; true only for the first caller and only before it expires. */
export async function consumeNonce(q: Queryable, nonce: string): Promise<boolean> {
  const r = await q.query("DELETE FROM auth_nonces WHERE nonce = $1 AND expires_at > now()", [nonce]);
  return r.rowCount === 1;
}

/** A bearer session; only the SHA-256 of the token is stored. */
export async function createSession(
  q: Queryable,
  address: Address,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await q.query("INSERT INTO sessions (token_hash, address, expires_at) VALUES ($1, $2, $3)", [
    hashToken(token),
    address.toLowerCase(),
    expiresAt.toISOString(),
  ]);
  return { token, expiresAt };
}

export async function findSession(q: Queryable, token: string): Promise<Address | undefined> {
  const { rows } = await q.query<{ address: string }>(
    "SELECT address FROM sessions WHERE token_hash = $1 AND expires_at > now()",
    [hashToken(token)],
  );
  return rows[0]?.address as Address | undefined;
}
