import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";

import { FourMicaError } from "../../../protocol/errors.ts";
import { sendError } from "./errorBody.ts";
import type { Metrics } from "./metrics.ts";
import { buildOpenApi } from "./openapi.ts";
import { accountRoutes, type AccountRoutesDeps } from "./routes/accounts.ts";
import { authRoutes, type AuthRoutesDeps } from "./routes/auth.ts";
import { guaranteeRoutes, type GuaranteeRoutesDeps } from "./routes/guarantees.ts";
import { cycleRoutes, type CycleRoutesDeps } from "./cycleRoutes.ts";
import { lifecycleRoutes, type LifecycleRoutesDeps } from "./lifecycleRoutes.ts";

export interface HttpDeps extends GuaranteeRoutesDeps, AccountRoutesDeps, AuthRoutesDeps, LifecycleRoutesDeps {
  logger: FastifyBaseLogger;
  metrics: Metrics;
  publicParams: Record<string, unknown>;
  tokens: Record<string, unknown>;
  health: () => Promise<{ ok: boolean; details: Record<string, unknown> }>;
  /** The cycle API (`/core/cycles...`); absent without a ClearingHouse. */
  cycles?: CycleRoutesDeps;
}

/** The Core HTTP API. Every error is `{error: {code, message, details?}}`; statuses come from errorStatus.ts. */
export function buildHttpServer(deps: HttpDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 64 * 1024,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // Per-request lines would dominate the issuance hot path; metrics carry counts and latency instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new FourMicaError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );

  guaranteeRoutes(app, deps);
  lifecycleRoutes(app, deps);
  accountRoutes(app, deps);
  authRoutes(app, deps);
  if (deps.cycles) cycleRoutes(app, deps.cycles);

  app.get("/core/public-params", async () => deps.publicParams);
  app.get("/core/tokens", async () => deps.tokens);
  app.get("/core/health", async (_request, reply) => {
    const h = await deps.health();
    return reply.status(h.ok ? 200 : 503).send({ status: h.ok ? "ok" : "unavailable", ...h.details });
  });
  app.get("/metrics", async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );
  const openapi = buildOpenApi();
  app.get("/core/openapi.json", async () => openapi);
  return app;
}
