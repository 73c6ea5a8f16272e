import { readFileSync } from "node:fs";

import { isAddress, type Address, type Hex } from "viem";
import { z } from "zod";

import { defaultSchedule, type CycleSchedule } from "../protocol/cycles/cycleSchedule.ts";
import { FourMicaError } from "../protocol/errors.ts";

/**
 * Core's configuration: every value from FOURMICA_* environment variables, validated once at start-up.
 * Secrets (BLS key, operator key, database URL password) come only from the environment and are never logged:
 * `redactedConfig` is what the logs see.
 */
export interface CoreConfig {
  databaseUrl: string | undefined;
  /** PGlite data directory, or `memory`. Used when databaseUrl is absent. */
  dataDir: string;
  dbPoolSize: number;
  rpcUrl: string | undefined;
  chainId: bigint;
  core4Mica: Address;
  clearingHouse: Address | undefined;
  blsSecretKey: Hex;
  /**
   * BLS signing threads (FOURMICA_SIGNING_WORKERS, 0 to 64, default 0): 0 signs on the event loop; N > 0 signs
   * in a pool of N worker threads, so that one Core process uses every core (docs/performance.md).
   */
  signingWorkers?: number | undefined;
  /** Selects the BLS implementation: native blst when it loads (`auto`), or force one. */
  blsBackend: "auto" | "native" | "pure";
  operatorKey: Hex | undefined;
  acceptedVersions: number[];
  trustedRegistries: Address[];
  freshnessPastSeconds: bigint;
  freshnessFutureSeconds: bigint;
  schedule: CycleSchedule;
  /** Settlement assets listed by GET /core/tokens. */
  tokens: { symbol: string; address: Address; decimals: number }[];
  httpHost: string;
  httpPort: number;
  siweDomain: string;
  siweUri: string;
  sessionTtlSeconds: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Chain follower and lifecycle jobs (run when an RPC URL is set). */
  sync?: SyncConfig | undefined;
  /** Pause between cycle scheduler ticks (FOURMICA_SCHEDULER_INTERVAL_MS; default 15 s). */
  schedulerIntervalMs?: number | undefined;
  /** Debtors per `settleNetDebitsFromCollateral` batch (FOURMICA_SETTLEMENT_BATCH_SIZE, 1 to 1,000; default 200). */
  settlementBatchSize?: number | undefined;
  /**
   * The scheduler pays every unclaimed creditor in one `claimNetCredits` once a cycle is funded
   * (FOURMICA_AUTO_CLAIM, default true; false leaves claims to the creditors). loadConfig always sets it; absent (a
   * config built by hand, as in tests) means off.
   */
  autoClaim?: boolean | undefined;
  /** The OPERATOR role holder named by the deployments file, if any (Core warns when its key is another). */
  deploymentOperator?: Address | undefined;
  /**
   * What an unauthenticated caller may cost (docs/operations.md, "Limits"). loadConfig always sets it; absent (in
   * tests that build a config by hand) means no rate limits and the defaults below for the rest.
   */
  limits?: LimitsConfig | undefined;
  /**
   * The operator's admin token (FOURMICA_ADMIN_TOKEN, at least 32 characters): sent as `Authorization: Bearer` to
   * every `/core/admin/*` route (pause/resume issuance, the dashboard's data, webhook subscriptions). Unset: those
   * routes answer 403 ADMIN_DISABLED.
   */
  adminToken?: string | undefined;
  /**
   * How often each Core reads the operator's issuance switch (FOURMICA_OPERATOR_POLL_MS, default 1,000): a pause
   * sent to one Core holds in every Core on the database within this bound plus one query.
   */
  operatorPollMs?: number | undefined;
  /** Signed webhooks (docs/operations.md, "Webhooks"); set when FOURMICA_WEBHOOK_ENCRYPTION_KEY is. Absent: off. */
  webhooks?: WebhookConfig | undefined;
}

