import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import { z } from "zod";

import type { Balance } from "../../db/balanceRepository.ts";
import type { StoredGuarantee } from "../../../issuance/guaranteeStore.ts";
import { requireOwner, type SessionLookup } from "../auth.ts";
import { balanceJson, guaranteeJson } from "../wire.ts";
import { parseOrThrow } from "./guarantees.ts";

export interface AccountRoutesDeps {
  lookupSession: SessionLookup;
  listByRecipient: (who: Address, limit: number, before?: Date) => Promise<StoredGuarantee[]>;
  listByUser: (who: Address, limit: number, before?: Date) => Promise<StoredGuarantee[]>;
  balances: (who: Address) => Promise<Balance[]>;
}

const addrParam = z.strictObject({
  addr: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 20-byte 0x-hex address")
    .transform((s) => s.toLowerCase() as Address),
});

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.iso
    .datetime()
    .transform((s) => new Date(s))
    .optional(),
});

/** Reads scoped to the SIWE-signed-in owner of the address (another address: 403). */
export function accountRoutes(app: FastifyInstance, deps: AccountRoutesDeps): void {
  for (const [path, list] of [
    ["/core/recipients/:addr/guarantees", deps.listByRecipient],
    ["/core/payers/:addr/guarantees", deps.listByUser],
  ] as const) {
    app.get(path, async (request) => {
      const { addr } = parseOrThrow(addrParam, request.params, "address");
      await requireOwner(request, deps.lookupSession, addr);
      const { limit, before } = parseOrThrow(pageQuery, request.query, "query");
      return { guarantees: (await list(addr, limit, before)).map(guaranteeJson) };
    });
  }

  app.get("/core/payers/:addr/collateral", async (request) => {
    const { addr } = parseOrThrow(addrParam, request.params, "address");
    await requireOwner(request, deps.lookupSession, addr);
    return { user: addr, balances: (await deps.balances(addr)).map(balanceJson) };
  });
}
