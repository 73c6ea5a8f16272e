import type { Address, Hex } from "viem";

/** Role of a net position in a (cycle, asset) tree: `0 = NET_DEBTOR`, `1 = NET_CREDITOR` (docs/protocol.md §6). */
export type NetRole = 0 | 1;

export const NET_DEBTOR = 0 satisfies NetRole;
export const NET_CREDITOR = 1 satisfies NetRole;

/** A payable guarantee as netting sees it: `user` owes `amount` to `recipient`. Extra fields are ignored. */
export type NettingGuarantee = {
  readonly user: Address;
  readonly recipient: Address;
  readonly amount: bigint;
};

/** One participant's net position in a (cycle, asset). `amount > 0`; flat participants have no position. */
export type NetPosition = {
  readonly participant: Address;
  readonly role: NetRole;
  readonly amount: bigint;
};

/** What a (cycle, asset) tree commits to: the leaf domain. */
export type NettingTreeHeader = {
  readonly chainId: bigint;
  readonly clearingHouse: Address;
  readonly cycleId: bigint;
  readonly asset: Address;
};

/** One leaf of a built tree, with its proof. */
export type NettingLeafEntry = NetPosition & {
  readonly leaf: Hex;
  readonly proof: readonly Hex[];
};