export interface WebhookConfig {
  /** FOURMICA_WEBHOOK_ENCRYPTION_KEY: 32 bytes of hex, the AES-256-GCM key that seals subscription secrets. */
  encryptionKey: Hex;
  /** FOURMICA_WEBHOOK_PREVIOUS_KEYS: older keys, comma-separated, still opened while Core re-seals (rotation). */
  previousKeys: Hex[];
  /** FOURMICA_WEBHOOK_MAX_ATTEMPTS (default 12): attempts before a delivery is FAILED. */
  maxAttempts: number;
  /** FOURMICA_WEBHOOK_MAX_AGE_SECONDS (default 259,200: 3 days): no retry after this age. */
  maxAgeSeconds: number;
  /** FOURMICA_WEBHOOK_TIMEOUT_MS (default 10,000): per request. */
  timeoutMs: number;
  /** FOURMICA_WEBHOOK_INTERVAL_MS (default 1,000): outbox poll when idle. */
  intervalMs: number;
  /** FOURMICA_WEBHOOK_BACKOFF_BASE_MS (default 1,000) and _MAX_MS (default 3,600,000): retry waits. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** FOURMICA_WEBHOOK_CONCURRENCY (default 8): requests in flight per Core process. */
  concurrency: number;
}

export interface LimitsConfig {
  /** Rate-limit window (FOURMICA_RATE_LIMIT_WINDOW_MS, default 60,000). Every limit below counts per client per window. */
  rateLimitWindowMs: number;
  /** Reads and lifecycle actions per client per window (FOURMICA_RATE_LIMIT_MAX, default 600). */
  rateLimitMax: number;
  /** POST /core/guarantees per client per window (FOURMICA_RATE_LIMIT_ISSUE_MAX, default 6,000: 100/s). */
  rateLimitIssueMax: number;
  /** SIWE nonce and verify calls per client per window (FOURMICA_RATE_LIMIT_AUTH_MAX, default 30). */
  rateLimitAuthMax: number;
  /** Use X-Forwarded-For for the client address (FOURMICA_TRUST_PROXY=true behind a reverse proxy; default false). */
  trustProxy: boolean;
  /** Outstanding SIWE nonces per client (FOURMICA_SIWE_MAX_NONCES_PER_CLIENT, default 5; the oldest are dropped). */
  siweMaxNoncesPerClient: number;
  /** Tolerated clock skew for a SIWE `Issued At`/`Not Before` in the future (FOURMICA_SIWE_CLOCK_SKEW_SECONDS, 60). */
  siweClockSkewSeconds: number;
  /** How long a payer's `eth_getCode` answer is reused (FOURMICA_CODE_CACHE_MS, default 60,000). */
  codeCacheMs: number;
}

/** The limits Core applies when the config names none (LimitsConfig documents each). */
export const DEFAULT_LIMITS: Omit<LimitsConfig, "rateLimitMax" | "rateLimitIssueMax" | "rateLimitAuthMax"> = {
  rateLimitWindowMs: 60_000,
  trustProxy: false,
  siweMaxNoncesPerClient: 5,
  siweClockSkewSeconds: 60,
  codeCacheMs: 60_000,
};

export interface SyncConfig {
  /** First block followed: the vault's deployment block. */
  startBlock: bigint;
  /** Blocks behind the head that are applied. */
  confirmations: bigint;
  chunkSize: bigint;
  intervalMs: number;
}

export class ConfigError extends FourMicaError {
  constructor(problems: string[]) {
    super("CONFIG_INVALID", `invalid configuration:\n  - ${problems.join("\n  - ")}`, { details: { problems } });
    this.name = "ConfigError";
  }
}

const address = z
  .string()
  .trim()
  .refine((s) => isAddress(s, { strict: true }), "must be a 0x address (EIP-55 checksum if mixed case)")
  .transform((s) => s.toLowerCase() as Address);

const hex32 = z
  .string()
  .trim()
  .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex")
  .transform((s) => s.toLowerCase() as Hex);

/** 32 bytes of hex, with or without 0x (a symmetric key). */
const key32 = z
  .string()
  .trim()
  .regex(/^(0x)?[0-9a-fA-F]{64}$/, "must be 32 bytes of hex (64 hex digits)")
  .transform((s) => `0x${s.replace(/^0x/, "").toLowerCase()}` as Hex);

const seconds = z
  .string()
  .trim()
  .regex(/^[0-9]{1,12}$/, "must be a whole number of seconds")
  .transform(BigInt);
const uintSeconds = (fallback: string) => z.string().default(fallback).pipe(seconds);

