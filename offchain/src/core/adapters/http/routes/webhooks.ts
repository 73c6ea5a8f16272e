import type { FastifyInstance } from "fastify";
import { z } from "zod";

import { FourMicaError } from "../../../../protocol/errors.ts";
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from "../../../../protocol/webhookEvents.ts";
import type { DeliveryStatus, WebhookDelivery, WebhookSubscription } from "../../db/webhookRepository.ts";
import { requireAdmin } from "../auth.ts";
import { parseOrThrow } from "../fieldIssues.ts";
import { useZodSchemas } from "../zodSchemas.ts";
import { errorResponses } from "./guarantees.ts";

/** What the webhook routes need from Core: present when FOURMICA_WEBHOOK_ENCRYPTION_KEY is set. */
export interface WebhookAdmin {
  create(input: {
    url: string;
    eventTypes: WebhookEventType[];
    description?: string | undefined;
  }): Promise<{ subscription: WebhookSubscription; secret: string }>;
  list(): Promise<WebhookSubscription[]>;
  delete(id: string): Promise<void>;
  deliveries(filter: {
    status: DeliveryStatus;
    subscriptionId?: string | undefined;
    limit: number;
  }): Promise<WebhookDelivery[]>;
  redeliver(id: string): Promise<WebhookDelivery>;
}

export interface WebhookRoutesDeps {
  adminToken?: string | undefined;
  /** Absent: every route answers 403 WEBHOOKS_DISABLED (after the admin check). */
  webhooks?: WebhookAdmin | undefined;
}

const eventType = z.enum(WEBHOOK_EVENT_TYPES);
const subscriptionId = z.string().regex(/^wh_[0-9a-f]{32}$/, "subscription id is wh_ and 32 hex digits");

const createBody = z.strictObject({
  url: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), "the URL must not carry credentials (user:password@)")
    .describe("where Core POSTs the events: http or https"),
  eventTypes: z.array(eventType).min(1).max(WEBHOOK_EVENT_TYPES.length).describe("the event types to receive"),
  description: z.string().max(200).optional(),
});

const subscriptionSchema = z.object({
  id: subscriptionId,
  url: z.string(),
  eventTypes: z.array(eventType),
  description: z.string(),
  createdAt: z.string().describe("ISO 8601"),
  pending: z.number().int().describe("deliveries queued or being retried"),
  failed: z.number().int().describe("deliveries that ran out of attempts or age (redeliver them)"),
});

const createdSchema = subscriptionSchema.extend({
  secret: z.string().describe("the signing secret (whsec_...): shown once, never again"),
});

const deliverySchema = z.object({
  id: z.string().regex(/^[0-9]+$/),
  eventId: z.string(),
  eventType: z.string(),
  subscriptionId,
  url: z.string(),
  status: z.enum(["PENDING", "DELIVERED", "FAILED"]),
  attempts: z.number().int(),
  nextAttemptAt: z.string(),
  lastStatus: z.number().int().nullable().describe("HTTP status of the last attempt; null: no answer"),
  lastError: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  createdAt: z.string(),
});

const idParam = z.strictObject({ id: subscriptionId });
const deliveryParam = z.strictObject({ id: z.string().regex(/^[0-9]{1,18}$/, "delivery id is a decimal number") });
const deliveriesQuery = z.strictObject({
  status: z.enum(["PENDING", "DELIVERED", "FAILED"]).default("FAILED"),
  subscriptionId: subscriptionId.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const admin = [{ admin: [] }];

function subscriptionJson(s: WebhookSubscription) {
  return { ...s, createdAt: s.createdAt.toISOString() };
}

function deliveryJson(d: WebhookDelivery) {
  return {
    ...d,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    createdAt: d.createdAt.toISOString(),
  };
}

/**
 * The operator's webhook subscriptions (docs/core-api.md, "Webhooks"), behind the admin token: create (the secret
 * is answered once), list, delete; failed deliveries and their redelivery.
 */
export function webhookRoutes(app: FastifyInstance, deps: WebhookRoutesDeps): void {
  useZodSchemas(app);
  const enabled = (request: Parameters<typeof requireAdmin>[0]): WebhookAdmin => {
    requireAdmin(request, deps.adminToken);
    if (!deps.webhooks) {
      throw new FourMicaError("WEBHOOKS_DISABLED", "webhooks are off: set FOURMICA_WEBHOOK_ENCRYPTION_KEY");
    }
    return deps.webhooks;
  };

  app.post(
    "/core/admin/webhooks",
    {
      schema: {
        summary: "Subscribe a URL to event types; answers the signing secret once (admin token)",
        security: admin,
        body: createBody,
        response: { 201: createdSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const webhooks = enabled(request);
      const body = parseOrThrow(createBody, request.body, "webhook subscription");
      const { subscription, secret } = await webhooks.create(body);
      return reply.status(201).send({ ...subscriptionJson(subscription), secret });
    },
  );

  app.get(
    "/core/admin/webhooks",
    {
      schema: {
        summary: "Webhook subscriptions, with pending and failed delivery counts (admin token)",
        security: admin,
        response: { 200: z.object({ subscriptions: z.array(subscriptionSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ subscriptions: (await enabled(request).list()).map(subscriptionJson) }),
  );

  app.delete(
    "/core/admin/webhooks/:id",
    {
      schema: {
        summary: "Delete a subscription and its queued deliveries (admin token)",
        security: admin,
        params: idParam,
        response: { 200: z.object({ id: subscriptionId, deleted: z.literal(true) }), ...errorResponses },
      },
    },
    async (request) => {
      const webhooks = enabled(request);
      const { id } = parseOrThrow(idParam, request.params, "subscription id");
      await webhooks.delete(id);
      return { id, deleted: true as const };
    },
  );

  app.get(
    "/core/admin/webhooks/deliveries",
    {
      schema: {
        summary: "Deliveries by status, newest first: FAILED by default (admin token)",
        security: admin,
        querystring: deliveriesQuery,
        response: { 200: z.object({ deliveries: z.array(deliverySchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const webhooks = enabled(request);
      const filter = parseOrThrow(deliveriesQuery, request.query, "query");
      return { deliveries: (await webhooks.deliveries(filter)).map(deliveryJson) };
    },
  );

  app.post(
    "/core/admin/webhooks/deliveries/:id/redeliver",
    {
      schema: {
        summary: "Queue a failed (or delivered) delivery again, due now, with fresh attempts (admin token)",
        security: admin,
        params: deliveryParam,
        response: { 200: deliverySchema, ...errorResponses },
      },
    },
    async (request) => {
      const webhooks = enabled(request);
      const { id } = parseOrThrow(deliveryParam, request.params, "delivery id");
      return deliveryJson(await webhooks.redeliver(id));
    },
  );
}
