import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import {
  createPublicClient,
  hexToBytes,
  http,
  zeroAddress,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { startBackgroundJobs, type BackgroundJobs } from "./adapters/chain/backgroundJobs.ts";
import { ChainUnavailableError } from "./adapters/chain/chainActions.ts";
import { createWalletChecker } from "./adapters/chain/erc1271.ts";
import { readGuaranteeExpiry, readValidationStatus } from "./adapters/chain/vaultReads.ts";
import { readScheduleSegments } from "./adapters/chain/viemClearingHouseGateway.ts";
import { createLifecycleRepository } from "./adapters/db/lifecycleRepository.ts";
import { getBalances } from "./adapters/db/balanceRepository.ts";
import type { Database } from "./adapters/db/database.ts";
import { createGuaranteeRepository } from "./adapters/db/guaranteeRepository.ts";
import { migrate } from "./adapters/db/migrate.ts";
import { openDatabase } from "./adapters/db/openDatabase.ts";
import { consumeNonce, createNonce, createSession, findSession } from "./adapters/db/sessionRepository.ts";
import {
  createSubscription,
  deleteSubscription,
  listDeliveries,
  listSubscriptions,
  redeliver,
  resealSecrets,
} from "./adapters/db/webhookRepository.ts";
import { createMetrics } from "./adapters/http/metrics.ts";
import { createSigningPool, type SigningPool } from "./adapters/bls/signingPool.ts";
import type { WebhookAdmin } from "./adapters/http/routes/webhooks.ts";
import { createWebhookWorker, type WebhookWorker } from "./adapters/webhooks/deliveryWorker.ts";
import { buildHttpServer } from "./adapters/http/server.ts";
import { DEFAULT_LIMITS, redactedConfig, type CoreConfig } from "./config.ts";
import { SiweCode, SiweError, verifySiweSignIn } from "./auth/verifySiweSignIn.ts";
import { g1ToEip2537, loadBlsBackend, type BlsBackend } from "../protocol/bls/index.ts";
import { guaranteeDomain } from "../protocol/guaranteeDomain.ts";
import { loadSecp256k1Recovery, type Secp256k1Recovery } from "../protocol/secp256k1/index.ts";
import { createIssuance, type IssueGuarantee } from "./issuance/issueGuarantee.ts";
import { createIssuancePause, type IssuancePause } from "./services/issuancePause.ts";
import { createLifecycle, type Lifecycle } from "./lifecycle/createLifecycle.ts";
import type { HasCode, IsValidSignature } from "./issuance/verifyPayerSignature.ts";
import { segmentsOf, type ScheduleSegment } from "../protocol/cycles/cycleSchedule.ts";
import { createCycleScheduler, type CycleScheduler } from "./services/scheduler/createCycleScheduler.ts";
import type { SchedulerHooks } from "./services/scheduler/createScheduler.ts";
import type { SchedulerLoop } from "./services/scheduler/startSchedulerLoop.ts";
import { createSettlements } from "./services/settlements/createSettlements.ts";

export interface CoreDeps {
  /** An already open database (tests, several instances on one PGlite); otherwise opened from config. */
  db?: Database;
  /** Unix seconds; defaults to the wall clock. */
  now?: () => bigint;
  isValidSignature?: IsValidSignature;
  /** Whether an address has code (payers with code sign through ERC-1271 only); defaults to a cached eth_getCode. */
  hasCode?: HasCode;
  logger?: Logger;
  bls?: BlsBackend;
  /** A chain client (tests, the demo: Hardhat's); otherwise one over `transport`, else over config.rpcUrl. */
  chainClient?: PublicClient;
  /**
   * A viem transport to the chain, e.g. `custom(provider)` for an in-process EIP-1193 provider (Hardhat's EDR):
   * used for the chain client when `chainClient` is absent and for the operator's wallet (with config.operatorKey).
   */
  transport?: Transport;
  /** The operator's wallet client (a local account); otherwise one from config.operatorKey. */
  walletClient?: WalletClient<Transport, Chain, Account>;
  /** Crash seams of the cycle scheduler (tests). */
  schedulerHooks?: SchedulerHooks;
  /** Payer-signature recovery; defaults to native libsecp256k1, else viem. */
  recovery?: Secp256k1Recovery;
  /**
   * Adds routes of a co-hosted service to Core's HTTP server before it is ready: the embedded x402 facilitator
   * (`createFacilitator(...).routes`, talking to Core's own API through `inject`). Optional; nothing else uses it.
   */
  mount?: (app: FastifyInstance) => void | Promise<void>;
}

export interface Core {
  config: CoreConfig;
  db: Database;
  app: FastifyInstance;
  issue: IssueGuarantee;
  bls: BlsBackend;
  /** Dispute, cancel, V2 promotion and expiry (issue #4 item 5). */
  lifecycle: Lifecycle;
  /**
   * The cycle scheduler (close, net, commit, default, finalize), built when config.clearingHouse, an operator
   * (config.operatorKey or deps.walletClient) and a chain (config.rpcUrl, deps.chainClient or deps.transport)
   * are all set; otherwise undefined. `scheduler.tick(now)` drives it deterministically; startBackground() runs
   * its loop on the chain clock every config.schedulerIntervalMs.
   */
  scheduler: CycleScheduler | undefined;
  /**
   * Starts the chain follower and lifecycle jobs (when config.sync is set) and the scheduler loop (when there is
   * a scheduler); `{ scheduler: false }` leaves the scheduler to explicit ticks. Stopped by close(). Idempotent.
   * Throws ChainUnavailableError without a chain client.
   */
  startBackground(options?: { scheduler?: boolean }): BackgroundJobs;
  /**
   * Reads the ClearingHouse's schedule segments (cached a minute) and numbers new guarantees' cycles with them;
   * without a chain, the configured genesis segment. Also run by startBackground and each scheduler loop tick.
   */
  refreshSchedule(): Promise<readonly ScheduleSegment[]>;
  /**
   * The webhook delivery worker (config.webhooks set), started by startBackground (or alone, with `start()`, by a
   * Core without a chain) and stopped by close(); `runOnce()` drives one pass in tests. Otherwise undefined.
   */
  webhooks: WebhookWorker | undefined;
  /** The operator's 48-byte compressed G1 public key. */
  blsPublicKey: Hex;
  /** The operator's issuance switch (admin routes `/core/admin/issuance/pause|resume`), read from the database. */
  issuancePause: IssuancePause;
  /** Starts listening; returns the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stops HTTP, then closes the database if Core opened it. Idempotent. */
  close(): Promise<void>;
}

const SIWE_NONCE_TTL_SECONDS = 300;

/**
 * Builds a Core from typed config: db -> migrations -> BLS -> services -> HTTP. Used by main.ts (the process) and
 * in-process by tests, the bench and the demo.
 */
export async function createCore(config: CoreConfig, deps: CoreDeps = {}): Promise<Core> {
  const logger = deps.logger ?? pino({ level: config.logLevel, name: "4mica-core" });
  const ownsDb = deps.db === undefined;
  const db =
    deps.db ??
    (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize }));
  let pauseForCleanup: IssuancePause | undefined;
  let signingPool: SigningPool | undefined;
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied, db: db.kind }, "migrations applied");

    const bls = deps.bls ?? (await loadBlsBackend(config.blsBackend));
    // Parses and validates the key once (InvalidBlsKeyError) before anything is served.
    const signer = bls.signer(config.blsSecretKey);
    const blsPublicKey = signer.publicKey;
    // With FOURMICA_SIGNING_WORKERS, certificates are signed in worker threads (same key, same backend).
    signingPool =
      (config.signingWorkers ?? 0) > 0
        ? await createSigningPool({
            secretKey: config.blsSecretKey,
            backend: bls.name,
            workers: config.signingWorkers!,
          })
        : undefined;
    const recovery = deps.recovery ?? loadSecp256k1Recovery();
    const now = deps.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    const domains = new Map(
      config.acceptedVersions.map((v) => [v, guaranteeDomain(v, config.chainId, config.core4Mica)]),
    );

    // One chain client for everything that reads the chain: ERC-1271 payers, sync, lifecycle, scheduler.
    const chainTransport = deps.transport ?? (config.rpcUrl ? http(config.rpcUrl) : undefined);
    const chainClient =
      deps.chainClient ??
      (chainTransport ? (createPublicClient({ transport: chainTransport }) as PublicClient) : undefined);
    const limits = { ...DEFAULT_LIMITS, ...config.limits };
    const wallets = createWalletChecker(chainClient, { codeCacheMs: limits.codeCacheMs });
    const isValidSignature = deps.isValidSignature ?? wallets.isValidSignature;
    const hasCode = deps.hasCode ?? wallets.hasCode;

    // Issuance numbers cycles with the ClearingHouse's segments: the configured genesis segment until the chain's
    // are read (refreshSchedule: at startBackground and on scheduler ticks, at most once a minute).
    let segments: readonly ScheduleSegment[] = segmentsOf(config.schedule);
    // Group commit on PostgreSQL: concurrent issuances share one statement and one commit (guaranteeRepository.ts).
    const guarantees = createGuaranteeRepository(db, { groupCommit: db.kind === "postgres" });
    // Read before anything is served: a Core restarted during a pause stays paused.
    const issuancePause = await createIssuancePause(db, { pollMs: config.operatorPollMs, logger });
    pauseForCleanup = issuancePause;
    const issue = createIssuance({
      policy: {
        get schedule() {
          return segments;
        },
        chainId: config.chainId,
        domains,
        trustedRegistries: new Set(config.trustedRegistries),
        maxAgeSeconds: config.freshnessPastSeconds,
        maxFutureSkewSeconds: config.freshnessFutureSeconds,
      },
      core4Mica: config.core4Mica,
      store: guarantees,
      signer: signingPool ?? signer,
      isValidSignature,
      hasCode,
      recovery,
      now,
      isPaused: issuancePause.isPaused,
    });

    const lifecycle = createLifecycle({
      store: createLifecycleRepository(db),
      domain: { chainId: config.chainId, core4Mica: config.core4Mica },
      isValidSignature,
      readValidationStatus: async (registry, hash) =>
        chainClient ? readValidationStatus(chainClient, registry, hash) : undefined,
      readGuaranteeExpiry: async () => {
        if (!chainClient) throw new ChainUnavailableError("no chain client: set FOURMICA_RPC_URL");
        return readGuaranteeExpiry(chainClient, config.core4Mica);
      },
      now,
    });
    let background: BackgroundJobs | undefined;
    let schedulerLoop: SchedulerLoop | undefined;

    let cycleScheduler: CycleScheduler | undefined;
    if (config.clearingHouse && (config.operatorKey || deps.walletClient) && chainClient) {
      const operator = deps.walletClient?.account.address ?? privateKeyToAccount(config.operatorKey!).address;
      if (config.deploymentOperator && config.deploymentOperator !== operator.toLowerCase()) {
        logger.warn(
          { operator, deploymentOperator: config.deploymentOperator },
          "the operator key is not the deployment's OPERATOR: commits will revert unless it holds the role",
        );
      }
      cycleScheduler = createCycleScheduler({
        db,
        databaseUrl: db.kind === "postgres" ? config.databaseUrl : undefined,
        rpcUrl: config.rpcUrl,
        chainId: config.chainId,
        clearingHouse: config.clearingHouse,
        operatorKey: config.operatorKey,
        assets: [zeroAddress, ...config.tokens.map((t) => t.address)],
        publicClient: chainClient,
        walletClient: deps.walletClient,
        transport: chainTransport,
        hooks: deps.schedulerHooks,
        settlementBatchSize: config.settlementBatchSize,
        autoClaim: config.autoClaim,
        log: (message, details) => logger.info(details, message),
      });
    }
    const clearingHouse = config.clearingHouse;
    let readSchedule: (() => Promise<readonly ScheduleSegment[]>) | undefined;
    if (clearingHouse) {
      if (cycleScheduler) readSchedule = cycleScheduler.schedule;
      else if (chainClient) {
        let cached: { at: number; segments: Promise<ScheduleSegment[]> } | undefined;
        readSchedule = () => {
          if (!cached || Date.now() - cached.at > 60_000) {
            const segments = readScheduleSegments(chainClient, clearingHouse);
            cached = { at: Date.now(), segments };
            segments.catch(() => (cached = undefined));
          }
          return cached.segments;
        };
      } else {
        readSchedule = async () => segments;
      }
    }
    const chainSchedule = clearingHouse && chainClient ? readSchedule : undefined;
    async function refreshSchedule(): Promise<readonly ScheduleSegment[]> {
      if (!chainSchedule) return segments;
      const read = await chainSchedule();
      if (read.length === 0) return segments;
      const first = read[0]!;
      const mine = segmentsOf(config.schedule)[0]!;
      if (first.startTime !== mine.startTime || first.cycleLength !== mine.cycleLength) {
        logger.warn(
          { chain: first.startTime.toString(), config: mine.startTime.toString() },
          "the configured schedule is not the ClearingHouse's: following the chain",
        );
      }
      segments = read;
      return segments;
    }
    const refreshQuietly = () => {
      refreshSchedule().catch((e: unknown) => logger.warn({ err: e }, "cannot read the ClearingHouse schedule"));
    };

    // Webhooks: the outbox is written by migration 007's triggers in the transactions above; this is the sending
    // side. Secrets sealed under a previous key are re-sealed under the current one at start-up (rotation).
    let webhookWorker: WebhookWorker | undefined;
    let webhookAdmin: WebhookAdmin | undefined;
    const wh = config.webhooks;
    if (wh) {
      const keyring = { current: hexToBytes(wh.encryptionKey), previous: wh.previousKeys.map((k) => hexToBytes(k)) };
      const { resealed, unreadable } = await resealSecrets(db, keyring);
      if (resealed.length > 0)
        logger.info({ resealed: resealed.length }, "webhook secrets re-sealed under the current key");
      if (unreadable.length > 0) {
        logger.error({ subscriptions: unreadable }, "webhook secrets sealed under a key Core no longer has");
      }
      webhookWorker = createWebhookWorker({
        db,
        keyring,
        policy: {
          baseMs: wh.backoffBaseMs,
          maxMs: wh.backoffMaxMs,
          maxAttempts: wh.maxAttempts,
          maxAgeMs: wh.maxAgeSeconds * 1000,
        },
        timeoutMs: wh.timeoutMs,
        intervalMs: wh.intervalMs,
        concurrency: wh.concurrency,
        logger,
      });
      webhookAdmin = {
        create: (input) => createSubscription(db, keyring, input),
        list: () => listSubscriptions(db),
        delete: (id) => deleteSubscription(db, id),
        deliveries: (filter) => listDeliveries(db, filter),
        redeliver: (id) => redeliver(db, id),
      };
    }

    const metrics = createMetrics();
    const app = buildHttpServer({
      logger,
      limits: config.limits,
      adminToken: config.adminToken,
      issuancePause,
      adminStatus: async () => {
        const { control: _name, ...issuance } = issuancePause.state();
        return { issuance };
      },
      dashboard: { db, now },
      webhooks: webhookAdmin,
      metrics,
      issue,
      lifecycle,
      getGuarantee: (id) => guarantees.get(id),
      listByRecipient: guarantees.listByRecipient,
      listByUser: guarantees.listByUser,
      balances: (who) => getBalances(db, who),
      lookupSession: (token) => findSession(db, token),
      siweDomain: config.siweDomain,
      siweUri: config.siweUri,
      chainId: config.chainId,
      createNonce: (client) =>
        createNonce(db, {
          ttlSeconds: SIWE_NONCE_TTL_SECONDS,
          client,
          maxPerClient: limits.siweMaxNoncesPerClient,
        }),
      signIn: async (message, signature) => {
        const { address, nonce } = await verifySiweSignIn(
          message,
          signature,
          {
            domain: config.siweDomain,
            uri: config.siweUri,
            chainId: config.chainId,
            now: new Date(Number(now()) * 1000),
            clockSkewSeconds: limits.siweClockSkewSeconds,
          },
          isValidSignature,
        );
        if (!(await consumeNonce(db, nonce))) {
          throw new SiweError(SiweCode.NONCE_INVALID, "nonce unknown, used or expired");
        }
        const session = await createSession(db, address, config.sessionTtlSeconds);
        return { ...session, address };
      },
      ...(clearingHouse && readSchedule
        ? { cycles: { cycleDb: db, chainId: config.chainId, clearingHouse, schedule: readSchedule } }
        : {}),
      ...(clearingHouse
        ? {
            settlements: {
              settlements: createSettlements({
                db,
                chainId: config.chainId,
                clearingHouse,
                now,
                isValidSignature,
              }),
            },
          }
        : {}),
      publicParams: publicParams(config, blsPublicKey, domains),
      tokens: {
        chainId: config.chainId.toString(),
        tokens: config.tokens.map((t) => ({ symbol: t.symbol, address: t.address, decimals: t.decimals })),
      },
      health: async () => {
        try {
          await db.query("SELECT 1");
          return { ok: true, details: { db: db.kind } };
        } catch {
          return { ok: false, details: { db: db.kind, error: "database unreachable" } };
        }
      },
    });
    if (deps.mount) await deps.mount(app);
    await app.ready();
    logger.info(
      {
        config: redactedConfig(config),
        bls: bls.name,
        secp256k1: recovery.name,
        signingWorkers: signingPool?.workers ?? 0,
      },
      "core ready",
    );

    let closed: Promise<void> | undefined;
    return {
      config,
      db,
      app,
      issue,
      bls,
      lifecycle,
      scheduler: cycleScheduler,
      webhooks: webhookWorker,
      refreshSchedule,
      startBackground(options = {}) {
        if (!chainClient) throw new ChainUnavailableError("background jobs need FOURMICA_RPC_URL");
        webhookWorker?.start();
        refreshQuietly();
        if (cycleScheduler && options.scheduler !== false) {
          schedulerLoop ??= cycleScheduler.start({
            intervalMs: config.schedulerIntervalMs ?? 15_000,
            onTick: (now, report) => {
              refreshQuietly();
              if (report.actions.length > 0) {
                logger.info(
                  { now: now.toString(), actions: report.actions.map((a) => `${a.kind} ${a.cycleId}:${a.asset}`) },
                  "scheduler tick",
                );
              }
            },
            onError: (e) => logger.warn({ err: e }, "scheduler tick failed"),
          });
        }
        const sync = config.sync;
        if (!sync) {
          background ??= { runOnce: async () => {}, stop: async () => schedulerLoop?.stop() };
          return background;
        }
        background ??= startBackgroundJobs(
          {
            client: chainClient,
            db,
            chainId: config.chainId,
            core4Mica: config.core4Mica,
            clearingHouse: config.clearingHouse,
            startBlock: sync.startBlock,
            confirmations: sync.confirmations,
            chunkSize: sync.chunkSize,
          },
          lifecycle,
          { intervalMs: sync.intervalMs, logger },
        );
        return background;
      },
      blsPublicKey,
      issuancePause,
      async listen(port = config.httpPort, host = config.httpHost) {
        return app.listen({ port, host });
      },
      close() {
        closed ??= (async () => {
          issuancePause.stop();
          await background?.stop();
          await webhookWorker?.stop();
          await app.close();
          await cycleScheduler?.close();
          await signingPool?.close();
          if (ownsDb) await db.close();
        })();
        return closed;
      },
    };
  } catch (e) {
    pauseForCleanup?.stop();
    await signingPool?.close();
    if (ownsDb) await db.close();
    throw e;
  }
}

