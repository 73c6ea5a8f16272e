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
