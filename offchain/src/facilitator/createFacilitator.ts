import { x402Facilitator } from "@x402/core/facilitator";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { getAddress, isAddress, zeroAddress, type Address } from "viem";
import { z } from "zod";

import { loadBlsBackend } from "../protocol/bls/index.ts";
import type { BlsVerifier } from "../protocol/certificate/verifyCertificate.ts";
import { cycleAt, deadlinesOf, segmentsOf, type ScheduleSegment } from "../protocol/cycles/cycleSchedule.ts";
import { loadSecp256k1Recovery, type Secp256k1Recovery } from "../protocol/secp256k1/index.ts";
import { randomReqId } from "../x402/randomReqId.ts";
import {
  createCoreClient,
  DEFAULT_ISSUE_BATCHING,
  httpTransport,
  type ClosableCoreTransport,
  type CoreClient,
  type CorePublicParams,
  type CoreTransport,
} from "../x402/facilitator/coreClient.ts";
import { CreditFacilitatorScheme, type CreditFacilitatorParams } from "../x402/facilitator/creditFacilitatorScheme.ts";
import { CreditReason, reasonStatus } from "../x402/reasons.ts";
import { creditNetwork } from "../x402/scheme.ts";
import type { FacilitatorConfig } from "./config.ts";

export interface FacilitatorDeps {
  /** Core's API; defaults to HTTP against config.coreUrl. */
  core?: CoreClient;
  logger?: Logger;
  bls?: BlsVerifier;
  recovery?: Secp256k1Recovery;
  /** Unix seconds; defaults to the wall clock. */
  now?: () => bigint;
  /** How long a read of the ClearingHouse's schedule (through Core) is reused; default a minute, as Core caches it. */
  scheduleTtlMs?: number;
  /** Milliseconds for the schedule cache; defaults to Date.now. */
  clockMs?: () => number;
}

export interface Facilitator {
  /** Adds `GET /supported`, `POST /verify`, `POST /settle`, `POST /tabs`, `GET /health` to a Fastify app. */
  routes(app: FastifyInstance): void;
  /** Reads Core's public params once (retried on the next request after a failure) and registers the scheme. */
  ready(): Promise<CorePublicParams>;
  /** Serves the routes on their own Fastify app; returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** A Core transport over Fastify's `inject`: the facilitator mounted in Core's process still speaks Core's HTTP API. */
export function injectTransport(app: FastifyInstance): CoreTransport {
  return async (method, url, body, headers) => {
    const res = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }), headers });
    let parsed: unknown;
    try {
      parsed = res.body ? res.json() : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, body: parsed };
  };
}

const envelopeBody = z.looseObject({
  x402Version: z.number().int().optional(),
  paymentPayload: z.looseObject({ x402Version: z.number().int() }).optional(),
  /** x402 v1 clients may send the `X-PAYMENT` header value itself. */
  paymentHeader: z.string().max(16_384).optional(),
  paymentRequirements: z.looseObject({ scheme: z.string(), network: z.string() }),
});

const addressField = z
  .string()
  .refine((s) => isAddress(s, { strict: false }), "must be an address")
  .transform((s) => getAddress(s.toLowerCase()));

const tabsBody = z.looseObject({
  payer: addressField.optional(),
  userAddress: addressField.optional(),
  recipient: addressField.optional(),
  recipientAddress: addressField.optional(),
  payTo: addressField.optional(),
  asset: addressField.optional(),
  erc20Token: addressField.nullish(),
  network: z.string().max(64).optional(),
});

/**
 * The facilitator's composition root: Core over HTTP (or inject), the `4mica-credit` scheme on a stock
 * `x402Facilitator` (x402 v2, and v1 envelopes), and the HTTP routes. It imports the protocol and the x402 scheme
 * modules only, never Core's database, server internals or scheduler.
 */
