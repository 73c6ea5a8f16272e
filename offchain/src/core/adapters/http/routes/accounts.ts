import type { FastifyInstance } from "fastify";
import type { Address, Hex } from "viem";
import { z } from "zod";

import type { Balance } from "../../db/balanceRepository.ts";
import type { ListGuarantees } from "../../db/guaranteeRepository.ts";
import { addressSchema } from "../../../issuance/requestSchema.ts";
import { balancesSchema, guaranteePageSchema } from "../apiSchemas.ts";
import { requireOwner, type SessionLookup } from "../auth.ts";
import { cursorParam, decodeCursor, encodeCursor, HEX32_KEY, MICROS_KEY } from "../cursor.ts";
import { balanceJson, guaranteeJson } from "../wire.ts";
import { errorResponses, parseOrThrow } from "./guarantees.ts";
import { useZodSchemas } from "../zodSchemas.ts";

export interface AccountRoutesDeps {
  lookupSession: SessionLookup;
  listByRecipient: ListGuarantees;
  listByUser: ListGuarantees;
  balances: (who: Address) => Promise<Balance[]>;
}

const addrParam = z.strictObject({ addr: addressSchema });

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100).describe("page size (1 to 500)"),
  cursor: cursorParam,
});

const bearer = [{ siwe: [] }];

/** Reads scoped to the SIWE-signed-in owner of the address (another address: 403). */
export function accountRoutes(app: FastifyInstance, deps: AccountRoutesDeps): void {
  useZodSchemas(app);
  for (const [path, list, who] of [
    ["/core/recipients/:addr/guarantees", deps.listByRecipient, "a recipient"],
    ["/core/payers/:addr/guarantees", deps.listByUser, "a payer"],
  ] as const) {
    app.get(
      path,
      {
        schema: {
          summary: `Guarantees of ${who}, newest first, paged by cursor (owner only)`,
          security: bearer,
          params: addrParam,
          querystring: pageQuery,
          response: { 200: guaranteePageSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { addr } = parseOrThrow(addrParam, request.params, "address");
        await requireOwner(request, deps.lookupSession, addr);
        const { limit, cursor } = parseOrThrow(pageQuery, request.query, "query");
        const after = cursor
          ? (([micros, id]) => ({ createdAtMicros: BigInt(micros!), guaranteeId: id as Hex }))(
              decodeCursor("guarantees", cursor, 2, [MICROS_KEY, HEX32_KEY]),
            )
          : undefined;
        const page = await list(addr, limit, after);
        return {
          guarantees: page.guarantees.map(guaranteeJson),
          next: page.last
            ? encodeCursor("guarantees", [page.last.createdAtMicros.toString(), page.last.guaranteeId])
            : null,
        };
      },
    );
  }

  app.get(
    "/core/payers/:addr/collateral",
    {
      schema: {
        summary: "Collateral per asset of a payer (owner only)",
        security: bearer,
        params: addrParam,
        response: { 200: balancesSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { addr } = parseOrThrow(addrParam, request.params, "address");
      await requireOwner(request, deps.lookupSession, addr);
      return { user: addr, balances: (await deps.balances(addr)).map(balanceJson) };
    },
  );
}
