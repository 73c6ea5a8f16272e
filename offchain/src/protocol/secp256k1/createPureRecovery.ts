import { recoverAddress, type Address, type Hex } from "viem";

import type { Secp256k1Recovery } from "./types.ts";

/** viem's recovery (@noble/curves, pure JavaScript): runs everywhere, a few milliseconds per signature. */
export function createPureRecovery(): Secp256k1Recovery {
  return {
    name: "pure",
    async recoverAddress(digest: Hex, signature: Hex): Promise<Address> {
      return (await recoverAddress({ hash: digest, signature })).toLowerCase() as Address;
    },
  };
}