function publicParams(config: CoreConfig, blsPublicKey: Hex, domains: Map<number, Hex>): Record<string, unknown> {
  const s = config.schedule;
  return {
    chainId: config.chainId.toString(),
    core4Mica: config.core4Mica,
    clearingHouse: config.clearingHouse ?? null,
    blsPublicKey,
    blsPublicKeyEip2537: g1ToEip2537(blsPublicKey),
    eip712Domain: {
      name: "4Mica",
      version: "1",
      chainId: config.chainId.toString(),
      verifyingContract: config.core4Mica,
    },
    acceptedVersions: config.acceptedVersions,
    guaranteeDomains: Object.fromEntries([...domains].map(([v, d]) => [String(v), d])),
    trustedValidationRegistries: config.trustedRegistries,
    validationHashCanonicalizationVersion: "4MICA_VALIDATION_REQUEST_V2",
    freshness: {
      pastSeconds: config.freshnessPastSeconds.toString(),
      futureSeconds: config.freshnessFutureSeconds.toString(),
    },
    cycleSchedule: {
      genesis: s.genesis.toString(),
      cycleLength: s.cycleLength.toString(),
      resolutionCutoff: s.resolutionCutoff.toString(),
      commitDelay: s.commitDelay.toString(),
      paymentWindow: s.paymentWindow.toString(),
      finalityWindow: s.finalityWindow.toString(),
    },
  };
}
