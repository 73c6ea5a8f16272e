import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

import { FourMicaError } from "../../../protocol/errors.ts";
import { errorStatus } from "./errorStatus.ts";

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

/** Fastify's own client errors (body parsing, media type, size) mapped to our stable codes. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "UNSUPPORTED_MEDIA_TYPE",
  FST_ERR_CTP_BODY_TOO_LARGE: "PAYLOAD_TOO_LARGE",
  FST_ERR_CTP_EMPTY_JSON_BODY: "INVALID_JSON",
  FST_ERR_CTP_INVALID_JSON_BODY: "INVALID_JSON",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "INVALID_INPUT",
  // Router refusals before any route runs (frameworkErrors in server.ts): a path that is not valid percent-encoding,
  // a path parameter over the router's length limit. Found by the HTTP fuzzer (test/adversarial/httpFuzz.test.ts).
  FST_ERR_BAD_URL: "INVALID_INPUT",
  FST_ERR_MAX_PARAM_LENGTH: "INVALID_INPUT",
};

/** Turns anything thrown into a FourMicaError with a stable code. Unknown failures become INTERNAL. */
export function toFourMicaError(e: unknown): FourMicaError {
  if (e instanceof FourMicaError) return e;
  const fe = e as Partial<FastifyError> & { message?: string };
  if (typeof fe?.code === "string" && FASTIFY_CODES[fe.code]) {
    return new FourMicaError(FASTIFY_CODES[fe.code]!, fe.message ?? "bad request", { cause: e });
  }
  // JSON.parse errors and prototype-poisoning rejections carry a 4xx status from fastify.
  if (typeof fe?.statusCode === "number" && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code = e instanceof SyntaxError || /JSON|proto/i.test(fe.message ?? "") ? "INVALID_JSON" : "INVALID_INPUT";
    return new FourMicaError(code, fe.message ?? "bad request", { cause: e });
  }
  return new FourMicaError("INTERNAL", "internal error", { cause: e });
}

/** The error body of `err` (its details only when it has some). */
export function errorBodyOf(err: FourMicaError): ErrorBody {
  const body: ErrorBody = { error: { code: err.code, message: err.message } };
  if (err.details !== undefined) body.error.details = err.details;
  return body;
}

export function sendError(request: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply {
  const err = toFourMicaError(e);
  const status = errorStatus(err.code);
  if (status >= 500) request.log.error({ err: e, code: err.code }, "request failed");
  return reply.status(status).type("application/json").send(errorBodyOf(err));
}
