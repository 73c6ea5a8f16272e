import { keccak_256 } from "@noble/hashes/sha3.js";
import { bytesToHex, encodeAbiParameters, hexToBytes, keccak256, stringToHex, type Address, type Hex } from "viem";

import { writeHex, writeUint256 } from "./bytes.ts";

import { BatchOrderError, NettingInputError } from "./errors.ts";
import { normalizeAddress } from "./normalizeAddress.ts";
import type { NettingTreeHeader } from "./types.ts";

/** Tag of the batch hash's header (docs/protocol.md §6). */
export const BATCH_HASH_TAG = keccak256(stringToHex("4MICA_NETTING_BATCH_V1"));

/** One netted guarantee as the batch hash records it. */
export type BatchEntry = {
  readonly guaranteeId: Hex;
  readonly user: Address;
  readonly recipient: Address;
  readonly amount: bigint;
};

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

const HEADER_PARAMS = [
  { type: "bytes32" },
  { type: "uint256" },
  { type: "address" },
  { type: "uint256" },
  { type: "address" },
] as const;

/** Incremental batch hash: feed entries in strictly ascending guarantee id order, then `digest()`. */
export type BatchHasher = {
  update(entry: BatchEntry): void;
  digest(): Hex;
  readonly count: number;
};

/**
 * Starts the batch hash of a (cycle, asset) commit (docs/protocol.md §6):
 * `keccak256(abi.encode(BATCH_HASH_TAG, chainId, clearingHouse, cycleId, asset) ‖ e_1 ‖ … ‖ e_n)` with
 * `e_i = abi.encode(bytes32 guaranteeId, address user, address recipient, uint256 amount)` (128 bytes), the
 * entries being every guarantee netted in the commit, in strictly ascending `guaranteeId` order. Fixed-size
 * records make the preimage unambiguous; the hash streams in constant memory.
 */
export function createBatchHasher(header: NettingTreeHeader): BatchHasher {
  const hash = keccak_256.create();
  hash.update(
    hexToBytes(
      encodeAbiParameters(HEADER_PARAMS, [
        BATCH_HASH_TAG,
        header.chainId,
        header.clearingHouse,
        header.cycleId,
        header.asset,
      ]),
    ),
  );
  // Bytes 32..43 and 64..75 (address padding) stay zero; every other byte is rewritten per entry.
  const record = new Uint8Array(128);
  let previous: string | undefined;
  let count = 0;
  return {
    update(entry) {
      if (typeof entry.guaranteeId !== "string" || !BYTES32.test(entry.guaranteeId)) {
        throw new NettingInputError(`guarantee id ${JSON.stringify(entry.guaranteeId)} is not a bytes32`);
      }
      // Same-length lower-case hex compares like the numbers it encodes.
      const id = entry.guaranteeId.toLowerCase();
      if (previous !== undefined && id <= previous) throw new BatchOrderError(previous, entry.guaranteeId);
      if (typeof entry.amount !== "bigint" || entry.amount < 0n || entry.amount >= 1n << 256n) {
        throw new NettingInputError(`guarantee ${entry.guaranteeId} has amount ${String(entry.amount)}`);
      }
      previous = id;
      writeHex(record, 0, entry.guaranteeId);
      writeHex(record, 44, normalizeAddress(entry.user, "user"));
      writeHex(record, 76, normalizeAddress(entry.recipient, "recipient"));
      writeUint256(record, 96, entry.amount);
      hash.update(record);
      count++;
    },
    digest: () => bytesToHex(hash.digest()),
    get count() {
      return count;
    },
  };
}

/** The batch hash of `entries`, which must already be in strictly ascending guarantee id order. */
export function batchHash(header: NettingTreeHeader, entries: Iterable<BatchEntry>): Hex {
  const hasher = createBatchHasher(header);
  for (const e of entries) hasher.update(e);
  return hasher.digest();
}

/** Sorts entries by guarantee id (ascending) for {@link batchHash}. */
export function sortBatchEntries<T extends BatchEntry>(entries: readonly T[]): T[] {
  const keyed = entries.map((e) => ({ key: e.guaranteeId.toLowerCase(), e }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map((k) => k.e);
}
