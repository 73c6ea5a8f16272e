import { z } from "zod";

import { FourMicaError } from "../protocol/errors.ts";

/** The facilitator's configuration, from FOURMICA_FACILITATOR_* variables, validated once at start-up. */
export interface FacilitatorConfig {
  /** Core's base URL (its public HTTP API). */
  coreUrl: string;
  host: string;
  port: number;
  /** This service's public base URL: `/supported` advertises `<publicUrl>/tabs` as the tab endpoint. */
  publicUrl: string | undefined;
  /** Pin the operator's BLS key (hex, 48 bytes); the service refuses to start if Core publishes another. */
  blsPublicKey: `0x${string}` | undefined;
  /** Request timestamp window; defaults to Core's published one. */
  maxAgeSeconds: bigint | undefined;
  maxFutureSkewSeconds: bigint | undefined;
  /** Pass non-ECDSA signatures (ERC-1271 wallets) to Core instead of refusing them at /verify. */
  allowContractSignatures: boolean;
  /** Core call timeout. */
  coreTimeoutMs: number;
  /**
   * Issuance calls to Core at once, and the most guarantees one batched call carries when all of them are busy
   * (x402/facilitator/coreClient.ts, IssueBatching); `coreMaxBatch` 1 sends every issuance on its own.
   */
  coreMaxInFlight: number;
  coreMaxBatch: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
}

export class FacilitatorConfigError extends FourMicaError {
  constructor(problems: string[]) {
    super("CONFIG_INVALID", `invalid facilitator configuration:\n  - ${problems.join("\n  - ")}`, {
      details: { problems },
    });
    this.name = "FacilitatorConfigError";
  }
}

const seconds = z
  .string()
  .regex(/^[0-9]{1,9}$/, "must be whole seconds")
  .transform((s) => BigInt(s));

const envSchema = z.object({
  FOURMICA_FACILITATOR_CORE_URL: z.url({ protocol: /^https?$/ }),
  FOURMICA_FACILITATOR_HOST: z.string().min(1).default("127.0.0.1"),
  FOURMICA_FACILITATOR_PORT: z.coerce.number().int().min(0).max(65_535).default(8402),
  FOURMICA_FACILITATOR_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  FOURMICA_FACILITATOR_BLS_PUBLIC_KEY: z
    .string()
    .regex(/^0x[0-9a-fA-F]{96}$/, "must be a 48-byte compressed G1 key in 0x-hex")
    .transform((s) => s.toLowerCase() as `0x${string}`)
    .optional(),
  FOURMICA_FACILITATOR_MAX_AGE_SECONDS: seconds.optional(),
  FOURMICA_FACILITATOR_FUTURE_SKEW_SECONDS: seconds.optional(),
  FOURMICA_FACILITATOR_ALLOW_CONTRACT_SIGNATURES: z.enum(["true", "false"]).default("false"),
  FOURMICA_FACILITATOR_CORE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  FOURMICA_FACILITATOR_CORE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(256).default(4),
  // Core's own most per batch (MAX_ISSUE_BATCH).
  FOURMICA_FACILITATOR_CORE_MAX_BATCH: z.coerce.number().int().min(1).max(64).default(64),
  FOURMICA_FACILITATOR_LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info"),
});

/** Reads and validates the environment; every bad variable is listed in one FacilitatorConfigError. */
export function loadFacilitatorConfig(env: Record<string, string | undefined> = process.env): FacilitatorConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new FacilitatorConfigError(
      parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "(env)"}: ${i.message}`),
    );
  }
  const e = parsed.data;
  return {
    coreUrl: e.FOURMICA_FACILITATOR_CORE_URL,
    host: e.FOURMICA_FACILITATOR_HOST,
    port: e.FOURMICA_FACILITATOR_PORT,
    publicUrl: e.FOURMICA_FACILITATOR_PUBLIC_URL,
    blsPublicKey: e.FOURMICA_FACILITATOR_BLS_PUBLIC_KEY,
    maxAgeSeconds: e.FOURMICA_FACILITATOR_MAX_AGE_SECONDS,
    maxFutureSkewSeconds: e.FOURMICA_FACILITATOR_FUTURE_SKEW_SECONDS,
    allowContractSignatures: e.FOURMICA_FACILITATOR_ALLOW_CONTRACT_SIGNATURES === "true",
    coreTimeoutMs: e.FOURMICA_FACILITATOR_CORE_TIMEOUT_MS,
    coreMaxInFlight: e.FOURMICA_FACILITATOR_CORE_MAX_IN_FLIGHT,
    coreMaxBatch: e.FOURMICA_FACILITATOR_CORE_MAX_BATCH,
    logLevel: e.FOURMICA_FACILITATOR_LOG_LEVEL,
  };
}