const csv = <O>(item: z.ZodType<O, string>, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((s) =>
      s
        .split(",")
        .map((x) => x.trim())
        .filter((x) => x !== ""),
    )
    .pipe(z.array(item));

const envSchema = z.object({
  FOURMICA_DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** The conventional alias: used when FOURMICA_DATABASE_URL is absent. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  FOURMICA_DATA_DIR: z.string().min(1).default(".data/core"),
  FOURMICA_DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  FOURMICA_RPC_URL: z.url({ protocol: /^(https?|wss?)$/ }).optional(),
  FOURMICA_CHAIN_ID: z.coerce.number().int().positive().optional(),
  FOURMICA_CORE4MICA_ADDRESS: address.optional(),
  FOURMICA_CLEARING_HOUSE_ADDRESS: address.optional(),
  FOURMICA_DEPLOYMENTS_FILE: z.string().min(1).optional(),
  FOURMICA_BLS_SECRET_KEY: hex32,
  FOURMICA_BLS_BACKEND: z.enum(["auto", "native", "pure"]).default("auto"),
  FOURMICA_SIGNING_WORKERS: z.coerce.number().int().min(0).max(64).default(0),
  FOURMICA_OPERATOR_KEY: hex32.optional(),
  FOURMICA_ACCEPTED_VERSIONS: csv(
    z
      .string()
      .regex(/^[12]$/, "versions are 1 or 2")
      .transform(Number),
    "1",
  ),
  FOURMICA_TRUSTED_REGISTRIES: csv(address, ""),
  FOURMICA_FRESHNESS_PAST_SECONDS: uintSeconds("300"),
  FOURMICA_FRESHNESS_FUTURE_SECONDS: uintSeconds("60"),
  FOURMICA_CYCLE_GENESIS: seconds.optional(),
  FOURMICA_CYCLE_LENGTH: seconds.optional(),
  FOURMICA_RESOLUTION_CUTOFF: seconds.optional(),
  FOURMICA_COMMIT_DELAY: seconds.optional(),
  FOURMICA_PAYMENT_WINDOW: seconds.optional(),
  FOURMICA_FINALITY_WINDOW: seconds.optional(),
  /** JSON: [{"symbol":"USDC","address":"0x...","decimals":6}] */
  FOURMICA_TOKENS: z.string().optional(),
  FOURMICA_HTTP_HOST: z.string().min(1).default("127.0.0.1"),
  FOURMICA_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  FOURMICA_SIWE_DOMAIN: z.string().min(1).default("localhost"),
  FOURMICA_SIWE_URI: z.url().default("http://localhost"),
  FOURMICA_SESSION_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86400)
    .default(3600),
  FOURMICA_SYNC_START_BLOCK: seconds.optional(),
  FOURMICA_CONFIRMATIONS: z.string().default("12").pipe(seconds),
  FOURMICA_SYNC_CHUNK_BLOCKS: z.string().default("1000").pipe(seconds),
  FOURMICA_SYNC_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(4_000),
  FOURMICA_SCHEDULER_INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(15_000),
  FOURMICA_SETTLEMENT_BATCH_SIZE: z.coerce.number().int().min(1).max(1_000).default(200),
  FOURMICA_AUTO_CLAIM: z.enum(["true", "false"]).default("true"),
  FOURMICA_RATE_LIMIT_WINDOW_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  FOURMICA_RATE_LIMIT_MAX: z.coerce.number().int().min(1).max(10_000_000).default(600),
  FOURMICA_RATE_LIMIT_ISSUE_MAX: z.coerce.number().int().min(1).max(10_000_000).default(6_000),
  FOURMICA_RATE_LIMIT_AUTH_MAX: z.coerce.number().int().min(1).max(10_000_000).default(30),
  FOURMICA_TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  FOURMICA_SIWE_MAX_NONCES_PER_CLIENT: z.coerce.number().int().min(1).max(1_000).default(5),
  FOURMICA_SIWE_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(3_600).default(60),
  FOURMICA_CODE_CACHE_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  FOURMICA_ADMIN_TOKEN: z
    .string()
    .regex(/^[A-Za-z0-9_-]{32,256}$/, "must be 32 to 256 characters of [A-Za-z0-9_-]")
    .optional(),
  FOURMICA_OPERATOR_POLL_MS: z.coerce.number().int().min(50).max(60_000).default(1_000),
  FOURMICA_WEBHOOK_ENCRYPTION_KEY: key32.optional(),
  FOURMICA_WEBHOOK_PREVIOUS_KEYS: csv(key32, ""),
  FOURMICA_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(12),
  FOURMICA_WEBHOOK_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86_400)
    .default(3 * 86_400),
  FOURMICA_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  FOURMICA_WEBHOOK_INTERVAL_MS: z.coerce.number().int().min(10).max(3_600_000).default(1_000),
  FOURMICA_WEBHOOK_BACKOFF_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(1_000),
  FOURMICA_WEBHOOK_BACKOFF_MAX_MS: z.coerce.number().int().min(1).max(86_400_000).default(3_600_000),
  FOURMICA_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  FOURMICA_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

const tokensSchema = z.array(
  z.strictObject({ symbol: z.string().min(1).max(16), address, decimals: z.number().int().min(0).max(36) }),
);

/** Fields read from a deployments JSON (scripts/deploy.ts writes it: `DeployedStack`; both spellings accepted). */
const deploymentsSchema = z.looseObject({
  chainId: z.coerce.number().int().positive().optional(),
  /** Where chain sync starts: the block before the first deployment. */
  startBlock: z.coerce.bigint().nonnegative().optional(),
  tokens: tokensSchema.optional(),
  validationRegistries: z.array(address).optional(),
  roles: z.looseObject({ operator: address.optional() }).optional(),
  contracts: z
    .looseObject({
      Core4Mica: z.union([address, z.looseObject({ address })]).optional(),
      ClearingHouse: z.union([address, z.looseObject({ address })]).optional(),
    })
    .optional(),
  core4Mica: address.optional(),
  clearingHouse: address.optional(),
  cycleSchedule: z
    .looseObject({
      genesis: z.coerce.bigint().optional(),
      cycleLength: z.coerce.bigint().optional(),
      resolutionCutoff: z.coerce.bigint().optional(),
      commitDelay: z.coerce.bigint().optional(),
      paymentWindow: z.coerce.bigint().optional(),
      finalityWindow: z.coerce.bigint().optional(),
    })
    .optional(),
});

function issuesOf(error: z.ZodError, prefix = ""): string[] {
  return error.issues.map((i) => `${prefix}${i.path.join(".") || "(root)"}: ${i.message}`);
}

/** Parses and validates the environment. Throws one ConfigError naming every bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  nowSeconds = BigInt(Math.floor(Date.now() / 1000)),
): CoreConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) throw new ConfigError(issuesOf(parsed.error));
  const e = parsed.data;
  const problems: string[] = [];

  let deployments: z.infer<typeof deploymentsSchema> = {};
  if (e.FOURMICA_DEPLOYMENTS_FILE) {
    try {
      const d = deploymentsSchema.safeParse(JSON.parse(readFileSync(e.FOURMICA_DEPLOYMENTS_FILE, "utf8")));
      if (d.success) deployments = d.data;
      else problems.push(...issuesOf(d.error, "FOURMICA_DEPLOYMENTS_FILE: "));
    } catch (err) {
      problems.push(
        `FOURMICA_DEPLOYMENTS_FILE: cannot read ${e.FOURMICA_DEPLOYMENTS_FILE} (${(err as Error).message})`,
      );
    }
  }
  const pick = (v: Address | { address: Address } | undefined) => (typeof v === "object" ? v.address : v);
  const core4Mica = e.FOURMICA_CORE4MICA_ADDRESS ?? deployments.core4Mica ?? pick(deployments.contracts?.Core4Mica);
  const clearingHouse =
    e.FOURMICA_CLEARING_HOUSE_ADDRESS ?? deployments.clearingHouse ?? pick(deployments.contracts?.ClearingHouse);
  const chainId = e.FOURMICA_CHAIN_ID ?? deployments.chainId;
  if (!core4Mica) problems.push("FOURMICA_CORE4MICA_ADDRESS: required (or FOURMICA_DEPLOYMENTS_FILE with Core4Mica)");
  if (chainId === undefined) problems.push("FOURMICA_CHAIN_ID: required (or FOURMICA_DEPLOYMENTS_FILE with chainId)");

  const versions = [...new Set(e.FOURMICA_ACCEPTED_VERSIONS)].sort((a, b) => a - b);
  // Unset (or empty) in the environment: the deployment's registries.
  const trustedRegistries =
    e.FOURMICA_TRUSTED_REGISTRIES.length > 0 ? e.FOURMICA_TRUSTED_REGISTRIES : (deployments.validationRegistries ?? []);
  if (versions.includes(2) && trustedRegistries.length === 0) {
    problems.push("FOURMICA_TRUSTED_REGISTRIES: required when version 2 is accepted");
  }

  let tokens: CoreConfig["tokens"] = deployments.tokens ?? [];
  if (e.FOURMICA_TOKENS) {
    try {
      const t = tokensSchema.safeParse(JSON.parse(e.FOURMICA_TOKENS));
      if (t.success) tokens = t.data;
      else problems.push(...issuesOf(t.error, "FOURMICA_TOKENS: "));
    } catch {
      problems.push("FOURMICA_TOKENS: not JSON");
    }
  }

  const cycleLength = e.FOURMICA_CYCLE_LENGTH ?? deployments.cycleSchedule?.cycleLength ?? 86_400n;
  if (cycleLength <= 0n) problems.push("FOURMICA_CYCLE_LENGTH: must be positive");
  // Default genesis: today's cycle boundary, as a deployment would set it (protocol.md §6).
  const genesis =
    e.FOURMICA_CYCLE_GENESIS ??
    deployments.cycleSchedule?.genesis ??
    nowSeconds - (nowSeconds % (cycleLength > 0n ? cycleLength : 1n));
  const d = defaultSchedule(genesis);
  const ds = deployments.cycleSchedule;
  const schedule: CycleSchedule = {
    genesis,
    cycleLength,
    resolutionCutoff: e.FOURMICA_RESOLUTION_CUTOFF ?? ds?.resolutionCutoff ?? d.resolutionCutoff,
    commitDelay: e.FOURMICA_COMMIT_DELAY ?? ds?.commitDelay ?? d.commitDelay,
    paymentWindow: e.FOURMICA_PAYMENT_WINDOW ?? ds?.paymentWindow ?? d.paymentWindow,
    finalityWindow: e.FOURMICA_FINALITY_WINDOW ?? ds?.finalityWindow ?? d.finalityWindow,
  };

  if (!e.FOURMICA_WEBHOOK_ENCRYPTION_KEY && e.FOURMICA_WEBHOOK_PREVIOUS_KEYS.length > 0) {
    problems.push("FOURMICA_WEBHOOK_PREVIOUS_KEYS: needs FOURMICA_WEBHOOK_ENCRYPTION_KEY (the current key)");
  }
  if (e.FOURMICA_WEBHOOK_BACKOFF_MAX_MS < e.FOURMICA_WEBHOOK_BACKOFF_BASE_MS) {
    problems.push("FOURMICA_WEBHOOK_BACKOFF_MAX_MS: must be at least FOURMICA_WEBHOOK_BACKOFF_BASE_MS");
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    databaseUrl: e.FOURMICA_DATABASE_URL ?? e.DATABASE_URL,
    dataDir: e.FOURMICA_DATA_DIR,
    dbPoolSize: e.FOURMICA_DB_POOL_SIZE,
    rpcUrl: e.FOURMICA_RPC_URL,
    chainId: BigInt(chainId!),
    core4Mica: core4Mica!,
    clearingHouse,
    blsSecretKey: e.FOURMICA_BLS_SECRET_KEY,
    blsBackend: e.FOURMICA_BLS_BACKEND,
    signingWorkers: e.FOURMICA_SIGNING_WORKERS,
    operatorKey: e.FOURMICA_OPERATOR_KEY,
    acceptedVersions: versions,
    trustedRegistries,
    freshnessPastSeconds: e.FOURMICA_FRESHNESS_PAST_SECONDS,
    freshnessFutureSeconds: e.FOURMICA_FRESHNESS_FUTURE_SECONDS,
    schedule,
    tokens,
    httpHost: e.FOURMICA_HTTP_HOST,
    httpPort: e.FOURMICA_HTTP_PORT,
    siweDomain: e.FOURMICA_SIWE_DOMAIN,
    siweUri: e.FOURMICA_SIWE_URI,
    sessionTtlSeconds: e.FOURMICA_SESSION_TTL_SECONDS,
    logLevel: e.FOURMICA_LOG_LEVEL,
    adminToken: e.FOURMICA_ADMIN_TOKEN,
    operatorPollMs: e.FOURMICA_OPERATOR_POLL_MS,
    webhooks: e.FOURMICA_WEBHOOK_ENCRYPTION_KEY
      ? {
          encryptionKey: e.FOURMICA_WEBHOOK_ENCRYPTION_KEY,
          previousKeys: e.FOURMICA_WEBHOOK_PREVIOUS_KEYS.filter((k) => k !== e.FOURMICA_WEBHOOK_ENCRYPTION_KEY),
          maxAttempts: e.FOURMICA_WEBHOOK_MAX_ATTEMPTS,
          maxAgeSeconds: e.FOURMICA_WEBHOOK_MAX_AGE_SECONDS,
          timeoutMs: e.FOURMICA_WEBHOOK_TIMEOUT_MS,
          intervalMs: e.FOURMICA_WEBHOOK_INTERVAL_MS,
          backoffBaseMs: e.FOURMICA_WEBHOOK_BACKOFF_BASE_MS,
          backoffMaxMs: e.FOURMICA_WEBHOOK_BACKOFF_MAX_MS,
          concurrency: e.FOURMICA_WEBHOOK_CONCURRENCY,
        }
      : undefined,
    sync: {
      startBlock: e.FOURMICA_SYNC_START_BLOCK ?? deployments.startBlock ?? 0n,
      confirmations: e.FOURMICA_CONFIRMATIONS,
      chunkSize: e.FOURMICA_SYNC_CHUNK_BLOCKS > 0n ? e.FOURMICA_SYNC_CHUNK_BLOCKS : 1n,
      intervalMs: e.FOURMICA_SYNC_INTERVAL_MS,
    },
    schedulerIntervalMs: e.FOURMICA_SCHEDULER_INTERVAL_MS,
    settlementBatchSize: e.FOURMICA_SETTLEMENT_BATCH_SIZE,
    autoClaim: e.FOURMICA_AUTO_CLAIM === "true",
    deploymentOperator: deployments.roles?.operator,
    limits: {
      rateLimitWindowMs: e.FOURMICA_RATE_LIMIT_WINDOW_MS,
      rateLimitMax: e.FOURMICA_RATE_LIMIT_MAX,
      rateLimitIssueMax: e.FOURMICA_RATE_LIMIT_ISSUE_MAX,
      rateLimitAuthMax: e.FOURMICA_RATE_LIMIT_AUTH_MAX,
      trustProxy: e.FOURMICA_TRUST_PROXY === "true",
      siweMaxNoncesPerClient: e.FOURMICA_SIWE_MAX_NONCES_PER_CLIENT,
      siweClockSkewSeconds: e.FOURMICA_SIWE_CLOCK_SKEW_SECONDS,
      codeCacheMs: e.FOURMICA_CODE_CACHE_MS,
    },
  };
}

/** The config as logs may show it: secrets replaced, the database password masked. */
export function redactedConfig(c: CoreConfig): Record<string, unknown> {
  return {
    ...c,
    blsSecretKey: "[redacted]",
    operatorKey: c.operatorKey ? "[redacted]" : undefined,
    adminToken: c.adminToken ? "[redacted]" : undefined,
    webhooks: c.webhooks && {
      ...c.webhooks,
      encryptionKey: "[redacted]",
      previousKeys: c.webhooks.previousKeys.map(() => "[redacted]"),
    },
    databaseUrl: c.databaseUrl?.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@"),
    chainId: c.chainId.toString(),
    freshnessPastSeconds: c.freshnessPastSeconds.toString(),
    freshnessFutureSeconds: c.freshnessFutureSeconds.toString(),
    schedule: Object.fromEntries(Object.entries(c.schedule).map(([k, v]) => [k, v.toString()])),
    sync: c.sync && Object.fromEntries(Object.entries(c.sync).map(([k, v]) => [k, v.toString()])),
  };
}
