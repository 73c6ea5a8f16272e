import {
  createPublicClient,
  createWalletClient,
  http,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { createViemClearingHouseGateway } from "../../adapters/chain/viemClearingHouseGateway.ts";
import type { Database } from "../../adapters/db/database.ts";
import type { ScheduleSegment } from "../../core/scheduler/scheduleSegments.ts";
import type { ClearingHouseGateway } from "./clearingHouseGateway.ts";
import { createScheduler, type Scheduler } from "./createScheduler.ts";
import { createLeaderLock, type LeaderLock } from "./leaderLock.ts";
import { startSchedulerLoop, type SchedulerLoop, type SchedulerLoopOptions } from "./startSchedulerLoop.ts";

export interface CycleSchedulerConfig {
  db: Database;
  /** PostgreSQL URL (advisory lock on its own session); absent on PGlite. */
  databaseUrl: string | undefined;
  rpcUrl: string;
  chainId: bigint;
  clearingHouse: Address;
  /** The OPERATOR account's key (signs commits, keeper calls and finalizations locally). */
  operatorKey: Hex;
  /** Assets followed from the start (configured tokens; ETH is `0x0`). */
  assets: readonly Address[];
  /** An existing public client (tests); otherwise one over `rpcUrl`. */
  publicClient?: PublicClient;
  log?: (message: string, details: Record<string, unknown>) => void;
}

export interface CycleScheduler {
  scheduler: Scheduler;
  gateway: ClearingHouseGateway;
  lock: LeaderLock;
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
    rpcUrls: { default: { http: [c.rpcUrl] } },
  };
  const publicClient = c.publicClient ?? (createPublicClient({ chain, transport: http(c.rpcUrl) }) as PublicClient);
  const walletClient = createWalletClient({
    account: privateKeyToAccount(c.operatorKey),
    chain,
    transport: http(c.rpcUrl),
  });
  const gateway = createViemClearingHouseGateway({ publicClient, walletClient, clearingHouse: c.clearingHouse });
  const lock = createLeaderLock(c.db, c.databaseUrl);
  const scheduler = createScheduler({
    db: c.db,
    chain: gateway,
    chainId: c.chainId,
    clearingHouse: c.clearingHouse,
    lock,
    assets: c.assets,
    ...(c.log ? { log: c.log } : {}),
  });
  let cached: { at: number; segments: Promise<ScheduleSegment[]> } | undefined;
  let loop: SchedulerLoop | undefined;
  return {
    scheduler,
    gateway,
    lock,
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
