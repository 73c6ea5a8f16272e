import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from "fastify";
import { jsonSchemaTransform } from "fastify-type-provider-zod";

import { FourMicaError } from "../../../protocol/errors.ts";
import type { LimitsConfig } from "../../config.ts";
import { healthSchema, looseObjectSchema } from "./apiSchemas.ts";
import { requireAdmin } from "./auth.ts";
import { sendError } from "./errorBody.ts";
import type { Metrics } from "./metrics.ts";
import { accountRoutes, type AccountRoutesDeps } from "./routes/accounts.ts";
import { authRoutes, type AuthRoutesDeps } from "./routes/auth.ts";
import { operatorControlRoutes, type OperatorControlRoutesDeps } from "./routes/operatorControls.ts";
import { dashboardRoutes, type DashboardRoutesDeps } from "./routes/dashboard.ts";
import { errorResponses, guaranteeRoutes, MAX_ISSUE_BATCH, type GuaranteeRoutesDeps } from "./routes/guarantees.ts";
import { cycleRoutes, type CycleRoutesDeps } from "./cycleRoutes.ts";
import { lifecycleRoutes, type LifecycleRoutesDeps } from "./lifecycleRoutes.ts";
import { webhookRoutes, type WebhookAdmin } from "./routes/webhooks.ts";
import { settlementRoutes, type SettlementRoutesDeps } from "./routes/settlements.ts";
import { useZodSchemas } from "./zodSchemas.ts";

export interface HttpDeps
  extends GuaranteeRoutesDeps, AccountRoutesDeps, AuthRoutesDeps, LifecycleRoutesDeps, OperatorControlRoutesDeps {
  logger: FastifyBaseLogger;
  metrics: Metrics;
  publicParams: Record<string, unknown>;
  tokens: Record<string, unknown>;
  health: () => Promise<{ ok: boolean; details: Record<string, unknown> }>;
  /** The cycle API (`/core/cycles...`); absent without a ClearingHouse. */
  cycles?: CycleRoutesDeps;
  /** Settlements from collateral (`/core/cycles/:cycleId/:asset/settlements`); absent without a ClearingHouse. */
  settlements?: SettlementRoutesDeps;
  /** FOURMICA_ADMIN_TOKEN: the bearer token of every `/core/admin/*` route (requireAdmin); absent: ADMIN_DISABLED. */
  adminToken?: string | undefined;
  /** What `GET /core/admin/status` reports beside `{ admin: true }` (the operator's view; grows with the admin API). */
  adminStatus?: () => Promise<Record<string, unknown>>;
  /** The operator dashboard (GET /dashboard and /core/admin/dashboard/*); absent: not served. */
  dashboard?: Omit<DashboardRoutesDeps, "adminToken">;
  /** Webhook subscriptions (`/core/admin/webhooks...`); absent: those routes answer WEBHOOKS_DISABLED. */
  webhooks?: WebhookAdmin | undefined;
  /** Per-client rate limits; absent: none (tests that build the server by hand). */
  limits?: Pick<
    LimitsConfig,
    "rateLimitWindowMs" | "rateLimitMax" | "rateLimitIssueMax" | "rateLimitAuthMax" | "trustProxy"
  >;
}

/**
 * The key a client is counted under: its IPv4 address, or the /64 prefix of its IPv6 address (one host usually
 * holds a whole /64, so counting single IPv6 addresses would bound nothing).
 */
