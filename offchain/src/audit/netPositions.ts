import type { Hex } from "viem";

import type { PositionRole } from "./types.ts";

/** A participant's recomputed flows over the batch. */
export interface RecomputedPosition {
  participant: Hex;
  role: PositionRole;
  /** |received - owed|. */
  amount: bigint;
  grossOut: bigint;
  grossIn: bigint;
}

/**
 * Net positions recomputed from the batch: per participant (lowercase address), gross owed and received over every
 * netted guarantee (self-payments included in both, as Core publishes them), and the net of the two, which makes
 * a debtor (owes more), a creditor, or FLAT. Kept independent of offchain/src/protocol/netting.
 */
export function createPositionAccumulator() {
  const flows = new Map<string, { out: bigint; in: bigint }>();
  const flow = (who: string) => {
    let f = flows.get(who);
    if (!f) flows.set(who, (f = { out: 0n, in: 0n }));
    return f;
  };
  return {
    add(user: Hex, recipient: Hex, amount: bigint): void {
      flow(user.toLowerCase()).out += amount;
      flow(recipient.toLowerCase()).in += amount;
    },
    positions(): RecomputedPosition[] {
      return [...flows.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([participant, f]) => {
          const net = f.in - f.out;
          const role: PositionRole = net < 0n ? "NET_DEBTOR" : net > 0n ? "NET_CREDITOR" : "FLAT";
          return {
            participant: participant as Hex,
            role,
            amount: net < 0n ? -net : net,
            grossOut: f.out,
            grossIn: f.in,
          };
        });
    },
  };
}
