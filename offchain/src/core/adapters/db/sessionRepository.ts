import { createHash, randomBytes } from "node:crypto";

import type { Address } from "viem";

import type { Queryable } from "./database.ts";

export function hashToken(token: string): string {
  return "0x" + createHash("sha256").update(token).digest("hex");
}

export interface NonceOptions {
  ttlSeconds: number;
  /** Who asks (the client key of the HTTP layer: its IP, an IPv6 /64). */
  client: string;
  /** Outstanding nonces kept per client: beyond it, that client's oldest are deleted. */
  maxPerClient: number;
}

/**
 * A fresh single-use SIWE nonce (alphanumeric, as EIP-4361 requires). Expired nonces are purged first; then the
 * client's nonces beyond its newest `maxPerClient` are deleted, so that a client can hold at most that many rows
 * whatever it sends (concurrent calls may exceed it until the last of them trims).
 */
export async function createNonce(q: Queryable, options: NonceOptions): Promise<{ nonce: string; expiresAt: Date }> {
  const nonce = randomBytes(16).toString("hex");
  const expiresAt = new Date(Date.now() + options.ttlSeconds * 1000);
  await q.query("DELETE FROM auth_nonces WHERE expires_at < now()");
  await q.query("INSERT INTO auth_nonces (nonce, expires_at, client) VALUES ($1, $2, $3)", [
    nonce,
    expiresAt.toISOString(),
    options.client,
  ]);
  await q.query(
    `DELETE FROM auth_nonces WHERE client = $1 AND nonce NOT IN (
       SELECT nonce FROM auth_nonces WHERE client = $1 ORDER BY created_at DESC, nonce LIMIT $2)`,
    [options.client, options.maxPerClient],
  );
  return { nonce, expiresAt };
}

/** Deletes the nonce; true only for the first caller and only before it expires. */
export async function consumeNonce(q: Queryable, nonce: string): Promise<boolean> {
  const r = await q.query("DELETE FROM auth_nonces WHERE nonce = $1 AND expires_at > now()", [nonce]);
  return r.rowCount === 1;
}

/** A bearer session; only the SHA-256 of the token is stored. Expired sessions are purged first. */
export async function createSession(
  q: Queryable,
  address: Address,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await q.query("DELETE FROM sessions WHERE expires_at < now()");
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
