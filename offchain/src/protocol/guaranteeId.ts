import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

/** The signed identity a guarantee id is derived from. */
export interface GuaranteeIdentity {
  domain: Hex;
  user: Address;
  recipient: Address;
  asset: Address;
  reqId: bigint;
  version: number | bigint;
}

/**
 * `keccak256(abi.encode(domain, user, recipient, asset, reqId, uint64 version))` (docs/protocol.md §2). It leaves
 * out cycle and amount: one signed identity is paid once. Accepts a whole guarantee.
 */
export function guaranteeId({ domain, user, recipient, asset, reqId, version }: GuaranteeIdentity): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "bytes32" },
        { type: "address" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
        { type: "uint64" },
      ],
      [domain, user, recipient, asset, reqId, BigInt(version)],
    ),
  );
}
