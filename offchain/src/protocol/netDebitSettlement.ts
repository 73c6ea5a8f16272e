import { hashTypedData, type Address, type Hex, type TypedDataDefinition } from "viem";

/**
 * The debtor's authorization to pay its net debit of one (cycle, asset) from its vault collateral
 * (`ClearingHouse.settleNetDebitsFromCollateral`, docs/protocol.md §6). Signed under the ClearingHouse's own EIP-712
 * domain, so that it binds one deployment on one chain; `amount` is the exact net debit of the debtor's leaf.
 */

/** The EIP-712 name of the ClearingHouse's domain. */
export const NET_DEBIT_SETTLEMENT_DOMAIN_NAME = "4Mica ClearingHouse";
/** The EIP-712 version of the ClearingHouse's domain. */
export const NET_DEBIT_SETTLEMENT_DOMAIN_VERSION = "1";

/** `NetDebitSettlement(uint256 cycleId,address asset,address debtor,uint256 amount)`. */
export const NET_DEBIT_SETTLEMENT_TYPES = {
  NetDebitSettlement: [
    { name: "cycleId", type: "uint256" },
    { name: "asset", type: "address" },
    { name: "debtor", type: "address" },
    { name: "amount", type: "uint256" },
  ],
} as const;

/** The fields of one authorization and the ClearingHouse (on `chainId`) it is for. */
export interface NetDebitSettlementInput {
  chainId: number | bigint;
  clearingHouse: Address;
  cycleId: bigint;
  /** The ERC-20, or the zero address for ETH. */
  asset: Address;
  debtor: Address;
  /** The net debit of the debtor's leaf, exactly. */
  amount: bigint;
}

export type NetDebitSettlementTypedData = TypedDataDefinition<typeof NET_DEBIT_SETTLEMENT_TYPES, "NetDebitSettlement">;

/** `{name: "4Mica ClearingHouse", version: "1", chainId, verifyingContract: clearingHouse}`. */
export function netDebitSettlementDomain(chainId: number | bigint, clearingHouse: Address) {
  return {
    name: NET_DEBIT_SETTLEMENT_DOMAIN_NAME,
    version: NET_DEBIT_SETTLEMENT_DOMAIN_VERSION,
    chainId: BigInt(chainId),
    verifyingContract: clearingHouse,
  } as const;
}

/** The typed data the debtor signs (viem `signTypedData` / `verifyTypedData` take it as is). */
export function netDebitSettlementTypedData({
  chainId,
  clearingHouse,
  cycleId,
  asset,
  debtor,
  amount,
}: NetDebitSettlementInput): NetDebitSettlementTypedData {
  return {
    domain: netDebitSettlementDomain(chainId, clearingHouse),
    types: NET_DEBIT_SETTLEMENT_TYPES,
    primaryType: "NetDebitSettlement",
    message: { cycleId, asset, debtor, amount },
  };
}

/** The digest the debtor signs: what `ClearingHouse.netDebitSettlementDigest` returns. */
export function hashNetDebitSettlement(input: NetDebitSettlementInput): Hex {
  return hashTypedData(netDebitSettlementTypedData(input));
}
