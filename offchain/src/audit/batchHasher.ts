import createKeccakHash from "keccak";
import type { Hex } from "viem";

import { addressWord, hexBytes, word } from "./hex.ts";
import { keccakText } from "./keccak.ts";

/** The batch hash's header tag (docs/protocol.md §6). */
const TAG = keccakText("4MICA_NETTING_BATCH_V1");

/**
 * The batch hash of docs/protocol.md §6, recomputed from its definition: `keccak256(abi.encode(tag, chainId,
 * clearingHouse, cycleId, asset) ‖ e_1 ‖ … ‖ e_n)` with `e_i = abi.encode(guaranteeId, user, recipient, amount)`.
 * Entries are hashed in the order given; the caller checks that ids strictly ascend.
 */
export function createAuditBatchHasher(header: { chainId: bigint; clearingHouse: Hex; cycleId: bigint; asset: Hex }) {
  const hash = createKeccakHash("keccak256");
  hash.update(
    Buffer.concat([
      TAG,
      word(header.chainId),
      addressWord(header.clearingHouse),
      word(header.cycleId),
      addressWord(header.asset),
    ]),
  );
  return {
    add(e: { guaranteeId: Hex; user: Hex; recipient: Hex; amount: bigint }): void {
      hash.update(
        Buffer.concat([hexBytes(e.guaranteeId), addressWord(e.user), addressWord(e.recipient), word(e.amount)]),
      );
    },
    digest(): Hex {
      return `0x${hash.digest().toString("hex")}`;
    },
  };
}
