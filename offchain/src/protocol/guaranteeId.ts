import { encodeAbiParameters, isHex, keccak256, type Address, type Hex } from "viem";

import type { GuaranteeRequestDomain } from "./guaranteeTypes.ts";
import { requestDomainSeparator } from "./requestDomainSeparator.ts";

/** The payer-signed fields a guarantee id is derived from (a whole request or guarantee also fits). */
export interface GuaranteeIdentity {
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
}

/**
 * `keccak256(abi.encode(bytes32 requestDomainSeparator, address user, address recipient, address asset,
 * uint256 reqId))` (docs/protocol.md §2; Solidity `GuaranteeIds.idOf`, `Core4Mica.guaranteeIdOf`). Only what the
 * payer's EIP-712 signature binds makes the id: the vault's EIP-712 domain (chain and vault), user, recipient, asset
 * and reqId. The certificate's domain, cycle and version are left out, so one payer signature has one id whatever
 * certificate carries it, across key and domain rotations and versions. `domain` is the vault's EIP-712 domain
 * inputs, or its separator already computed (`requestDomainSeparator`), which saves the hashing on a hot path.
 */
export function guaranteeId(
  { user, recipient, asset, reqId }: GuaranteeIdentity,
  domain: GuaranteeRequestDomain | Hex,
): Hex {
  const separator = isHex(domain) ? domain : requestDomainSeparator(domain);
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
      [separator, user, recipient, asset, reqId],
    ),
  );
}
