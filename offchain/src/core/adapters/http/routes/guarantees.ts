import type { FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { z } from "zod";

import { FourMicaError } from "../../../../protocol/errors.ts";
import type { StoredGuarantee } from "../../../issuance/guaranteeStore.ts";
import type { IssueGuarantee } from "../../../issuance/issueGuarantee.ts";
import { issueGuaranteeBodySchema, parseIssueGuaranteeBody } from "../../../issuance/requestSchema.ts";
import { certificateSchema, errorSchema, guaranteeSchema } from "../apiSchemas.ts";
import { invalidInput, parseOrThrow } from "../fieldIssues.ts";
import type { Metrics } from "../metrics.ts";
import { certificateJson, guaranteeJson } from "../wire.ts";
import { useZodSchemas } from "../zodSchemas.ts";

export { parseOrThrow };

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

/** 4XX and 5XX answers of every route: the error body. */
export const errorResponses = { "4XX": errorSchema, "5XX": errorSchema } as const;

export function guaranteeRoutes(app: FastifyInstance, deps: GuaranteeRoutesDeps): void {
  useZodSchemas(app);
  app.post(
    "/core/guarantees",
    {
      schema: {
        summary: "Issue a guarantee: verify, lock collateral, return the BLS certificate (idempotent by id)",
        body: issueGuaranteeBodySchema,
        response: { 201: certificateSchema, 200: certificateSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const started = process.hrtime.bigint();
      let outcome = "INTERNAL";
      try {
        const parsed = parseIssueGuaranteeBody(request.body);
        if (!parsed.success) throw invalidInput(parsed.error, request.body, "guarantee request");
        const { certificate, created } = await deps.issue(parsed.data.request, parsed.data.signature);
        outcome = created ? "ISSUED" : "IDEMPOTENT";
        return reply.status(created ? 201 : 200).send(certificateJson(certificate));
      } catch (e) {
        outcome = e instanceof FourMicaError ? e.code : "INTERNAL";
        throw e;
      } finally {
        deps.metrics.issuance.inc({ outcome });
        deps.metrics.issuanceSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
      }
    },
  );

  /**
   * Public by id. The certificate is not a bearer instrument: every on-chain remuneration also checks the payer's own
   * signature (not returned here) and always pays the recipient named in it, so reading it moves nothing.
   */
  app.get(
    "/core/guarantees/:id",
    {
      schema: {
        summary: "Status and certificate of a guarantee (public)",
        params: guaranteeIdParam,
        response: { 200: guaranteeSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = parseOrThrow(guaranteeIdParam, request.params, "guarantee id");
      const g = await deps.getGuarantee(id);
      if (!g) throw new FourMicaError("GUARANTEE_NOT_FOUND", `no guarantee ${id}`, { details: { guaranteeId: id } });
      return guaranteeJson(g);
    },
  );
}
