import type { FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { z } from "zod";

import type { Lifecycle } from "../../lifecycle/createLifecycle.ts";
import { lifecycleResultSchema } from "./apiSchemas.ts";
import { errorResponses, guaranteeIdParam, parseOrThrow } from "./routes/guarantees.ts";
import { useZodSchemas } from "./zodSchemas.ts";

export interface LifecycleRoutesDeps {
  lifecycle: Pick<Lifecycle, "dispute" | "cancel">;
}

const actionBody = z.strictObject({
  signature: z
    .string()
    .max(2 + 2 * 4096)
    .regex(/^0x([0-9a-fA-F]{2})+$/, "signature must be 0x-hex bytes")
    .transform((s) => s.toLowerCase() as Hex),
  scheme: z.enum(["eip712", "eip191"]).default("eip712"),
});

const SUMMARY = {
  dispute: "Dispute a V2 guarantee (payer-signed): PENDING_VALIDATION -> DISPUTED",
  cancel: "Cancel a guarantee (recipient-signed): PENDING_VALIDATION | FINALIZED_PAYABLE -> CANCELLED",
} as const;

/**
 * POST /core/guarantees/:id/dispute (payer-signed) and POST /core/guarantees/:id/cancel (recipient-signed; the lock
 * stays until the release rule allows it, core/lifecycle/lockReleasable.ts).
 * Body `{signature, scheme?: "eip712" | "eip191"}` over the message of core/lifecycle/lifecycleMessages.ts.
 * Both answer `{guaranteeId, status}`; a retry of an applied action answers the same.
 */
export function lifecycleRoutes(app: FastifyInstance, deps: LifecycleRoutesDeps): void {
  useZodSchemas(app);
  for (const action of ["dispute", "cancel"] as const) {
    app.post(
      `/core/guarantees/:id/${action}`,
      {
        schema: {
          summary: SUMMARY[action],
          params: guaranteeIdParam,
          body: actionBody,
          response: { 200: lifecycleResultSchema, ...errorResponses },
        },
      },
      async (request) => {
        const { id } = parseOrThrow(guaranteeIdParam, request.params, "guarantee id");
        const body = parseOrThrow(actionBody, request.body ?? {}, `${action} request`);
        const g = await deps.lifecycle[action](id, body.signature, body.scheme);
        return { guaranteeId: g.guaranteeId, status: g.status };
      },
    );
  }
}
