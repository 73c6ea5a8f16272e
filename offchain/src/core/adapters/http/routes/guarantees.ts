import type { FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { z } from "zod";

import { FourMicaError, InvalidInputError } from "../../../../protocol/errors.ts";
import type { StoredGuarantee } from "../../../issuance/guaranteeStore.ts";
import type { IssueGuarantee } from "../../../issuance/issueGuarantee.ts";
import { issueGuaranteeBodySchema } from "../../../issuance/requestSchema.ts";
import type { Metrics } from "../metrics.ts";
import { certificateJson, guaranteeJson } from "../wire.ts";

export interface GuaranteeRoutesDeps {
  issue: IssueGuarantee;
  getGuarantee: (id: Hex) => Promise<StoredGuarantee | undefined>;
  metrics: Metrics;
}

export const guaranteeIdParam = z.strictObject({
  id: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "guarantee id must be 32 bytes of 0x-hex")
    .transform((s) => s.toLowerCase() as Hex),
});

/** zod issues -> INVALID_INPUT with the failing paths, never the raw input. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new InvalidInputError(`invalid ${what}`, {
    issues: r.error.issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
  });
}

export function guaranteeRoutes(app: FastifyInstance, deps: GuaranteeRoutesDeps): void {
  app.post("/core/guarantees", async (request, reply) => {
    const started = process.hrtime.bigint();
    let outcome = "INTERNAL";
    try {
      const body = parseOrThrow(issueGuaranteeBodySchema, request.body, "guarantee request");
      const { certificate, created } = await deps.issue(body.request, body.signature);
      outcome = created ? "ISSUED" : "IDEMPOTENT";
      return reply.status(created ? 201 : 200).send(certificateJson(certificate));
    } catch (e) {
      outcome = e instanceof FourMicaError ? e.code : "INTERNAL";
      throw e;
    } finally {
      deps.metrics.issuance.inc({ outcome });
      deps.metrics.issuanceSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  });

  /**
   * Public by id. The certificate is not a bearer instrument: every on-chain remuneration also checks the payer's own
   * signature (not returned here) and always pays the recipient named in it, so reading it moves nothing.
   */
  app.get("/core/guarantees/:id", async (request) => {
    const { id } = parseOrThrow(guaranteeIdParam, request.params, "guarantee id");
    const g = await deps.getGuarantee(id);
    if (!g) throw new FourMicaError("GUARANTEE_NOT_FOUND", `no guarantee ${id}`, { details: { guaranteeId: id } });
    return guaranteeJson(g);
  });
}
