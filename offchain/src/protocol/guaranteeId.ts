import { encodeAbiParameters, isAddress, isHex, keccak256, type Address, type Hex } from "viem";

import type { GuaranteeRequestDomain } from "./guaranteeTypes.ts";
import { keccak256Hex } from "./keccak256Fast.ts";
import { requestDomainSeparator } from "./requestDomainSeparator.ts";

/** The payer-signed fields a guarantee id is derived from (a whole request or guarantee also fits). */
export interface GuaranteeIdentity {
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
}

const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const MAX_UINT256 = (1n << 256n) - 1n;

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
  // Issuance's hot path: the five words written directly (viem's encodeAbiParameters costs more than the hash).
  // Anything the fast path does not accept as is goes through viem, which encodes it or throws as before.
  if (
    BYTES32.test(separator) &&
    isAddress(user) &&
    isAddress(recipient) &&
    isAddress(asset) &&
    typeof reqId === "bigint" &&
    reqId >= 0n &&
    reqId <= MAX_UINT256
  ) {
    return keccak256Hex(
      `${separator}${word(user)}${word(recipient)}${word(asset)}${reqId.toString(16).padStart(64, "0")}`,
    );
  }
  return keccak256(
    encodeAbiParameters(
      [{ type: "bytes32" }, { type: "address" }, { type: "address" }, { type: "address" }, { type: "uint256" }],
      [separator, user, recipient, asset, reqId],
    ),
  );
}

const word = (address: Address) => `000000000000000000000000${address.slice(2)}`;
