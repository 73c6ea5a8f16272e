import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import type { Hex } from "viem";
import { z } from "zod";

import { FourMicaError } from "../../../../protocol/errors.ts";
import type { StoredGuarantee } from "../../../issuance/guaranteeStore.ts";
import type { IssueGuarantee } from "../../../issuance/issueGuarantee.ts";
import { issueGuaranteeBodySchema, parseIssueGuaranteeBody } from "../../../issuance/requestSchema.ts";
import { certificateSchema, errorSchema, guaranteeSchema } from "../apiSchemas.ts";
import { errorBodyOf, toFourMicaError, type ErrorBody } from "../errorBody.ts";
import { errorStatus } from "../errorStatus.ts";
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

/** Most guarantees in one `POST /core/guarantees/batch` (docs/core-api.md, "Batched issuance"). */
export const MAX_ISSUE_BATCH = 64;

/** Body limit of a batch: 64 items of at most 4 KiB each (an ERC-1271 signature is bounded by 4,096 bytes). */
const BATCH_BODY_LIMIT = 512 * 1024;

const issueBatchBodySchema = z.strictObject({
  guarantees: z
    .array(z.unknown())
    .min(1)
    .max(MAX_ISSUE_BATCH)
    .describe("each item a POST /core/guarantees body, answered on its own in `results` at the same index"),
});

const issueBatchItemSchema = z.union([
  z.strictObject({ status: z.literal([200, 201]), certificate: certificateSchema }),
  z.strictObject({ status: z.number().int().min(400).max(599), error: errorSchema.shape.error }),
]);

const issueBatchAnswerSchema = z.object({ results: z.array(issueBatchItemSchema) });

type BatchItemResult =
  | { status: 200 | 201; certificate: ReturnType<typeof certificateJson> }
  | { status: number; error: ErrorBody["error"] };

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
      const { certificate, created } = await issueBody(deps, request.body);
      return reply.status(created ? 201 : 200).send(certificateJson(certificate));
    },
  );

  /**
   * Several issuances in one HTTP request, for a facilitator that has more than one waiting (its Core client
   * batches only then). Each item is exactly a `POST /core/guarantees` body and is answered on its own: the same
   * checks, codes and idempotency, its status in `results[i].status`; one refused item changes nothing for the
   * others. The items run concurrently, so that they share the database's group commit. A body that is not a
   * list of 1..64 items is refused as a whole (400 INVALID_INPUT) and issues nothing.
   */
  app.post(
    "/core/guarantees/batch",
    {
      bodyLimit: BATCH_BODY_LIMIT,
      schema: {
        summary: `Issue up to ${MAX_ISSUE_BATCH} guarantees, each answered on its own (as POST /core/guarantees)`,
        body: issueBatchBodySchema,
        response: { 200: issueBatchAnswerSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { guarantees } = parseOrThrow(issueBatchBodySchema, request.body, "guarantee batch");
      const results = await Promise.all(guarantees.map((item) => issueOne(deps, item, request.log)));
      return { results };
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

/** Parses a `POST /core/guarantees` body and issues it, counting the outcome; throws what the issuance refuses. */
async function issueBody(deps: GuaranteeRoutesDeps, body: unknown) {
  const started = process.hrtime.bigint();
  let outcome = "INTERNAL";
  try {
    const parsed = parseIssueGuaranteeBody(body);
    if (!parsed.success) throw invalidInput(parsed.error, body, "guarantee request");
    const result = await deps.issue(parsed.data.request, parsed.data.signature);
    outcome = result.created ? "ISSUED" : "IDEMPOTENT";
    return result;
  } catch (e) {
    outcome = e instanceof FourMicaError ? e.code : "INTERNAL";
    throw e;
  } finally {
    deps.metrics.issuance.inc({ outcome });
    deps.metrics.issuanceSeconds.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

/** One item of a batch: the single route's issuance, with its refusal as data (the single route's error body). */
async function issueOne(deps: GuaranteeRoutesDeps, body: unknown, log: FastifyBaseLogger): Promise<BatchItemResult> {
  try {
    const { certificate, created } = await issueBody(deps, body);
    return { status: created ? 201 : 200, certificate: certificateJson(certificate) };
  } catch (e) {
    const err = toFourMicaError(e);
    const status = errorStatus(err.code);
    if (status >= 500) log.error({ err: e, code: err.code }, "batch item failed");
    return { status, error: errorBodyOf(err).error };
  }
}
