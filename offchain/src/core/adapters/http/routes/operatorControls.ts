import type { FastifyInstance } from "fastify";
import { z } from "zod";

import type { IssuancePause } from "../../../services/issuancePause.ts";
import { requireAdmin } from "../auth.ts";
import { errorResponses, parseOrThrow } from "./guarantees.ts";
import { useZodSchemas } from "../zodSchemas.ts";

export interface OperatorControlRoutesDeps {
  adminToken?: string | undefined;
  /** The issuance switch; absent (servers built by hand in tests): the routes are not registered. */
  issuancePause?: IssuancePause;
}

const bodySchema = z
  .strictObject({ reason: z.string().max(500).default("").describe("why (kept in operator_control_events)") })
  .default({ reason: "" });

const controlSchema = z.object({
  paused: z.boolean(),
  reason: z.string(),
  changedAt: z.string().describe("ISO 8601"),
});
const answerSchema = z.object({
  issuance: controlSchema,
  changed: z.boolean().describe("false when the switch already was in that state"),
});

/**
 * The operator's issuance switch (incident response, docs/operations.md): pause stops every Core process on the
 * database from certifying anything new (503 ISSUANCE_PAUSED; at once here, within the poll interval elsewhere);
 * resume lifts it. Reads, lifecycle, sync and settlement keep running. Admin token only.
 */
export function operatorControlRoutes(app: FastifyInstance, deps: OperatorControlRoutesDeps): void {
  const pause = deps.issuancePause;
  if (!pause) return;
  useZodSchemas(app);
  for (const [path, paused] of [
    ["/core/admin/issuance/pause", true],
    ["/core/admin/issuance/resume", false],
  ] as const) {
    app.post(
      path,
      {
        schema: {
          summary: paused ? "Pause issuance (admin token)" : "Resume issuance (admin token)",
          security: [{ admin: [] }],
          body: bodySchema,
          response: { 200: answerSchema, ...errorResponses },
        },
      },
      async (request) => {
        requireAdmin(request, deps.adminToken);
        const { reason } = parseOrThrow(bodySchema, request.body ?? {}, "body");
        const r = paused ? await pause.pause(reason) : await pause.resume(reason);
        const { control: _name, ...issuance } = r.control;
        request.log.warn(
          { issuance, changed: r.changed },
          paused ? "issuance pause requested" : "issuance resume requested",
        );
        return { issuance, changed: r.changed };
      },
    );
  }
}
