import { hashMessage, hashTypedData, type Address, type Hex } from "viem";

/** The guarantee actions a party signs: the payer disputes, the recipient cancels. */
export type GuaranteeAction = "dispute" | "cancel";

/** How an action is signed: EIP-712 typed data (default) or an EIP-191 personal message. */
export type ActionScheme = "eip712" | "eip191";

export interface ActionDomain {
  chainId: bigint;
  core4Mica: Address;
}

const PRIMARY_TYPE = { dispute: "DisputeGuarantee", cancel: "CancelGuarantee" } as const;

/**
 * EIP-712 typed data of an action: the request domain of protocol.md §3 (`{name: "4Mica", version: "1", chainId,
 * verifyingContract: Core4Mica}`), so a signature binds this deployment; type `DisputeGuarantee(bytes32
 * guaranteeId)` or `CancelGuarantee(bytes32 guaranteeId)`.
 */
export function actionTypedData(action: GuaranteeAction, guaranteeId: Hex, domain: ActionDomain) {
  const primaryType = PRIMARY_TYPE[action];
  return {
    domain: { name: "4Mica", version: "1", chainId: domain.chainId, verifyingContract: domain.core4Mica },
    types: { [primaryType]: [{ name: "guaranteeId", type: "bytes32" }] },
    primaryType,
    message: { guaranteeId },
  } as const;
}

/** The EIP-191 text of an action; it names the deployment too. */
export function actionMessage(action: GuaranteeAction, guaranteeId: Hex, domain: ActionDomain): string {
  return `4Mica: ${action} guarantee ${guaranteeId.toLowerCase()}\nchainId: ${domain.chainId}\ncore4Mica: ${domain.core4Mica.toLowerCase()}`;
}

/** The digest signed under `scheme` (what ERC-1271 wallets are asked about). */
export function actionDigest(
  action: GuaranteeAction,
  guaranteeId: Hex,
  domain: ActionDomain,
  scheme: ActionScheme,
): Hex {
  return scheme === "eip191"
    ? hashMessage(actionMessage(action, guaranteeId, domain))
    : hashTypedData(actionTypedData(action, guaranteeId, domain) as Parameters<typeof hashTypedData>[0]);
}