export function createFacilitator(
  config: Pick<FacilitatorConfig, "coreUrl" | "publicUrl" | "blsPublicKey" | "allowContractSignatures"> &
    Partial<FacilitatorConfig>,
  deps: FacilitatorDeps = {},
): Facilitator {
  const logger = deps.logger ?? pino({ level: config.logLevel ?? "info", name: "4mica-facilitator" });
  // Core over one keep-alive node:http agent (httpTransport), released on close.
  let transport: ClosableCoreTransport | undefined;
  const core =
    deps.core ??
    createCoreClient((transport = httpTransport(config.coreUrl, config.coreTimeoutMs)), {
      issueBatching:
        (config.coreMaxBatch ?? DEFAULT_ISSUE_BATCHING.maxBatch) > 1
          ? {
              maxInFlight: config.coreMaxInFlight ?? DEFAULT_ISSUE_BATCHING.maxInFlight,
              maxBatch: config.coreMaxBatch ?? DEFAULT_ISSUE_BATCHING.maxBatch,
            }
          : false,
    });
  const now = deps.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const facilitator = new x402Facilitator();
  let loading: Promise<{ params: CorePublicParams; scheme: CreditFacilitatorScheme }> | undefined;
  let own: FastifyInstance | undefined;

  async function load() {
    const params = await core.publicParams();
    if (config.blsPublicKey && config.blsPublicKey !== params.blsPublicKey.toLowerCase()) {
      throw new Error(`Core publishes BLS key ${params.blsPublicKey}, not the pinned ${config.blsPublicKey}`);
    }
    const bls = deps.bls ?? (await loadBlsBackend("auto"));
    const schemeParams: CreditFacilitatorParams = {
      chainId: params.chainId,
      core4Mica: params.core4Mica,
      blsPublicKey: params.blsPublicKey,
      guaranteeDomains: params.guaranteeDomains,
      ...(config.publicUrl ? { tabEndpoint: `${config.publicUrl.replace(/\/+$/, "")}/tabs` } : {}),
    };
    const scheme = new CreditFacilitatorScheme(schemeParams, {
      core,
      bls,
      recovery: deps.recovery ?? loadSecp256k1Recovery(),
      now,
      maxAgeSeconds: config.maxAgeSeconds ?? params.freshness.pastSeconds,
      maxFutureSkewSeconds: config.maxFutureSkewSeconds ?? params.freshness.futureSeconds,
      allowContractSignatures: config.allowContractSignatures,
      onSettled: (record) => logger.info(record, "4mica-credit guarantee settled"),
    });
    const network = creditNetwork(params.chainId);
    facilitator.register(network, scheme);
    facilitator.registerV1(network, scheme);
    logger.info({ network, core4Mica: params.core4Mica }, "facilitator ready");
    return { params, scheme };
  }

  // The ClearingHouse's whole schedule (every segment, not only genesis), read through Core and reused for
  // scheduleTtlMs. A failed read keeps the last good one; with none yet, /tabs reports the cycle as unknown (null)
  // rather than guess from genesis, which a schedule change would make wrong.
  const scheduleTtlMs = deps.scheduleTtlMs ?? 60_000;
  const clockMs = deps.clockMs ?? Date.now;
  let schedule: { at: number; segments: readonly ScheduleSegment[] } | undefined;
  async function currentSchedule(params: CorePublicParams): Promise<readonly ScheduleSegment[] | undefined> {
    if (schedule && clockMs() - schedule.at < scheduleTtlMs) return schedule.segments;
    if (!core.scheduleSegments) return segmentsOf(params.cycleSchedule);
    try {
      const read = await core.scheduleSegments();
      schedule = { at: clockMs(), segments: read ?? segmentsOf(params.cycleSchedule) };
    } catch (e) {
      logger.warn({ err: (e as Error).message }, "cannot read the cycle schedule from Core; keeping the last one");
    }
    return schedule?.segments;
  }

  function ensureReady() {
    loading ??= load().catch((e: unknown) => {
      loading = undefined;
      throw e;
    });
    return loading;
  }

  function routes(app: FastifyInstance): void {
    app.get("/supported", async (_request, reply) => {
      try {
        await ensureReady();
      } catch (e) {
        logger.warn({ err: (e as Error).message }, "Core public params unavailable");
        return reply.status(503).send({ error: "Core unavailable" });
      }
      return facilitator.getSupported();
    });

    app.get("/health", async (_request, reply) => {
      try {
        await ensureReady();
        return { status: "ok" };
      } catch {
        return reply.status(503).send({ status: "unavailable" });
      }
    });

    for (const op of ["verify", "settle"] as const) {
      app.post(`/${op}`, async (request, reply) => {
        const network = (request.body as { paymentRequirements?: { network?: unknown } })?.paymentRequirements?.network;
        const refuse = (reason: string, message: string) => {
          const status = reasonStatus(reason);
          return reply.status(status).send(
            op === "verify"
              ? { isValid: false, invalidReason: reason, invalidMessage: message }
              : {
                  success: false,
                  errorReason: reason,
                  errorMessage: message,
                  transaction: "",
                  network: typeof network === "string" ? network : "",
                },
          );
        };
        const body = envelopeBody.safeParse(request.body);
        if (!body.success) return refuse(CreditReason.INVALID_PAYLOAD, `malformed /${op} body`);
        let payload = body.data.paymentPayload as Record<string, unknown> | undefined;
        if (!payload && body.data.paymentHeader) {
          try {
            payload = JSON.parse(Buffer.from(body.data.paymentHeader, "base64").toString("utf8"));
          } catch {
            return refuse(CreditReason.INVALID_PAYLOAD, "paymentHeader is not base64 JSON");
          }
        }
        if (!payload || typeof payload !== "object" || typeof payload.x402Version !== "number") {
          return refuse(CreditReason.INVALID_PAYLOAD, "no paymentPayload");
        }
        if (payload.x402Version !== 1 && payload.x402Version !== 2) {
          return refuse(CreditReason.INVALID_X402_VERSION, `x402 version ${payload.x402Version}`);
        }
        try {
          await ensureReady();
        } catch (e) {
          return refuse(CreditReason.CORE_UNAVAILABLE, `Core unavailable: ${(e as Error).message}`);
        }
        const requirements = body.data.paymentRequirements as unknown as PaymentRequirements;
        try {
          if (op === "verify") {
            const result = await facilitator.verify(payload as unknown as PaymentPayload, requirements);
            return reply.status(result.isValid ? 200 : reasonStatus(result.invalidReason)).send(result);
          }
          const result = await facilitator.settle(payload as unknown as PaymentPayload, requirements);
          return reply.status(result.success ? 200 : reasonStatus(result.errorReason)).send(result);
        } catch (e) {
          const message = (e as Error).message ?? "";
          if (/No facilitator registered/.test(message)) {
            return refuse(CreditReason.UNSUPPORTED_SCHEME, message);
          }
          logger.error({ err: message, op }, "facilitator failure");
          return refuse(
            op === "verify" ? CreditReason.UNEXPECTED_VERIFY_ERROR : CreditReason.UNEXPECTED_SETTLE_ERROR,
            "unexpected facilitator error",
          );
        }
      });
    }

    /**
     * The payer-recipient-asset credit line: a fresh 256-bit reqId, the current cycle under the ClearingHouse's
     * whole schedule, and the payer's free collateral when the caller forwards the payer's own Core session
     * (`Authorization: Bearer`, SIWE): Core shows collateral to its owner only, and the facilitator, which anyone
     * can call, does not turn itself into a way around that (docs/x402.md, "POST /tabs").
     */
    app.post("/tabs", async (request, reply) => {
      const body = tabsBody.safeParse(request.body ?? {});
      if (!body.success)
        return reply.status(400).send({ error: { code: "INVALID_INPUT", message: "malformed /tabs body" } });
      const b = body.data;
      const payer = b.payer ?? b.userAddress;
      const recipient = b.recipient ?? b.recipientAddress ?? b.payTo;
      const asset: Address = b.asset ?? b.erc20Token ?? zeroAddress;
      if (!payer || !recipient) {
        return reply
          .status(400)
          .send({ error: { code: "INVALID_INPUT", message: "payer and recipient are required" } });
      }
      let params: CorePublicParams;
      try {
        ({ params } = await ensureReady());
      } catch {
        return reply.status(503).send({ error: { code: "UNAVAILABLE", message: "Core unavailable" } });
      }
      const network = creditNetwork(params.chainId);
      if (b.network !== undefined && b.network !== network) {
        return reply
          .status(400)
          .send({ error: { code: "INVALID_NETWORK", message: `this facilitator serves ${network}` } });
      }
      const t = now();
      const segments = await currentSchedule(params);
      const cycleId = segments ? cycleAt(segments, t) : undefined;
      const auth = request.headers.authorization;
      const bearer = typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
      let free: bigint | undefined;
      try {
        free = await core.freeCollateral(payer, asset, bearer);
      } catch {
        free = undefined;
      }
      return {
        payer,
        recipient,
        asset,
        network,
        core4Mica: params.core4Mica,
        reqId: randomReqId().toString(),
        cycleId: cycleId?.toString() ?? null,
        cycleEndsAt: cycleId === undefined || !segments ? null : deadlinesOf(segments, cycleId).end.toString(),
        freeCollateral: free?.toString() ?? null,
        guaranteeVersions: params.acceptedVersions,
      };
    });
  }

  return {
    routes,
    ready: async () => (await ensureReady()).params,
    async listen(port = config.port ?? 0, host = config.host ?? "127.0.0.1") {
      const app: FastifyInstance = Fastify({
        loggerInstance: logger.child({ component: "http" }) as unknown as FastifyBaseLogger,
        bodyLimit: 64 * 1024,
        logController: new LogController({ disableRequestLogging: true }),
      });
      own = app;
      routes(app);
      return app.listen({ port, host });
    },
    async close() {
      await own?.close();
      transport?.close();
    },
  };
}
