import { createHash, timingSafeEqual } from "node:crypto";

import type { FastifyRequest } from "fastify";
import type { Address } from "viem";

import { FourMicaError } from "../../../protocol/errors.ts";

export type SessionLookup = (token: string) => Promise<Address | undefined>;

/** The signed-in address of a `Authorization: Bearer <token>` request, or UNAUTHENTICATED. */
export async function requireSession(request: FastifyRequest, lookup: SessionLookup): Promise<Address> {
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(header) : null;
  if (!match) throw new FourMicaError("UNAUTHENTICATED", "sign in with SIWE and send Authorization: Bearer <token>");
  const address = await lookup(match[1]!);
  if (!address) throw new FourMicaError("UNAUTHENTICATED", "session unknown or expired");
  return address;
}

/** Only the signed-in owner of `addr` may read it. */
export async function requireOwner(request: FastifyRequest, lookup: SessionLookup, addr: Address): Promise<void> {
  const who = await requireSession(request, lookup);
  if (who !== addr.toLowerCase()) {
    throw new FourMicaError("FORBIDDEN", `signed in as ${who}, not ${addr.toLowerCase()}`);
  }
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Only the operator may call `/core/admin/*`: `Authorization: Bearer <FOURMICA_ADMIN_TOKEN>`, compared in constant
 * time (over SHA-256 digests, so that the length leaks nothing either). No token configured: ADMIN_DISABLED (403);
 * a missing or wrong token: ADMIN_UNAUTHENTICATED (401).
 */
export function requireAdmin(request: FastifyRequest, adminToken: string | undefined): void {
  if (!adminToken) throw new FourMicaError("ADMIN_DISABLED", "the admin API is off: set FOURMICA_ADMIN_TOKEN");
  const header = request.headers.authorization;
  const match = typeof header === "string" ? /^Bearer (\S{1,512})$/.exec(header) : null;
  if (!match || !timingSafeEqual(digest(match[1]!), digest(adminToken))) {
    throw new FourMicaError("ADMIN_UNAUTHENTICATED", "send Authorization: Bearer <FOURMICA_ADMIN_TOKEN>");
  }
}
