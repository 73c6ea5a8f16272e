import type { FastifyInstance } from "fastify";
import { pino, type Logger } from "pino";
import { createPublicClient, http, type Hex, type PublicClient } from "viem";

import { startBackgroundJobs, type BackgroundJobs } from "./adapters/chain/backgroundJobs.ts";
import { ChainUnavailableError } from "./adapters/chain/chainActions.ts";
import { createErc1271Verifier } from "./adapters/chain/erc1271.ts";
import { readGuaranteeExpiry, readValidationStatus } from "./adapters/chain/vaultReads.ts";
import { createLifecycleRepository } from "./adapters/db/lifecycleRepository.ts";
import { getBalances } from "./adapters/db/balanceRepository.ts";
import type { Database } from "./adapters/db/database.ts";
import { createGuaranteeRepository } from "./adapters/db/guaranteeRepository.ts";
import { migrate } from "./adapters/db/migrate.ts";
import { openDatabase } from "./adapters/db/openDatabase.ts";
import { consumeNonce, createNonce, createSession, findSession } from "./adapters/db/sessionRepository.ts";
import { createMetrics } from "./adapters/http/metrics.ts";
import { buildHttpServer } from "./adapters/http/server.ts";
import { redactedConfig, type CoreConfig } from "./config.ts";
import { SiweError, verifySiweSignIn } from "./core/auth/verifySiweSignIn.ts";
import { g1ToEip2537, g2ToEip2537, loadBlsBackend, type BlsBackend } from "./core/bls/index.ts";
import { guaranteeDomain } from "./core/guaranteeDomain.ts";
import { createIssuance, type IssueGuarantee } from "./core/issuance/issueGuarantee.ts";
import { createLifecycle, type Lifecycle } from "./core/lifecycle/createLifecycle.ts";
import type { IsValidSignature } from "./core/issuance/verifyPayerSignature.ts";

export interface CoreDeps {
  /** An already open database (tests, several instances on one PGlite); otherwise opened from config. */
  db?: Database;
  /** Unix seconds; defaults to the wall clock. */
  now?: () => bigint;
  isValidSignature?: IsValidSignature;
  logger?: Logger;
  bls?: BlsBackend;
  /** A chain client (tests: Hardhat's); otherwise one is built from config.rpcUrl when set. */
  chainClient?: PublicClient;
}

export interface Core {
  config: CoreConfig;
  db: Database;
  app: FastifyInstance;
  issue: IssueGuarantee;
  bls: BlsBackend;
  /** Dispute, cancel, V2 promotion and expiry (issue #4 item 5). */
  lifecycle: Lifecycle;
  /** Starts the chain follower and lifecycle jobs (needs a chain client and config.sync); stopped by close(). */
  startBackground(): BackgroundJobs;
  /** The operator's 48-byte compressed G1 public key. */
  blsPublicKey: Hex;
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
  try {
    const applied = await migrate(db);
    if (applied.length > 0) logger.info({ applied, db: db.kind }, "migrations applied");

    const bls = deps.bls ?? (await loadBlsBackend(config.blsBackend));
    // Also validates the key (InvalidBlsKeyError) before anything is served.
    const blsPublicKey = bls.publicKey(config.blsSecretKey);
    const secretKey = config.blsSecretKey;
    const signer = { sign: (m: Hex) => bls.sign(secretKey, m), toEip2537: g2ToEip2537 };
    const now = deps.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    const isValidSignature = deps.isValidSignature ?? createErc1271Verifier(config.rpcUrl);
    const domains = new Map(
      config.acceptedVersions.map((v) => [v, guaranteeDomain(v, config.chainId, config.core4Mica)]),
    );

    const guarantees = createGuaranteeRepository(db);
    const issue = createIssuance({
      policy: {
        chainId: config.chainId,
        domains,
        trustedRegistries: new Set(config.trustedRegistries),
        maxAgeSeconds: config.freshnessPastSeconds,
        maxFutureSkewSeconds: config.freshnessFutureSeconds,
        schedule: config.schedule,
      },
      core4Mica: config.core4Mica,
      store: guarantees,
      signer,
      isValidSignature,
      now,
    });

    const chainClient =
      deps.chainClient ?? (config.rpcUrl ? createPublicClient({ transport: http(config.rpcUrl) }) : undefined);
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

    const metrics = createMetrics();
    const app = buildHttpServer({
      logger,
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
      createNonce: () => createNonce(db, SIWE_NONCE_TTL_SECONDS),
      signIn: async (message, signature) => {
        const { address, nonce } = await verifySiweSignIn(
          message,
          signature,
          { domain: config.siweDomain, chainId: config.chainId, now: new Date(Number(now()) * 1000) },
          isValidSignature,
        );
        if (!(await consumeNonce(db, nonce))) throw new SiweError("nonce unknown, used or expired");
        const session = await createSession(db, address, config.sessionTtlSeconds);
        return { ...session, address };
      },
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
    await app.ready();
    logger.info({ config: redactedConfig(config), bls: bls.name }, "core ready");

    let closed: Promise<void> | undefined;
    return {
      config,
      db,
      app,
      issue,
      bls,
      lifecycle,
      startBackground() {
        if (!chainClient || !config.sync) throw new ChainUnavailableError("background jobs need FOURMICA_RPC_URL");
        const sync = config.sync;
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
      async listen(port = config.httpPort, host = config.httpHost) {
        return app.listen({ port, host });
      },
      close() {
        closed ??= (async () => {
          await background?.stop();
          await app.close();
          if (ownsDb) await db.close();
        })();
        return closed;
      },
    };
  } catch (e) {
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