export function clientKey(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(":")) return ip;
  const [head = "", tail] = ip.toLowerCase().split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill("0"), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => g.padStart(4, "0"))
    .join(":")}::/64`;
}

/** Which limit a route counts against: issuance, batched issuance, SIWE, or everything else. */
function rateGroup(request: FastifyRequest): "issue" | "issueBatch" | "auth" | "read" {
  const url = request.routeOptions.url ?? "";
  if (url === "/core/guarantees" && request.method === "POST") return "issue";
  if (url === "/core/guarantees/batch" && request.method === "POST") return "issueBatch";
  if (url.startsWith("/core/auth/")) return "auth";
  return "read";
}

const ROUTES = new WeakMap<FastifyInstance, { method: string; url: string }[]>();

/** Every (method, url) the server registered (HEAD excluded), for comparing with the OpenAPI document. */
export function registeredRoutes(app: FastifyInstance): { method: string; url: string }[] {
  return [...(ROUTES.get(app) ?? [])];
}

/**
 * The Core HTTP API. Every error is `{error: {code, message, details?}}`; statuses come from errorStatus.ts.
 * Route schemas are zod: the handlers validate with them (parseOrThrow, so that errors keep that shape and name
 * each bad field) and @fastify/swagger turns the same schemas into GET /core/openapi.json.
 */
export function buildHttpServer(deps: HttpDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 64 * 1024,
    onProtoPoisoning: "error",
    onConstructorPoisoning: "error",
    // Per-request lines would dominate the issuance hot path; metrics carry counts and latency instead.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    trustProxy: deps.limits?.trustProxy ?? false,
    // The router's own refusals (bad percent-encoding, over-long path parameters) in our error shape, not Fastify's.
    frameworkErrors: (error, request, reply) => sendError(request, reply, error),
  });

  // Validation is the handlers' (parseOrThrow); serialization is plain JSON. The zod schemas on the routes are
  // there for the OpenAPI document and are the same objects the handlers parse with.
  useZodSchemas(app);
  const routes: { method: string; url: string }[] = [];
  ROUTES.set(app, routes);
  app.addHook("onRoute", (r) => {
    for (const method of [r.method].flat()) if (method !== "HEAD") routes.push({ method, url: r.url });
  });
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new FourMicaError("NOT_FOUND", `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );

  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "4Mica Core API", version: "0.2.0" },
      components: {
        securitySchemes: {
          siwe: { type: "http", scheme: "bearer", description: "token from POST /core/auth/verify" },
          admin: { type: "http", scheme: "bearer", description: "FOURMICA_ADMIN_TOKEN (the /core/admin/* routes)" },
        },
      },
    },
    transform: jsonSchemaTransform,
  });

  const limits = deps.limits;
  if (limits) {
    const max = {
      issue: limits.rateLimitIssueMax,
      // A batch may carry MAX_ISSUE_BATCH guarantees: the batches a client may send per window carry at most as
      // many guarantees as its single issuances may.
      issueBatch: Math.max(1, Math.floor(limits.rateLimitIssueMax / MAX_ISSUE_BATCH)),
      auth: limits.rateLimitAuthMax,
      read: limits.rateLimitMax,
    };
    app.register(rateLimit, {
      global: true,
      timeWindow: limits.rateLimitWindowMs,
      max: (request) => max[rateGroup(request)],
      keyGenerator: (request) => `${rateGroup(request)}|${clientKey(request.ip)}`,
      errorResponseBuilder: (_request, context) =>
        new FourMicaError("RATE_LIMITED", `rate limit of ${context.max} requests per ${context.after} exceeded`, {
          details: { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
        }),
    });
  }

  app.register(async (api) => {
    guaranteeRoutes(api, deps);
    lifecycleRoutes(api, deps);
    accountRoutes(api, { ...deps });
    authRoutes(api, { ...deps, clientOf: clientKey });
    if (deps.cycles) cycleRoutes(api, deps.cycles);
    if (deps.settlements) settlementRoutes(api, deps.settlements);
    operatorControlRoutes(api, deps);
    if (deps.dashboard) dashboardRoutes(api, { ...deps.dashboard, adminToken: deps.adminToken });
    webhookRoutes(api, { adminToken: deps.adminToken, webhooks: deps.webhooks });

    const ok = (summary: string) => ({ schema: { summary, response: { 200: looseObjectSchema, ...errorResponses } } });
    api.get(
      "/core/public-params",
      ok("Keys, domains, addresses, versions, registries, schedule"),
      async () => deps.publicParams,
    );
    api.get("/core/tokens", ok("Settlement assets"), async () => deps.tokens);
    api.get(
      "/core/health",
      { schema: { summary: "Liveness and database", response: { 200: healthSchema, 503: healthSchema } } },
      async (_request, reply) => {
        const h = await deps.health();
        return reply.status(h.ok ? 200 : 503).send({ status: h.ok ? "ok" : "unavailable", ...h.details });
      },
    );
    api.get("/metrics", { schema: { summary: "Prometheus metrics (text exposition)" } }, async (_request, reply) =>
      reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
    );
    api.get(
      "/core/admin/status",
      {
        schema: {
          summary: "Operator status (admin token)",
          security: [{ admin: [] }],
          response: { 200: looseObjectSchema, ...errorResponses },
        },
      },
      async (request) => {
        requireAdmin(request, deps.adminToken);
        return { admin: true, ...(await deps.adminStatus?.()) };
      },
    );
    api.get("/core/openapi.json", ok("This document: OpenAPI 3.1, generated from the route schemas"), async () =>
      app.swagger(),
    );
  });
  return app;
}
