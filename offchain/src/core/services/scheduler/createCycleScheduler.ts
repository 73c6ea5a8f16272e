import {
  createPublicClient,
  createWalletClient,
  http,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createViemClearingHouseGateway } from "../../adapters/chain/viemClearingHouseGateway.ts";
import type { Database } from "../../adapters/db/database.ts";
import type { ScheduleSegment } from "../../../protocol/cycles/cycleSchedule.ts";
import type { ClearingHouseGateway } from "./clearingHouseGateway.ts";
import { createScheduler, type Scheduler, type SchedulerHooks, type TickReport } from "./createScheduler.ts";
import { createLeaderLock, type LeaderLock } from "./leaderLock.ts";
import { startSchedulerLoop, type SchedulerLoop, type SchedulerLoopOptions } from "./startSchedulerLoop.ts";

export interface CycleSchedulerConfig {
  db: Database;
  /** PostgreSQL URL (advisory lock on its own session); absent on PGlite. */
  databaseUrl: string | undefined;
  /** JSON-RPC URL; optional when `transport` or both `publicClient` and `walletClient` are given. */
  rpcUrl?: string | undefined;
  chainId: bigint;
  clearingHouse: Address;
  /** The OPERATOR account's key (signs commits, keeper calls and finalizations locally); unused with `walletClient`. */
  operatorKey?: Hex | undefined;
  /** Assets followed from the start (configured tokens; ETH is `0x0`). */
  assets: readonly Address[];
  /** An existing public client (tests, the in-process Hardhat chain); otherwise one over `transport`/`rpcUrl`. */
  publicClient?: PublicClient | undefined;
  /**
   * The operator's wallet client, with a local account (the commit hash must be known before broadcast);
   * otherwise one from `operatorKey` over `transport`/`rpcUrl`.
   */
  walletClient?: WalletClient<Transport, Chain, Account> | undefined;
  /** A viem transport to the chain (e.g. `custom(eip1193Provider)` for the in-process Hardhat chain). */
  transport?: Transport | undefined;
  /** Crash seams (tests). */
  hooks?: SchedulerHooks | undefined;
  /** Debtors per `settleNetDebitsFromCollateral` transaction (default 200). */
  settlementBatchSize?: number | undefined;
  /** Batched claims of every unclaimed creditor once a cycle is funded (loadConfig's default: true; absent: off). */
  autoClaim?: boolean | undefined;
  log?: (message: string, details: Record<string, unknown>) => void;
}

export interface CycleScheduler {
  scheduler: Scheduler;
  gateway: ClearingHouseGateway;
  lock: LeaderLock;
  /** One deterministic tick at chain time `now` (unix seconds), if this replica leads. */
  tick(now: bigint): Promise<TickReport>;
  /** One tick at the latest block's timestamp. */
  tickNow(): Promise<TickReport>;
  /** The on-chain schedule, read once a minute at most (for GET /core/cycles). */
  schedule(): Promise<readonly ScheduleSegment[]>;
  start(options?: SchedulerLoopOptions): SchedulerLoop;
  close(): Promise<void>;
}

/** Builds the scheduler from Core's config: viem clients, the gateway, the leader lock; `start` runs the loop. */
export function createCycleScheduler(c: CycleSchedulerConfig): CycleScheduler {
  const chain: Chain = {
    id: Number(c.chainId),
    name: `chain-${c.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: c.rpcUrl ? [c.rpcUrl] : [] } },
  };
  const transport = (): Transport => {
    if (c.transport) return c.transport;
    if (c.rpcUrl) return http(c.rpcUrl);
    throw new Error("createCycleScheduler: needs rpcUrl, a transport, or both a public and a wallet client");
  };
  const publicClient = c.publicClient ?? (createPublicClient({ chain, transport: transport() }) as PublicClient);
  const walletClient = c.walletClient ?? operatorWallet(c.operatorKey, chain, transport);
  const gateway = createViemClearingHouseGateway({ publicClient, walletClient, clearingHouse: c.clearingHouse });
  const lock = createLeaderLock(c.db, c.databaseUrl);
  const scheduler = createScheduler({
    db: c.db,
    chain: gateway,
    chainId: c.chainId,
    clearingHouse: c.clearingHouse,
    lock,
    assets: c.assets,
    plan: { autoClaim: c.autoClaim ?? false },
    ...(c.settlementBatchSize ? { settlementBatchSize: c.settlementBatchSize } : {}),
    ...(c.hooks ? { hooks: c.hooks } : {}),
    ...(c.log ? { log: c.log } : {}),
  });
  let cached: { at: number; segments: Promise<ScheduleSegment[]> } | undefined;
  let loop: SchedulerLoop | undefined;
  return {
    scheduler,
    gateway,
    lock,
    tick: (now) => scheduler.tick(now),
    async tickNow() {
      return scheduler.tick(await gateway.latestTimestamp());
    },
    schedule() {
      if (!cached || Date.now() - cached.at > 60_000) {
        const segments = gateway.scheduleSegments();
        cached = { at: Date.now(), segments };
        segments.catch(() => (cached = undefined));
      }
      return cached.segments;
    },
    start(options) {
      loop ??= startSchedulerLoop(scheduler, gateway, options);
      return loop;
    },
    async close() {
      await loop?.stop();
      await lock.close();
    },
  };
}

function operatorWallet(
  key: Hex | undefined,
  chain: Chain,
  transport: () => Transport,
): WalletClient<Transport, Chain, Account> {
  if (!key) throw new Error("createCycleScheduler: needs operatorKey or walletClient");
  return createWalletClient({ account: privateKeyToAccount(key), chain, transport: transport() });
}
