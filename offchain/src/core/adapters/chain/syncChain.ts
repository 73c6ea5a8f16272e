import type { Address, Hex, PublicClient } from "viem";

import {
  KEPT_BLOCKS,
  applyChainEvents,
  deleteCursor,
  listBlocks,
  readCursor,
  recordBlocks,
  undoEventsAbove,
  writeCursor,
  type CursorRow,
} from "../db/chainSyncRepository.ts";
import type { Database } from "../db/database.ts";
import { getBlockRef, getLogsInChunks } from "./chainActions.ts";
import { decodeFollowedLog } from "./decodeFollowedLog.ts";

export interface ChainSyncDeps {
  client: PublicClient;
  db: Database;
  chainId: bigint;
  core4Mica: Address;
  clearingHouse?: Address | undefined;
  /** First block to follow (the deployment block). */
  startBlock: bigint;
  /** Blocks behind the head that are followed; 0 follows the head itself (reorgs then show). */
  confirmations: bigint;
  /** Blocks per getLogs chunk and per transaction (default 1000). */
  chunkSize?: bigint;
  /** Chunks per call (default unlimited: catch up to the target). */
  maxChunks?: number;
  /** Cursor name (default "core"). */
  follower?: string;
}

export interface SyncResult {
  /** The cursor after this call (startBlock - 1 when nothing is followed yet). */
  cursor: bigint;
  /** head - confirmations when the call started. */
  target: bigint;
  applied: number;
  undone: number;
  reorged: boolean;
}

/**
 * One round of the chain follower: (1) if the stored cursor's block is no longer canonical, walk back to the fork
 * point (the newest remembered block still canonical), undo every event above it newest first, and move the
 * cursor there; (2) follow the vault's and the ClearingHouse's events up to head - confirmations in chunks. Each
 * chunk is one transaction that applies its events (each at most once, keyed by (block_hash, log_index)) and
 * advances the cursor, so a crash or restart resumes exactly at the cursor. Returns when caught up.
 */
export async function syncChain(deps: ChainSyncDeps): Promise<SyncResult> {
  const follower = deps.follower ?? "core";
  const chunk = deps.chunkSize ?? 1000n;
  const addresses = [deps.core4Mica, ...(deps.clearingHouse ? [deps.clearingHouse] : [])];
  const before = deps.startBlock - 1n;
  const result: SyncResult = { cursor: before, target: before, applied: 0, undone: 0, reorged: false };

  let cursor = await readCursor(deps.db, follower);
  const head = await getBlockRef(deps.client);

  if (cursor && !(await isCanonical(deps.client, cursor, head.number))) {
    const fork = await findForkPoint(deps, follower, cursor, head.number);
    const moved = await deps.db.transaction(async (tx) => {
      const current = await readCursor(tx, follower, true);
      if (!current || current.number !== cursor!.number || current.hash !== cursor!.hash) return undefined;
      const undone = await undoEventsAbove(tx, follower, fork?.number ?? before);
      if (fork) await writeCursor(tx, follower, deps.chainId, fork);
      else await deleteCursor(tx, follower);
      return { undone };
    });
    // Another replica moved the cursor meanwhile: it handled the reorg; pick up next round.
    if (!moved) return { ...result, cursor: cursor.number };
    result.undone = moved.undone;
    result.reorged = true;
    cursor = fork;
  }

  const target = head.number - deps.confirmations;
  result.target = target;
  let at = cursor?.number ?? before;
  result.cursor = at;

  for (let n = 0; at < target && (deps.maxChunks === undefined || n < deps.maxChunks); n++) {
    const from = at + 1n;
    const to = from + chunk - 1n < target ? from + chunk - 1n : target;
    const toBlock = await getBlockRef(deps.client, to);
    const logs = await getLogsInChunks(deps.client, { addresses, fromBlock: from, toBlock: to, maxRange: chunk });
    // The logs belong to the chain that ends in `toBlock` and extends the cursor, or the round stops here and
    // the next one sees the reorg.
    if ((await getBlockRef(deps.client, to)).hash !== toBlock.hash) break;
    if (cursor && !(await isCanonical(deps.client, cursor, to))) break;
    if (logs.some((l) => l.blockNumber === to && l.blockHash?.toLowerCase() !== toBlock.hash.toLowerCase())) break;

    const events = logs.flatMap((l) => {
      const e = decodeFollowedLog(l, deps);
      return e ? [e] : [];
    });
    const expected = cursor;
    const applied = await deps.db.transaction(async (tx) => {
      const current = await readCursor(tx, follower, true);
      if ((current?.number ?? before) !== at || current?.hash !== expected?.hash) return undefined;
      const count = await applyChainEvents(tx, follower, deps.chainId, events);
      const seen = new Map<bigint, Hex>(events.map((e) => [e.ref.blockNumber, e.ref.blockHash]));
      seen.set(toBlock.number, toBlock.hash);
      await recordBlocks(
        tx,
        follower,
        [...seen].map(([number, hash]) => ({ number, hash })),
      );
      await writeCursor(tx, follower, deps.chainId, { number: toBlock.number, hash: toBlock.hash });
      return count;
    });
    if (applied === undefined) break;
    result.applied += applied;
    cursor = { number: toBlock.number, hash: toBlock.hash.toLowerCase() as Hex };
    at = to;
    result.cursor = at;
  }
  return result;
}

async function isCanonical(client: PublicClient, block: CursorRow, headNumber: bigint): Promise<boolean> {
  if (block.number > headNumber) return false;
  return (await getBlockRef(client, block.number)).hash.toLowerCase() === block.hash.toLowerCase();
}

/** The newest remembered block that is still canonical; undefined if none is (restart from startBlock). */
async function findForkPoint(
  deps: ChainSyncDeps,
  follower: string,
  cursor: CursorRow,
  headNumber: bigint,
): Promise<CursorRow | undefined> {
  for (const b of await listBlocks(deps.db, follower, cursor.number, KEPT_BLOCKS)) {
    if (await isCanonical(deps.client, b, headNumber)) return b;
  }
  return undefined;
}
