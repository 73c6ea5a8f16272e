import type { Address, Hex, Log, PublicClient } from "viem";

import { FourMicaError } from "../../../protocol/errors.ts";

/** A block as the follower records it. */
export interface BlockRef {
  number: bigint;
  hash: Hex;
  timestamp: bigint;
}

/** The node failed or answered nonsense: the round stops and is retried, nothing is applied. */
export class ChainUnavailableError extends FourMicaError {
  constructor(message: string, cause?: unknown) {
    super("CHAIN_UNAVAILABLE", message, { cause });
    this.name = "ChainUnavailableError";
  }
}

/** Block `number` (or the latest). */
export async function getBlockRef(client: PublicClient, number?: bigint): Promise<BlockRef> {
  let block;
  try {
    block = number === undefined ? await client.getBlock() : await client.getBlock({ blockNumber: number });
  } catch (e) {
    throw new ChainUnavailableError(`cannot read block ${number ?? "latest"}`, e);
  }
  if (block.number === null || block.hash === null)
    throw new ChainUnavailableError("the node returned a pending block");
  return { number: block.number, hash: block.hash, timestamp: block.timestamp };
}

/**
 * Raw logs of `addresses` in `[fromBlock, toBlock]`, fetched `maxRange` blocks at a time, in (block, logIndex)
 * order. A range the node refuses (too many results) is halved and retried.
 */
export async function getLogsInChunks(
  client: PublicClient,
  args: { addresses: readonly Address[]; fromBlock: bigint; toBlock: bigint; maxRange: bigint },
): Promise<Log[]> {
  const out: Log[] = [];
  let from = args.fromBlock;
  let range = args.maxRange;
  while (from <= args.toBlock) {
    const to = from + range - 1n < args.toBlock ? from + range - 1n : args.toBlock;
    try {
      out.push(...(await client.getLogs({ address: [...args.addresses], fromBlock: from, toBlock: to })));
      from = to + 1n;
    } catch (e) {
      if (range === 1n) throw new ChainUnavailableError(`cannot read logs of block ${from}`, e);
      range = range / 2n;
    }
  }
  return out.sort((a, b) =>
    a.blockNumber === b.blockNumber ? (a.logIndex ?? 0) - (b.logIndex ?? 0) : a.blockNumber! < b.blockNumber! ? -1 : 1,
  );
}
